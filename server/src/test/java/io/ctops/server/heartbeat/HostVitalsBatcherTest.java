package io.ctops.server.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FreshDatabase.class)
class HostVitalsBatcherTest {
  private Database database;
  private HostVitalsBatcher batcher;

  @BeforeEach
  void open(Database database) {
    this.database = database;
    batcher =
        new HostVitalsBatcher(
            database.jdbi(), Clock.systemUTC(), Duration.ofHours(1), new SimpleMeterRegistry());
  }

  @AfterEach
  void close() {
    batcher.close();
  }

  @Test
  void writesTheLatestVitalsAndRevivesOnlyHostsWhoseStreamIsStillOpen() {
    UUID swept = host(database, "swept", true);
    UUID closed = host(database, "closed", false);

    batcher.offer(vitals(swept, 10));
    batcher.offer(vitals(swept, 20));
    batcher.offer(vitals(closed, 30));
    batcher.flush();

    assertThat(
            Sql.string(
                database.jdbi(),
                "SELECT status || ' ' || cpu_percent FROM hosts JOIN host_vitals ON host_id = id WHERE hostname = 'swept'"))
        .as("the sweeper marked it offline but its stream is open: back online, newest vitals")
        .isEqualTo("online 20");
    assertThat(
            Sql.string(
                database.jdbi(),
                "SELECT net_rx_bytes_per_sec || ' ' || net_tx_bytes_per_sec FROM host_vitals"
                    + " WHERE host_id = '"
                    + swept
                    + "'"))
        .as("the network rates, for network threshold rules")
        .isEqualTo("1000 2000");
    assertThat(
            Sql.string(
                database.jdbi(),
                "SELECT status || ' ' || cpu_percent FROM hosts JOIN host_vitals ON host_id = id WHERE hostname = 'closed'"))
        .as("its stream closed before the flush: vitals written, still offline")
        .isEqualTo("offline 30");
    assertThat(
            Sql.number(
                database.jdbi(),
                "SELECT count(*) FROM agent_status_history WHERE reason = 'heartbeat received'"))
        .isEqualTo(1);
  }

  @Test
  void aLargeFlushIsWrittenInChunksAndLeavesTheHostRowsAlone() {
    int hosts = HostVitalsBatcher.CHUNK * 2 + 17;
    List<UUID> ids =
        database
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO hosts (org_id, hostname, os_version, status)"
                                + " SELECT o.id, 'bulk-' || n, 'Debian 12', 'online'"
                                + " FROM organisations o, generate_series(1, :n) AS n"
                                + " RETURNING id")
                        .bind("n", hosts)
                        .mapTo(UUID.class)
                        .list());
    String rowVersions = "SELECT string_agg(xmin::text, ',' ORDER BY id) FROM hosts";
    String before = Sql.string(database.jdbi(), rowVersions);

    ids.forEach(id -> batcher.offer(vitals(id, 42)));
    Instant beforeFlush = Instant.now();
    batcher.flush();
    assertThat(batcher.writtenThrough())
        .as("everything received before the flush began is written")
        .isAfterOrEqualTo(beforeFlush);

    assertThat(
            Sql.number(
                database.jdbi(),
                "SELECT count(*) FROM host_vitals WHERE cpu_percent = 42 AND last_seen IS NOT NULL"))
        .isEqualTo(hosts);
    assertThat(Sql.string(database.jdbi(), rowVersions))
        .as("same OS version: no host row was rewritten")
        .isEqualTo(before);

    batcher.offer(
        new HostVitals(ids.get(0), 1, 2, 3, 4, 0, 0, "Debian 13", 30, Instant.now(), newStream()));
    batcher.flush();
    assertThat(
            Sql.string(
                database.jdbi(), "SELECT os_version FROM hosts WHERE id = '" + ids.get(0) + "'"))
        .isEqualTo("Debian 13");
  }

  @Test
  void anOsVersionKnownToBeStoredIsNotComparedAgainOnTheSameStream() {
    UUID host = host(database, "steady", true);
    String osVersion = "SELECT os_version FROM hosts WHERE id = '" + host + "'";
    HostVitals.StoredOsVersion stream = newStream();
    Instant now = Instant.now();
    batcher.offer(new HostVitals(host, 1, 2, 3, 4, 0, 0, "Debian 12", 30, now, stream));
    batcher.flush();
    assertThat(Sql.string(database.jdbi(), osVersion)).isEqualTo("Debian 12");

    // changed behind the batcher's back: the same report on the same stream is not compared ...
    database.jdbi().useHandle(h -> h.execute("UPDATE hosts SET os_version = 'elsewhere'"));
    batcher.offer(new HostVitals(host, 5, 6, 7, 8, 0, 0, "Debian 12", 30, now, stream));
    batcher.flush();
    assertThat(Sql.string(database.jdbi(), osVersion)).isEqualTo("elsewhere");
    assertThat(
            Sql.number(database.jdbi(), "SELECT count(*) FROM host_vitals WHERE cpu_percent = 5"))
        .as("the vitals themselves are written")
        .isEqualTo(1);

    // ... a new version is, and a new stream compares the same one again
    batcher.offer(new HostVitals(host, 5, 6, 7, 8, 0, 0, "Debian 13", 30, now, stream));
    batcher.flush();
    assertThat(Sql.string(database.jdbi(), osVersion)).isEqualTo("Debian 13");
    database.jdbi().useHandle(h -> h.execute("UPDATE hosts SET os_version = 'elsewhere'"));
    batcher.offer(new HostVitals(host, 5, 6, 7, 8, 0, 0, "Debian 13", 30, now, newStream()));
    batcher.flush();
    assertThat(Sql.string(database.jdbi(), osVersion)).isEqualTo("Debian 13");
  }

  @Test
  void anOsVersionNotWrittenBecauseTheHostRowWasBusyIsWrittenWithTheNextHeartbeat()
      throws Exception {
    UUID host = host(database, "busy-os", true);
    String osVersion = "SELECT os_version FROM hosts WHERE id = '" + host + "'";
    HostVitals.StoredOsVersion stream = newStream();
    database
        .jdbi()
        .useTransaction(
            statusWriter -> {
              statusWriter.execute("SELECT 1 FROM hosts FOR NO KEY UPDATE");
              batcher.offer(
                  new HostVitals(host, 1, 2, 3, 4, 0, 0, "Debian 14", 30, Instant.now(), stream));
              CompletableFuture.runAsync(batcher::flush).get(10, TimeUnit.SECONDS);
            });
    assertThat(Sql.string(database.jdbi(), osVersion)).isNotEqualTo("Debian 14");
    batcher.offer(new HostVitals(host, 1, 2, 3, 4, 0, 0, "Debian 14", 30, Instant.now(), stream));
    batcher.flush();
    assertThat(Sql.string(database.jdbi(), osVersion)).isEqualTo("Debian 14");
  }

  @Test
  void aFlushDoesNotWaitForAHostRowThatAStatusChangeHolds() throws Exception {
    UUID busy = host(database, "busy", true);
    String state =
        "SELECT status || ' ' || cpu_percent FROM hosts JOIN host_vitals ON host_id = id";
    database
        .jdbi()
        .useTransaction(
            statusWriter -> {
              // a stream's transition holding the host's row until it commits
              statusWriter.execute("SELECT 1 FROM hosts FOR NO KEY UPDATE");
              batcher.offer(vitals(busy, 10));
              // another thread, so another connection (Jdbi reuses this thread's handle)
              CompletableFuture.runAsync(batcher::flush).get(10, TimeUnit.SECONDS);
              assertThat(Sql.string(database.jdbi(), state))
                  .as("vitals written without waiting; the status change is left to its owner")
                  .isEqualTo("offline 10");
            });
    batcher.offer(vitals(busy, 11));
    batcher.flush();
    assertThat(Sql.string(database.jdbi(), state)).isEqualTo("online 11");
  }

  @Test
  void aFlushDoesNotWaitForAVitalsRowThatAStatusChangeHolds() throws Exception {
    UUID busy = host(database, "busy", true);
    UUID free = host(database, "free", true);
    String cpu = "SELECT coalesce(cpu_percent::text, 'none') FROM host_vitals WHERE host_id = '%s'";
    database
        .jdbi()
        .useTransaction(
            statusWriter -> {
              // a stream opening: its trigger copies the status into the vitals row and holds it
              statusWriter.execute("UPDATE hosts SET status = 'online' WHERE id = ?", busy);
              batcher.offer(vitals(busy, 10));
              batcher.offer(vitals(free, 20));
              CompletableFuture.runAsync(batcher::flush).get(10, TimeUnit.SECONDS);
              assertThat(Sql.string(database.jdbi(), cpu.formatted(free))).isEqualTo("20");
              assertThat(Sql.string(database.jdbi(), cpu.formatted(busy)))
                  .as("skipped, not waited for")
                  .isEqualTo("none");
            });
    batcher.offer(vitals(busy, 11));
    batcher.flush();
    assertThat(Sql.string(database.jdbi(), cpu.formatted(busy))).isEqualTo("11");
  }

  private static UUID host(Database database, String hostname, boolean streamOpen) {
    return database
        .jdbi()
        .withHandle(
            h -> {
              UUID agent =
                  h.createQuery(
                          "INSERT INTO agents (org_id, public_key, status) SELECT id, :key, 'offline' FROM organisations RETURNING id")
                      .bind("key", "key-" + hostname)
                      .mapTo(UUID.class)
                      .one();
              return h.createQuery(
                      "INSERT INTO hosts (org_id, agent_id, hostname, status, stream_id)"
                          + " SELECT org_id, id, :hostname, 'offline', :stream FROM agents WHERE id = :agent RETURNING id")
                  .bind("hostname", hostname)
                  .bind("stream", streamOpen ? UUID.randomUUID() : null)
                  .bind("agent", agent)
                  .mapTo(UUID.class)
                  .one();
            });
  }

  private static HostVitals vitals(UUID host, float cpu) {
    return new HostVitals(
        host, cpu, 50, 60, 100, 1_000, 2_000, "Debian 12", 30, Instant.now(), newStream());
  }

  /** What a newly opened stream knows of its host's OS version: nothing. */
  private static HostVitals.StoredOsVersion newStream() {
    return new HostVitals.StoredOsVersion();
  }
}
