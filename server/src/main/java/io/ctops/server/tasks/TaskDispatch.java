package io.ctops.server.tasks;

import io.ctops.protocol.v1.AgentTask;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Gets queued tasks to the agents connected to this ingest instance, and cancellations to the
 * agents that hold cancelled tasks. Every instance reads the same queue and offers only to the
 * agents whose streams it holds, so a task always goes out through the instance its agent is on. A
 * task is claimed ({@code queued → dispatched}) before it is offered, and goes back to the queue if
 * the stream is gone by then.
 */
public final class TaskDispatch {

  /** Queued tasks read per query. */
  static final int PAGE = 5_000;

  /** Queued tasks looked at per run at most; the next run goes on from there. */
  static final int READ_PER_RUN = 20_000;

  /** How long after its end a cancelled or timed-out task's agent is still told to stop it. */
  static final Duration TELL_CANCELLED_FOR = Duration.ofHours(1);

  private final Jdbi jdbi;
  private final AgentChannel agents;
  private final Clock clock;

  /** Where the last run stopped reading the queue: (queued_at, id) of its last row. */
  private Timestamp afterQueuedAt;

  private UUID afterId;

  public TaskDispatch(Jdbi jdbi, AgentChannel agents, Clock clock) {
    this.jdbi = jdbi;
    this.agents = agents;
    this.clock = clock;
  }

  private record Queued(
      UUID taskId, Timestamp queuedAt, UUID agentId, String type, String parameters) {}

  /** One run: queued tasks out, then cancellations. */
  public void run() {
    dispatch();
    tellCancelled();
  }

  /**
   * Offers queued tasks of connected agents, oldest first. A quiet queue costs one index probe
   * however many agents are connected; tasks of agents that are offline or on another instance
   * never hold up the ones that can go now: a run reads at most {@link #READ_PER_RUN} of them and
   * the next run carries on after the last one read, wrapping round. Returns how many went out.
   */
  public synchronized int dispatch() {
    int sent = 0;
    int read = 0;
    while (read < READ_PER_RUN) {
      List<Queued> page = page(afterQueuedAt, afterId);
      read += page.size();
      List<Queued> takers = new ArrayList<>();
      Set<UUID> agentsThisPage = new HashSet<>();
      for (Queued queued : page) {
        // one task per agent per run: its stream carries one pending task at a time
        if (!agentsThisPage.contains(queued.agentId()) && agents.canTake(queued.agentId())) {
          takers.add(queued);
          agentsThisPage.add(queued.agentId());
        }
      }
      Set<UUID> claimed = claim(takers.stream().map(Queued::taskId).toList());
      List<UUID> undelivered = new ArrayList<>();
      for (Queued queued : takers) {
        if (!claimed.contains(queued.taskId())) {
          continue;
        }
        AgentTask task =
            AgentTask.newBuilder()
                .setTaskId(queued.taskId().toString())
                .setTaskType(queued.type())
                .setConfigJson(queued.parameters())
                .build();
        if (agents.offer(queued.agentId(), task)) {
          sent++;
        } else {
          undelivered.add(queued.taskId());
        }
      }
      if (!undelivered.isEmpty()) {
        jdbi.useHandle(handle -> requeue(handle, undelivered));
      }
      if (page.size() < PAGE) {
        // the end of the queue: the next run starts from its oldest task again
        afterQueuedAt = null;
        afterId = null;
        break;
      }
      afterQueuedAt = page.getLast().queuedAt();
      afterId = page.getLast().taskId();
    }
    return sent;
  }

  private List<Queued> page(Timestamp queuedAt, UUID id) {
    String after = queuedAt == null ? "" : "AND (t.queued_at, t.id) > (:queuedAt, :id)";
    return jdbi.withHandle(
        handle -> {
          var query =
              handle
                  .createQuery(
                      """
                      SELECT t.id, t.queued_at, h.agent_id, t.type, t.parameters::text
                        FROM tasks t JOIN hosts h ON h.id = t.host_id
                       WHERE t.state = 'queued' AND h.agent_id IS NOT NULL %s
                       ORDER BY t.queued_at, t.id
                       LIMIT :page
                      """
                          .formatted(after))
                  .bind("page", PAGE);
          if (queuedAt != null) {
            query.bind("queuedAt", queuedAt).bind("id", id);
          }
          return query
              .map(
                  (rs, ctx) ->
                      new Queued(
                          rs.getObject(1, UUID.class),
                          rs.getTimestamp(2),
                          rs.getObject(3, UUID.class),
                          rs.getString(4),
                          rs.getString(5)))
              .list();
        });
  }

  /** Marks the tasks dispatched; returns those this run won (another may have cancelled some). */
  private Set<UUID> claim(List<UUID> tasks) {
    if (tasks.isEmpty()) {
      return Set.of();
    }
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "UPDATE tasks SET state = 'dispatched', dispatched_at = :now"
                        + " WHERE id = ANY(:ids) AND state = 'queued' RETURNING id")
                .bind("now", Timestamp.from(clock.instant()))
                .bindArray("ids", UUID.class, tasks)
                .mapTo(UUID.class)
                .set());
  }

  /**
   * Tasks claimed but not delivered (the stream went away before the answer carrying them) go back
   * to the queue for the agent's next stream.
   */
  static void requeue(Handle handle, List<UUID> tasks) {
    handle
        .createUpdate(
            "UPDATE tasks SET state = 'queued', dispatched_at = NULL"
                + " WHERE id = ANY(:ids) AND state = 'dispatched'")
        .bindArray("ids", UUID.class, tasks)
        .execute();
  }

  private record ToCancel(UUID taskId, UUID agentId) {}

  /**
   * Tells connected agents to stop tasks that were cancelled or timed out after they were sent;
   * returns how many were told. Each cancellation is told once, by the instance holding the agent.
   */
  public synchronized int tellCancelled() {
    List<ToCancel> pending =
        jdbi.withHandle(
            handle ->
                handle
                    .createQuery(
                        """
                        SELECT t.id, h.agent_id FROM tasks t JOIN hosts h ON h.id = t.host_id
                         WHERE t.state IN ('cancelled', 'timed_out')
                           AND t.dispatched_at IS NOT NULL AND t.cancel_sent_at IS NULL
                           AND t.finished_at > :since AND h.agent_id IS NOT NULL
                         ORDER BY t.finished_at LIMIT :page
                        """)
                    .bind("since", Timestamp.from(clock.instant().minus(TELL_CANCELLED_FOR)))
                    .bind("page", PAGE)
                    .map(
                        (rs, ctx) ->
                            new ToCancel(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)))
                    .list());
    List<UUID> told = new ArrayList<>();
    for (ToCancel cancel : pending) {
      if (agents.cancel(cancel.agentId(), cancel.taskId().toString())) {
        told.add(cancel.taskId());
      }
    }
    if (!told.isEmpty()) {
      jdbi.useHandle(
          handle ->
              handle
                  .createUpdate("UPDATE tasks SET cancel_sent_at = :now WHERE id = ANY(:ids)")
                  .bind("now", Timestamp.from(clock.instant()))
                  .bindArray("ids", UUID.class, told)
                  .execute());
    }
    return told.size();
  }
}
