package io.ctops.server.inventory;

import static org.assertj.core.api.Assertions.assertThat;

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

/** Dispatch offers only the scans of agents connected here, in one batch update per page. */
@ExtendWith(FreshDatabase.class)
class ScanDispatchTest {
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
              "INSERT INTO software_scans (org_id, host_id, status, queued_at)"
                  + " SELECT h.org_id, h.id, 'queued',"
                  + " CASE WHEN h.hostname = 'h-key-1201' THEN now() ELSE now() - interval '1 hour' END"
                  + " FROM hosts h");
        });
    UUID connected =
        jdbi.withHandle(
            h ->
                h.createQuery("SELECT id FROM agents WHERE public_key = 'key-1201'")
                    .mapTo(UUID.class)
                    .one());
    List<UUID> offered = new ArrayList<>();
    int taken =
        new ScanDispatch(jdbi, Clock.systemUTC())
            .dispatch(
                Set.of(connected)::contains,
                (agent, scan) -> {
                  offered.add(agent);
                  return true;
                });
    assertThat(taken).isEqualTo(1);
    assertThat(offered).containsExactly(connected);
    assertThat(
            Sql.number(jdbi, "SELECT count(*) FROM software_scans WHERE dispatched_at IS NOT NULL"))
        .isEqualTo(1);
    // nothing connected: nothing offered
    assertThat(new ScanDispatch(jdbi, Clock.systemUTC()).dispatch(agent -> false, (a, s) -> true))
        .isZero();
  }

  @Test
  void aLongQueueOfScansForAgentsElsewhereIsReadInTurnsNotOverAndOver() {
    var jdbi = database.jdbi();
    int elsewhere = ScanDispatch.READ_PER_RUN + 2_500;
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
              "INSERT INTO software_scans (org_id, host_id, status, queued_at)"
                  + " SELECT h.org_id, h.id, 'queued', now() - interval '1 hour'"
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
    ScanDispatch dispatch = new ScanDispatch(jdbi, Clock.systemUTC());
    List<UUID> offered = new ArrayList<>();
    assertThat(dispatch.dispatch(Set.of(connected)::contains, (a, s) -> offered.add(a)))
        .as("the first run reads only the oldest part of the queue")
        .isZero();
    assertThat(dispatch.dispatch(Set.of(connected)::contains, (a, s) -> offered.add(a)))
        .as("the next run carries on where it stopped")
        .isEqualTo(1);
    assertThat(offered).containsExactly(connected);
    // back at the start: nothing left to take, nothing offered twice
    assertThat(dispatch.dispatch(Set.of(connected)::contains, (a, s) -> offered.add(a))).isZero();
    assertThat(offered).hasSize(1);
  }
}
