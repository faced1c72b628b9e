package io.ctops.server.tasks;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends tasks that ran out of time (their type's timeout): one queued that long was never taken by
 * its agent (the host stayed offline); one dispatched or running that long got no result. The agent
 * of a timed-out task it holds is told to stop it, like a cancellation. Any instance may run this:
 * ending a task is one conditional UPDATE, so two sweeps never end it twice.
 */
public final class TaskTimeouts {
  private static final Logger log = LoggerFactory.getLogger(TaskTimeouts.class);

  private final Jdbi jdbi;
  private final TaskTypes types;
  private final Clock clock;

  public TaskTimeouts(Jdbi jdbi, TaskTypes types, Clock clock) {
    this.jdbi = jdbi;
    this.types = types;
    this.clock = clock;
  }

  /** Ends the tasks past their timeout; returns how many. */
  public int sweep() {
    return jdbi.inTransaction(
        handle -> {
          List<TaskQueue.TypedEnd> ended =
              handle
                  .createQuery(
                      """
                      UPDATE tasks
                         SET state = 'timed_out', finished_at = :now,
                             error = CASE state
                               WHEN 'queued' THEN 'no agent took the task within '
                                   || timeout_seconds || ' s (is the host online?)'
                               ELSE 'the agent sent no result within '
                                   || timeout_seconds || ' s' END
                       WHERE state IN ('queued', 'dispatched', 'running')
                         AND coalesce(dispatched_at, queued_at)
                             < CAST(:now AS timestamptz) - make_interval(secs => timeout_seconds)
                      RETURNING type, id, host_id, error
                      """)
                  .bind("now", Timestamp.from(clock.instant()))
                  .map(
                      (rs, ctx) ->
                          new TaskQueue.TypedEnd(
                              rs.getString(1),
                              new TaskType.EndedTask(
                                  rs.getObject(2, UUID.class),
                                  rs.getObject(3, UUID.class),
                                  TaskState.TIMED_OUT,
                                  rs.getString(4))))
                  .list();
          TaskQueue.ended(handle, types, ended);
          if (!ended.isEmpty()) {
            log.info("event=tasks_timed_out count={}", ended.size());
          }
          return ended.size();
        });
  }
}
