package io.ctops.server.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.RunningAgent;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
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
    // registration queued the first scan; asking again (what Rescan does) finds that one
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

  @Test
  void anAutoApprovedHostsFirstScanIsQueuedAtRegistrationAndRunsOnItsFirstStream() {
    startAgent(ingest.token(true));
    // the sweep of due scans first runs a minute after ingest starts: this scan is not its doing
    await()
        .atMost(Duration.ofSeconds(40))
        .until(
            () ->
                ingest.count(
                        "SELECT count(*) FROM software_scans WHERE status NOT IN"
                            + " ('queued', 'running')")
                    == 1);
    assertThat(ingest.string("SELECT requester_name FROM tasks")).isEqualTo("first software scan");
    assertThat(ingest.count("SELECT count(*) FROM software_scans")).isEqualTo(1);
  }

  @Test
  void anApprovedHostsFirstScanIsQueuedWithTheApprovalAndNotAgainByTheSweep() {
    startAgent(ingest.token(false));
    await().atMost(Duration.ofSeconds(30)).until(() -> "pending".equals(ingest.hostStatus()));
    assertThat(ingest.count("SELECT count(*) FROM software_scans")).isZero();
    try (WebFixture web = WebFixture.on(ingest.database)) {
      WebClient admin = web.signedInAdmin();
      String agentId = ingest.string("SELECT CAST(id AS text) FROM agents");
      assertThat(admin.post("/agents/" + agentId + "/approve", Map.of()).statusCode())
          .isEqualTo(200);
    }
    // queued in the approval's transaction, before the agent has even reconnected
    assertThat(ingest.count("SELECT count(*) FROM software_scans WHERE status = 'queued'"))
        .isEqualTo(1);
    UUID scan = UUID.fromString(ingest.string("SELECT CAST(id AS text) FROM software_scans"));
    assertThat(new DueScans(ingest.jdbi(), Clock.systemUTC()).sweep()).isZero();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                !ingest
                    .string("SELECT status FROM software_scans WHERE id = '" + scan + "'")
                    .matches("queued|running"));
    assertThat(ingest.count("SELECT count(*) FROM software_scans")).isEqualTo(1);
  }

  private void startAgent(String token) {
    agent = RunningAgent.start(ingest, token, dir.resolve("data"));
  }
}
