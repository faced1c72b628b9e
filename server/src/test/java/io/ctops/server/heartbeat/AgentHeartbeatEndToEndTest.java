package io.ctops.server.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.RunningAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The real agent heartbeating to the real ingest (TLS, embedded PostgreSQL), 1 s interval. */
@ExtendWith(FreshDatabase.class)
class AgentHeartbeatEndToEndTest {
  @TempDir Path dir;
  private IngestFixture ingest;
  private RunningAgent agent;

  @BeforeEach
  void start(DatabaseUrl database) {
    ingest = IngestFixture.start(database);
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
    ingest.close();
  }

  @Test
  void withAnAutoApproveTokenTheAgentGoesActiveAndItsHostShowsVitals() {
    startAgent(ingest.token(true));

    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(ingest.hostStatus()));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ingest.count("SELECT count(*) FROM host_metrics") >= 2);
    assertThat(
            ingest.string(
                "SELECT (cpu_percent IS NOT NULL AND memory_percent > 0 AND disk_percent > 0 AND uptime_seconds > 0)::text FROM host_vitals"))
        .isEqualTo("true");
    assertThat(ingest.string("SELECT os FROM hosts")).isEqualTo("linux");
    assertThat(Files.exists(dir.resolve("data/agent_key.pem"))).isTrue();
    assertThat(Files.exists(dir.resolve("data/agent_state.json"))).isTrue();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                ingest.count("SELECT count(*) FROM agents WHERE client_cert_serial IS NOT NULL")
                    == 1);
  }

  @Test
  void afterAnIngestOutageItBackfillsSoTheSeriesHasNoGap() throws Exception {
    startAgent(ingest.token(true));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> ingest.count("SELECT count(*) FROM host_metrics") >= 3);

    ingest.restartAfter(Duration.ofSeconds(6));
    await()
        .atMost(Duration.ofSeconds(40))
        .until(
            () ->
                ingest.count(
                        "SELECT count(*) FROM host_metrics WHERE ts > now() - interval '2 seconds'")
                    >= 1);

    List<Long> stored =
        ingest
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "SELECT extract(epoch FROM ts)::bigint FROM host_metrics ORDER BY ts")
                        .mapTo(Long.class)
                        .list());
    assertThat(stored).hasSizeGreaterThan(8);
    for (int i = 1; i < stored.size(); i++) {
      assertThat(stored.get(i) - stored.get(i - 1))
          .as("gap before sample %d of %s", i, stored)
          .isLessThanOrEqualTo(2);
    }
  }

  private void startAgent(String token) {
    agent = RunningAgent.start(ingest, token, dir.resolve("data"));
  }
}
