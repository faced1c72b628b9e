package io.ctops.server.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.Sql;
import io.ctops.server.testing.TestPostgres;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Dispatch looks only at the scans of agents connected here, in one batch update. */
class ScanDispatchTest {
  private Database database;

  @BeforeEach
  void open() {
    database = Database.connect(TestPostgres.migratedDatabase(), "test", List.of());
  }

  @AfterEach
  void close() {
    database.close();
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
                List.of(connected),
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
    assertThat(new ScanDispatch(jdbi, Clock.systemUTC()).dispatch(List.of(), (a, s) -> true))
        .isZero();
  }
}
