package io.ctops.server.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.AgentTask;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Dispatch offers only the tasks of agents connected here, claimed in one update per page. */
@ExtendWith(FreshDatabase.class)
class TaskDispatchTest {
  /** The agents connected to this instance, as dispatch sees them; records what it was given. */
  private static final class Connected implements AgentChannel {
    final Set<UUID> agents;
    final List<UUID> offered = new ArrayList<>();
    final List<String> cancelled = new ArrayList<>();

    Connected(Set<UUID> agents) {
      this.agents = agents;
    }

    @Override
    public boolean canTake(UUID agentId) {
      return agents.contains(agentId);
    }

    @Override
    public boolean offer(UUID agentId, AgentTask task) {
      offered.add(agentId);
      return true;
    }

    @Override
    public boolean cancel(UUID agentId, String taskId) {
      cancelled.add(taskId);
      return agents.contains(agentId);
    }
  }

  private Database database;

  @BeforeEach
  void open(Database database) {
    this.database = database;
  }

  @Test
  void scansOfAgentsElsewhereDoNotHoldUpTheOnesThatCanGo() {
    var jdbi = database.jdbi();
    UUID org =
        jdbi.withHandle(h -> h.createQuery("SELECT id FROM organisations").mapTo(UUID.class).one());
    // 1,200 hosts whose agents are not connected here, with the oldest queued scans
    jdbi.useHandle(
        h -> {
          h.execute(
              "INSERT INTO agents (org_id, public_key, status) SELECT ?, 'key-' || n, 'active'"
                  + " FROM generate_series(1, 1201) AS n",
              org);
          h.execute(
              "INSERT INTO hosts (org_id, agent_id, hostname, status)"
                  + " SELECT a.org_id, a.id, 'h-' || a.public_key, 'online' FROM agents a");
          h.execute(
              "INSERT INTO tasks (org_id, host_id, type, requested_by, timeout_seconds, queued_at)"
                  + " SELECT h.org_id, h.id, 'test', 'system', 60,"
                  + " CASE WHEN h.hostname = 'h-key-1201' THEN now() ELSE now() - interval '1 hour' END"
                  + " FROM hosts h");
        });
    UUID connected =
        jdbi.withHandle(
            h ->
                h.createQuery("SELECT id FROM agents WHERE public_key = 'key-1201'")
                    .mapTo(UUID.class)
                    .one());
    Connected here = new Connected(Set.of(connected));
    assertThat(new TaskDispatch(jdbi, here, Clock.systemUTC()).dispatch()).isEqualTo(1);
    assertThat(here.offered).containsExactly(connected);
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM tasks WHERE state = 'dispatched'"))
        .isEqualTo(1);
    // nothing connected: nothing offered
    assertThat(new TaskDispatch(jdbi, new Connected(Set.of()), Clock.systemUTC()).dispatch())
        .isZero();
  }

  @Test
  void aLongQueueOfScansForAgentsElsewhereIsReadInTurnsNotOverAndOver() {
    var jdbi = database.jdbi();
    int elsewhere = TaskDispatch.READ_PER_RUN + 2_500;
    jdbi.useHandle(
        h -> {
          h.execute(
              "INSERT INTO agents (org_id, public_key, status)"
                  + " SELECT id, 'key-' || n, 'active' FROM organisations,"
                  + " generate_series(1, ?) AS n",
              elsewhere + 1);
          h.execute(
              "INSERT INTO hosts (org_id, agent_id, hostname, status)"
                  + " SELECT a.org_id, a.id, 'h-' || a.public_key, 'online' FROM agents a");
          // the connected agent's scan is the newest, behind all the others
          h.execute(
              "INSERT INTO tasks (org_id, host_id, type, requested_by, timeout_seconds, queued_at)"
                  + " SELECT h.org_id, h.id, 'test', 'system', 60, now() - interval '1 hour'"
                  + " + CASE WHEN h.hostname = 'h-key-"
                  + (elsewhere + 1)
                  + "'"
                  + " THEN interval '30 minutes' ELSE make_interval(secs => random()) END"
                  + " FROM hosts h");
        });
    UUID connected =
        jdbi.withHandle(
            h ->
                h.createQuery("SELECT agent_id FROM hosts WHERE hostname = ?")
                    .bind(0, "h-key-" + (elsewhere + 1))
                    .mapTo(UUID.class)
                    .one());
    Connected here = new Connected(Set.of(connected));
    TaskDispatch dispatch = new TaskDispatch(jdbi, here, Clock.systemUTC());
    assertThat(dispatch.dispatch())
        .as("the first run reads only the oldest part of the queue")
        .isZero();
    assertThat(dispatch.dispatch()).as("the next run carries on where it stopped").isEqualTo(1);
    assertThat(here.offered).containsExactly(connected);
    // back at the start: nothing left to take, nothing offered twice
    assertThat(dispatch.dispatch()).isZero();
    assertThat(here.offered).hasSize(1);
  }

  @Test
  void aCancelledTaskIsToldOnceToTheInstanceHoldingItsAgent() {
    var jdbi = database.jdbi();
    UUID org =
        jdbi.withHandle(h -> h.createQuery("SELECT id FROM organisations").mapTo(UUID.class).one());
    UUID agent =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "INSERT INTO agents (org_id, public_key, status)"
                            + " VALUES (:org, 'key', 'active') RETURNING id")
                    .bind("org", org)
                    .mapTo(UUID.class)
                    .one());
    UUID task =
        jdbi.withHandle(
            h -> {
              h.execute(
                  "INSERT INTO hosts (org_id, agent_id, hostname, status)"
                      + " VALUES (?, ?, 'h', 'online')",
                  org,
                  agent);
              return h.createQuery(
                      "INSERT INTO tasks (org_id, host_id, type, requested_by, timeout_seconds,"
                          + " state, dispatched_at, finished_at)"
                          + " SELECT org_id, id, 'test', 'system', 60, 'cancelled', now(), now()"
                          + " FROM hosts RETURNING id")
                  .mapTo(UUID.class)
                  .one();
            });
    Connected elsewhere = new Connected(Set.of());
    assertThat(new TaskDispatch(jdbi, elsewhere, Clock.systemUTC()).tellCancelled()).isZero();
    Connected here = new Connected(Set.of(agent));
    TaskDispatch dispatch = new TaskDispatch(jdbi, here, Clock.systemUTC());
    assertThat(dispatch.tellCancelled()).isEqualTo(1);
    assertThat(here.cancelled).containsExactly(task.toString());
    assertThat(dispatch.tellCancelled()).as("told once").isZero();
  }
}
