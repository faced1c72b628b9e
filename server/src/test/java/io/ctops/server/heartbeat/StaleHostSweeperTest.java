package io.ctops.server.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Quiet hosts go offline in bounded batches; fresh, locked and already-offline ones do not. */
@ExtendWith(FreshDatabase.class)
class StaleHostSweeperTest {
  private Jdbi jdbi;

  @BeforeEach
  void open(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  @Test
  void marksEveryStaleHostOfflineInBatchesAndLeavesTheOthers() {
    int stale = StaleHostSweeper.BATCH * 2 + 5;
    jdbi.useHandle(
        h -> {
          h.execute(
              "INSERT INTO agents (org_id, public_key, status)"
                  + " SELECT o.id, 'key-' || n, 'active'"
                  + " FROM organisations o, generate_series(1, ?) AS n",
              stale + 4);
          h.execute(
              "INSERT INTO hosts (org_id, agent_id, hostname, status)"
                  + " SELECT a.org_id, a.id, 'h-' || a.public_key, 'online' FROM agents a");
          // quiet for over twice their 30 s interval
          h.execute(
              "UPDATE host_vitals SET last_seen = now() - interval '61 seconds',"
                  + " heartbeat_interval_seconds = 30");
          // seen just now, and quiet but with a 60 s interval: not stale
          h.execute(
              "UPDATE host_vitals SET last_seen = now() WHERE host_id IN (SELECT id FROM hosts"
                  + " WHERE hostname = 'h-key-1')");
          h.execute(
              "UPDATE host_vitals SET heartbeat_interval_seconds = 60 WHERE host_id IN"
                  + " (SELECT id FROM hosts WHERE hostname = 'h-key-2')");
          // quiet, but its stream opened just now: its first vitals are on their way
          h.execute("UPDATE hosts SET stream_opened_at = now() WHERE hostname = 'h-key-4'");
          // already offline
          h.execute("UPDATE hosts SET status = 'offline' WHERE hostname = 'h-key-3'");
        });

    int marked = new StaleHostSweeper(jdbi, Clock.systemUTC(), Instant::now).sweep();

    assertThat(marked).isEqualTo(stale);
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM hosts WHERE status = 'offline'"))
        .isEqualTo(stale + 1);
    assertThat(
            Sql.string(
                jdbi,
                "SELECT string_agg(hostname, ',' ORDER BY hostname) FROM hosts"
                    + " WHERE status = 'online'"))
        .isEqualTo("h-key-1,h-key-2,h-key-4");
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM agents WHERE status = 'offline'"))
        .isEqualTo(stale);
    assertThat(
            Sql.number(
                jdbi,
                "SELECT count(*) FROM agent_status_history WHERE status = 'offline'"
                    + " AND reason = 'no heartbeat within 2x the interval (60 s)'"))
        .isEqualTo(stale);
    assertThat(new StaleHostSweeper(jdbi, Clock.systemUTC(), Instant::now).sweep())
        .as("each host flips once")
        .isZero();
  }

  @Test
  void whileTheVitalsFlushLagsHostsAreJudgedFromWhatItHasWritten() {
    jdbi.useHandle(
        h -> {
          h.execute(
              "INSERT INTO hosts (org_id, hostname, status)"
                  + " SELECT id, 'live', 'online' FROM organisations");
          // its heartbeats of the last 61 s are still waiting to be written
          h.execute("UPDATE host_vitals SET last_seen = now() - interval '61 seconds'");
        });
    Instant lagging = Instant.now().minus(Duration.ofSeconds(45));

    assertThat(new StaleHostSweeper(jdbi, Clock.systemUTC(), () -> lagging).sweep()).isZero();
    assertThat(Sql.string(jdbi, "SELECT status FROM hosts")).isEqualTo("online");
    assertThat(new StaleHostSweeper(jdbi, Clock.systemUTC(), Instant::now).sweep())
        .as("the same host once everything received is written")
        .isEqualTo(1);
  }

  @Test
  void aHostWhoseRowIsLockedIsNotWaitedForAndIsSweptLater() throws Exception {
    jdbi.useHandle(
        h -> {
          h.execute(
              "INSERT INTO hosts (org_id, hostname, status)"
                  + " SELECT id, 'busy', 'online' FROM organisations");
          h.execute("UPDATE host_vitals SET last_seen = now() - interval '1 hour'");
        });
    StaleHostSweeper sweeper = new StaleHostSweeper(jdbi, Clock.systemUTC(), Instant::now);
    jdbi.useTransaction(
        writer -> {
          // a vitals flush holding the row
          writer.execute("SELECT 1 FROM host_vitals FOR NO KEY UPDATE");
          // another thread, so another connection (Jdbi reuses this thread's handle)
          assertThat(CompletableFuture.supplyAsync(sweeper::sweep).get(10, TimeUnit.SECONDS))
              .isZero();
        });
    assertThat(sweeper.sweep()).isEqualTo(1);
  }
}
