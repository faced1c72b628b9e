package io.ctops.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ctops.agent.Agent;
import io.ctops.server.enrolment.AgentApprovals;
import io.ctops.server.inventory.DueScans;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real agent against the real ingest (TLS, embedded PostgreSQL), 1 s interval. */
class AgentEndToEndTest {
  @TempDir Path dir;
  private IngestFixture ingest;
  private RunningAgent agent;
  private CompletableFuture<Agent.Exit> exit;

  @BeforeEach
  void start() {
    ingest = IngestFixture.start();
  }

  @AfterEach
  void stop() {
    stopAgent();
    ingest.close();
  }

  @Test
  void withAnAutoApproveTokenTheAgentGoesActiveAndItsHostShowsVitals() {
    startAgent(ingest.token(true));

    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(hostStatus()));
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
  void withAManualTokenItWaitsAndAnApprovalActivatesItWithinAPoll() {
    startAgent(ingest.token(false));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> ingest.count("SELECT count(*) FROM agents WHERE status = 'pending'") == 1);
    assertThat(hostStatus()).isEqualTo("pending");

    new AgentApprovals(ingest.jdbi(), Clock.systemUTC())
        .approve(UUID.fromString(ingest.string("SELECT id::text FROM agents")), "test");

    await().atMost(Duration.ofSeconds(10)).until(() -> "online".equals(hostStatus()));
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

  @Test
  void aWipedDataDirIsANewIdentityThatTheServerAdoptsOntoTheSameHost() {
    String token = ingest.token(true);
    startAgent(token);
    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(hostStatus()));
    String hostId = ingest.string("SELECT id::text FROM hosts");
    String firstKey = ingest.string("SELECT public_key FROM agents");
    stopAgent();
    await().atMost(Duration.ofSeconds(10)).until(() -> "offline".equals(hostStatus()));

    deleteTree(dir.resolve("data"));
    startAgent(token);

    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(hostStatus()));
    assertThat(ingest.string("SELECT id::text FROM hosts")).isEqualTo(hostId);
    assertThat(ingest.count("SELECT count(*) FROM hosts")).isEqualTo(1);
    assertThat(ingest.string("SELECT public_key FROM agents")).isNotEqualTo(firstKey);
  }

  @Test
  void aCorruptStateFileIsReportedAndTheAgentRegistersAgainWithTheSameIdentity() throws Exception {
    String token = ingest.token(true);
    startAgent(token);
    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(hostStatus()));
    String agentId = ingest.string("SELECT id::text FROM agents");
    stopAgent();

    Files.writeString(dir.resolve("data/agent_state.json"), "{not json");
    startAgent(token);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Files.readString(dir.resolve("data/agent_state.json")).contains(agentId));
    await().atMost(Duration.ofSeconds(10)).until(() -> "online".equals(hostStatus()));
    assertThat(ingest.count("SELECT count(*) FROM agents")).isEqualTo(1);
  }

  @Test
  void aRevokedAgentExitsWithItsOwnCode() {
    startAgent(ingest.token(true));
    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(hostStatus()));

    new AgentApprovals(ingest.jdbi(), Clock.systemUTC())
        .revoke(UUID.fromString(ingest.string("SELECT id::text FROM agents")), "test");

    assertThat(exit.orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join())
        .isEqualTo(Agent.Exit.REVOKED);
  }

  @Test
  void aRestartWithAValidJwtSkipsRegistration() {
    startAgent(ingest.token(true));
    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(hostStatus()));
    stopAgent();
    // Without its token the agent could not register again: only the saved JWT gets it back in.
    ingest.jdbi().useHandle(h -> h.execute("DELETE FROM enrolment_tokens"));
    await().atMost(Duration.ofSeconds(10)).until(() -> "offline".equals(hostStatus()));

    startAgent("ctops_deleted-token");

    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(hostStatus()));
    assertThat(exit).isNotDone();
  }

  @Test
  void anExpiredJwtMakesItRegisterAgainWithTheSameKeyAndId() throws Exception {
    String token = ingest.token(true);
    startAgent(token);
    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(hostStatus()));
    String agentId = ingest.string("SELECT id::text FROM agents");
    stopAgent();
    var yesterday =
        io.ctops.server.platform.jwt.AgentTokens.loadOrCreate(
            "TEST",
            ingest.dir.resolve("jwt_key.pem"),
            Clock.fixed(
                java.time.Instant.now().minus(Duration.ofHours(25)), java.time.ZoneOffset.UTC));
    String expired = yesterday.issue(UUID.fromString(agentId));
    Path state = dir.resolve("data/agent_state.json");
    Files.writeString(
        state,
        Files.readString(state).replaceAll("\"jwt\":\"[^\"]+\"", "\"jwt\":\"" + expired + "\""));
    await().atMost(Duration.ofSeconds(10)).until(() -> "offline".equals(hostStatus()));

    startAgent(token);

    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(hostStatus()));
    assertThat(Files.readString(state)).contains(agentId).doesNotContain(expired);
    assertThat(ingest.count("SELECT count(*) FROM agents")).isEqualTo(1);
  }

  @Test
  void aDuplicateHostIsRetriedSlowlyUntilAnOperatorDeletesTheOldOne() {
    String hostname = new io.ctops.agent.collect.VitalsCollector().hostname();
    ingest
        .jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        "INSERT INTO hosts (org_id, hostname, status) SELECT id, :name, 'online' FROM organisations")
                    .bind("name", hostname)
                    .execute());
    startAgent(ingest.token(true));

    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> ingest.count("SELECT count(*) FROM agents") == 0);
    assertThat(exit).isNotDone();
    ingest.jdbi().useHandle(h -> h.execute("UPDATE hosts SET deleted_at = now()"));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                ingest.count(
                        "SELECT count(*) FROM hosts WHERE status = 'online' AND deleted_at IS NULL")
                    == 1);
  }

  @Test
  void aQueuedScanReachesTheAgentWhichSendsThisHostsPackages() {
    startAgent(ingest.token(true));
    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(hostStatus()));
    java.util.UUID host =
        java.util.UUID.fromString(ingest.string("SELECT CAST(id AS text) FROM hosts"));
    java.util.UUID org =
        java.util.UUID.fromString(ingest.string("SELECT CAST(org_id AS text) FROM hosts"));
    // the minute sweep would queue it too; asking directly is what Rescan does
    java.util.UUID scan =
        new io.ctops.server.inventory.SoftwareScans(ingest.jdbi(), Clock.systemUTC())
            .queue(org, host);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                !ingest
                    .string("SELECT status FROM software_scans WHERE id = '" + scan + "'")
                    .matches("queued|running"));
    boolean hasPackageManager =
        java.nio.file.Files.exists(java.nio.file.Path.of("/var/lib/dpkg/status"))
            || java.nio.file.Files.isDirectory(java.nio.file.Path.of("/var/lib/pacman/local"))
            || java.nio.file.Files.exists(java.nio.file.Path.of("/lib/apk/db/installed"))
            || java.nio.file.Files.isDirectory(java.nio.file.Path.of("/var/lib/rpm"));
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
    // the sweep queues nothing for a host scanned within its organisation's interval
    assertThat(new DueScans(ingest.jdbi(), Clock.systemUTC()).sweep())
        .isEqualTo(hasPackageManager ? 0 : 1);
  }

  private void startAgent(String token) {
    agent = RunningAgent.start(ingest, token, dir.resolve("data"));
    exit = agent.exit();
  }

  private void stopAgent() {
    if (agent != null) {
      agent.close();
      agent = null;
    }
  }

  private String hostStatus() {
    return ingest.count("SELECT count(*) FROM hosts") == 0
        ? null
        : ingest.string("SELECT status FROM hosts");
  }

  private static void deleteTree(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
