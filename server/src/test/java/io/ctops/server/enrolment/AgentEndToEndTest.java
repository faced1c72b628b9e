package io.ctops.server.enrolment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ctops.agent.Agent;
import io.ctops.agent.collect.VitalsCollector;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.platform.jwt.AgentTokens;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.RunningAgent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real agent's enrolment against the real ingest (TLS, embedded PostgreSQL), 1 s interval:
 * approval, new and lost identities, revocation, saved and expired JWTs, duplicate hosts.
 */
@ExtendWith(FreshDatabase.class)
class AgentEndToEndTest {
  @TempDir Path dir;
  private IngestFixture ingest;
  private RunningAgent agent;
  private CompletableFuture<Agent.Exit> exit;

  @BeforeEach
  void start(DatabaseUrl database) {
    ingest = IngestFixture.start(database);
  }

  @AfterEach
  void stop() {
    stopAgent();
    ingest.close();
  }

  @Test
  void withAManualTokenItWaitsAndAnApprovalActivatesItWithinAPoll() {
    startAgent(ingest.token(false));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> ingest.count("SELECT count(*) FROM agents WHERE status = 'pending'") == 1);
    assertThat(ingest.hostStatus()).isEqualTo("pending");

    new AgentApprovals(ingest.jdbi(), Clock.systemUTC())
        .approve(UUID.fromString(ingest.string("SELECT id::text FROM agents")), "test");

    await().atMost(Duration.ofSeconds(10)).until(() -> "online".equals(ingest.hostStatus()));
  }

  @Test
  void aWipedDataDirIsANewIdentityThatTheServerAdoptsOntoTheSameHost() {
    String token = ingest.token(true);
    startAgent(token);
    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(ingest.hostStatus()));
    String hostId = ingest.string("SELECT id::text FROM hosts");
    String firstKey = ingest.string("SELECT public_key FROM agents");
    stopAgent();
    await().atMost(Duration.ofSeconds(10)).until(() -> "offline".equals(ingest.hostStatus()));

    deleteTree(dir.resolve("data"));
    startAgent(token);

    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(ingest.hostStatus()));
    assertThat(ingest.string("SELECT id::text FROM hosts")).isEqualTo(hostId);
    assertThat(ingest.count("SELECT count(*) FROM hosts")).isEqualTo(1);
    assertThat(ingest.string("SELECT public_key FROM agents")).isNotEqualTo(firstKey);
  }

  @Test
  void aCorruptStateFileIsReportedAndTheAgentRegistersAgainWithTheSameIdentity() throws Exception {
    String token = ingest.token(true);
    startAgent(token);
    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(ingest.hostStatus()));
    String agentId = ingest.string("SELECT id::text FROM agents");
    stopAgent();

    Files.writeString(dir.resolve("data/agent_state.json"), "{not json");
    startAgent(token);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Files.readString(dir.resolve("data/agent_state.json")).contains(agentId));
    await().atMost(Duration.ofSeconds(10)).until(() -> "online".equals(ingest.hostStatus()));
    assertThat(ingest.count("SELECT count(*) FROM agents")).isEqualTo(1);
  }

  @Test
  void aRevokedAgentExitsWithItsOwnCode() {
    startAgent(ingest.token(true));
    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(ingest.hostStatus()));

    new AgentApprovals(ingest.jdbi(), Clock.systemUTC())
        .revoke(UUID.fromString(ingest.string("SELECT id::text FROM agents")), "test");

    assertThat(exit.orTimeout(30, TimeUnit.SECONDS).join()).isEqualTo(Agent.Exit.REVOKED);
  }

  @Test
  void aRestartWithAValidJwtSkipsRegistration() {
    startAgent(ingest.token(true));
    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(ingest.hostStatus()));
    stopAgent();
    // Without its token the agent could not register again: only the saved JWT gets it back in.
    ingest.jdbi().useHandle(h -> h.execute("DELETE FROM enrolment_tokens"));
    await().atMost(Duration.ofSeconds(10)).until(() -> "offline".equals(ingest.hostStatus()));

    startAgent("ctops_deleted-token");

    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(ingest.hostStatus()));
    assertThat(exit).isNotDone();
  }

  @Test
  void anExpiredJwtMakesItRegisterAgainWithTheSameKeyAndId() throws Exception {
    String token = ingest.token(true);
    startAgent(token);
    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(ingest.hostStatus()));
    String agentId = ingest.string("SELECT id::text FROM agents");
    stopAgent();
    var yesterday =
        AgentTokens.loadOrCreate(
            "TEST",
            ingest.dir.resolve("jwt_key.pem"),
            Clock.fixed(Instant.now().minus(Duration.ofHours(25)), ZoneOffset.UTC));
    String expired = yesterday.issue(UUID.fromString(agentId));
    Path state = dir.resolve("data/agent_state.json");
    Files.writeString(
        state,
        Files.readString(state).replaceAll("\"jwt\":\"[^\"]+\"", "\"jwt\":\"" + expired + "\""));
    await().atMost(Duration.ofSeconds(10)).until(() -> "offline".equals(ingest.hostStatus()));

    startAgent(token);

    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(ingest.hostStatus()));
    assertThat(Files.readString(state)).contains(agentId).doesNotContain(expired);
    assertThat(ingest.count("SELECT count(*) FROM agents")).isEqualTo(1);
  }

  @Test
  void aDuplicateHostIsRetriedSlowlyUntilAnOperatorDeletesTheOldOne() {
    String hostname = new VitalsCollector().hostname();
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

  private static void deleteTree(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
