package io.ctops.server.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.RunningAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A software scan queued on the server goes through the task channel to the real agent, which sends
 * its packages and then the task's result.
 */
@ExtendWith(FreshDatabase.class)
class AgentScanEndToEndTest {
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
  void aQueuedScanReachesTheAgentWhichSendsThisHostsPackages() {
    startAgent(ingest.token(true));
    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(ingest.hostStatus()));
    UUID host = UUID.fromString(ingest.string("SELECT CAST(id AS text) FROM hosts"));
    UUID org = UUID.fromString(ingest.string("SELECT CAST(org_id AS text) FROM hosts"));
    // the minute sweep would queue it too; asking directly is what Rescan does
    UUID scan = new SoftwareScans(ingest.jdbi(), Clock.systemUTC()).queue(org, host);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                !ingest
                    .string("SELECT status FROM software_scans WHERE id = '" + scan + "'")
                    .matches("queued|running"));
    boolean hasPackageManager =
        Files.exists(Path.of("/var/lib/dpkg/status"))
            || Files.isDirectory(Path.of("/var/lib/pacman/local"))
            || Files.exists(Path.of("/lib/apk/db/installed"))
            || Files.isDirectory(Path.of("/var/lib/rpm"));
    if (hasPackageManager) {
      assertThat(ingest.string("SELECT status FROM software_scans WHERE id = '" + scan + "'"))
          .isEqualTo("completed");
      assertThat(ingest.count("SELECT count(*) FROM software_packages WHERE removed_at IS NULL"))
          .isPositive()
          .isEqualTo(
              ingest.count("SELECT package_count FROM software_scans WHERE id = '" + scan + "'"));
    } else {
      assertThat(ingest.string("SELECT error FROM software_scans WHERE id = '" + scan + "'"))
          .contains("no supported package manager");
    }
    // the scan ran as a task: the agent's result ends the task too
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                ingest
                    .string("SELECT state FROM tasks WHERE id = '" + scan + "'")
                    .matches("succeeded|failed"));
    assertThat(ingest.string("SELECT state FROM tasks WHERE id = '" + scan + "'"))
        .isEqualTo(hasPackageManager ? "succeeded" : "failed");
    // the sweep queues nothing for a host scanned within its organisation's interval
    assertThat(new DueScans(ingest.jdbi(), Clock.systemUTC()).sweep())
        .isEqualTo(hasPackageManager ? 0 : 1);
  }

  private void startAgent(String token) {
    agent = RunningAgent.start(ingest, token, dir.resolve("data"));
  }
}
