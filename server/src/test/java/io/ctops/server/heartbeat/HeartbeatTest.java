package io.ctops.server.heartbeat;

import static io.ctops.server.testing.HeartbeatClient.vitals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ctops.protocol.v1.BufferedSample;
import io.ctops.protocol.v1.DiskInfo;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.server.enrolment.AgentApprovals;
import io.ctops.server.enrolment.AgentAuthentication;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.platform.jwt.AgentTokens;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.HeartbeatClient;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.TestAgent;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Heartbeat streams over real gRPC/TLS into the real database: status, vitals, acknowledgements.
 */
@ExtendWith(FreshDatabase.class)
class HeartbeatTest {
  private IngestFixture ingest;

  @BeforeEach
  void start(DatabaseUrl database) {
    ingest = IngestFixture.start(database);
  }

  @AfterEach
  void stop() {
    ingest.close();
  }

  @Test
  void aHeartbeatBringsTheHostOnlineWritesItsVitalsAndAcksTheDurableSample() throws Exception {
    RegisterResponse agent = ingest.registerActive(new TestAgent("web-01", "10.0.0.5"));
    long now = Instant.now().getEpochSecond();

    HeartbeatResponse response;
    try (HeartbeatClient stream = stream(agent.getJwtToken())) {
      response = stream.send(vitals(12.5f, 40f, 70f).setTimestampUnix(now).build()).next();

      assertThat(response.getOk()).isTrue();
      assertThat(response.getAckedThroughUnix()).isEqualTo(now);
      assertThat(
              ingest.count(
                  "SELECT count(*) FROM host_metrics WHERE ts = to_timestamp("
                      + now
                      + ") AND cpu_percent = 12.5"))
          .isEqualTo(1);
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(
                          ingest.string(
                              "SELECT status || ' ' || cpu_percent || ' ' || memory_percent || ' ' || disk_percent || ' ' || uptime_seconds FROM hosts JOIN host_vitals ON host_id = id"))
                      .isEqualTo("online 12.5 40 70 1000"));
      assertThat(ingest.string("SELECT status FROM agents")).isEqualTo("active");
      // Closing right after a heartbeat leaves its vitals waiting for the next flush.
      stream.send(vitals(13, 41, 71).build()).next();
    }

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> ingest.string("SELECT status FROM hosts").equals("offline"));
    assertThat(history())
        .endsWith(
            "online: heartbeat stream opened", "offline: heartbeat stream closed by the agent");
    assertThat(ingest.string("SELECT status FROM agents")).isEqualTo("offline");
    // Vitals still waiting for the next flush must not bring the closed host back online.
    Thread.sleep(300);
    assertThat(ingest.string("SELECT status FROM hosts")).isEqualTo("offline");
  }

  @Test
  void existingAgentsMaySendTheJwtInTheFirstMessagesAgentId() {
    RegisterResponse agent = ingest.registerActive(new TestAgent("legacy-01", "10.0.0.6"));

    try (HeartbeatClient stream =
        new HeartbeatClient(IngestServiceGrpc.newStub(ingest.channel()))) {
      assertThat(
              stream.send(vitals(1, 2, 3).setAgentId(agent.getJwtToken()).build()).next().getOk())
          .isTrue();
      assertThat(stream.send(vitals(4, 5, 6).setAgentId(agent.getAgentId()).build()).next().getOk())
          .isTrue();
    }
  }

  @Test
  void bufferedSamplesLandExactlyOnceEvenWhenSentAgain() {
    RegisterResponse agent = ingest.registerActive(new TestAgent("buffer-01", "10.0.0.7"));
    long now = Instant.now().getEpochSecond();
    HeartbeatRequest.Builder withBacklog = vitals(5, 5, 5).setTimestampUnix(now);
    for (long back : new long[] {90, 60, 30}) {
      withBacklog.addSamples(
          BufferedSample.newBuilder()
              .setTimestampUnix(now - back)
              .setCpuPercent(back)
              .setMemoryPercent(1)
              .setDiskPercent(1)
              .setNetRxBytesPerSec(1000)
              .setNetTxBytesPerSec(500));
    }

    try (HeartbeatClient stream = stream(agent.getJwtToken())) {
      assertThat(stream.send(withBacklog.build()).next().getAckedThroughUnix()).isEqualTo(now);
      // The agent did not see the ack (say) and sends everything again with its next sample.
      HeartbeatRequest again = withBacklog.setTimestampUnix(now + 1).build();
      assertThat(stream.send(again).next().getAckedThroughUnix()).isEqualTo(now + 1);
    }

    assertThat(ingest.count("SELECT count(*) FROM host_metrics")).isEqualTo(5);
    assertThat(ingest.count("SELECT count(DISTINCT ts) FROM host_metrics")).isEqualTo(5);
    assertThat(
            ingest.string(
                "SELECT net_rx_bytes_per_sec || '/' || net_tx_bytes_per_sec FROM host_metrics WHERE cpu_percent = 60"))
        .isEqualTo("1000/500");
  }

  @Test
  void networkRatesAnAgentDoesNotSendAreStoredAsNoDataAndAZeroStaysZero() {
    RegisterResponse agent = ingest.registerActive(new TestAgent("net-01", "10.0.0.9"));
    long now = Instant.now().getEpochSecond();

    try (HeartbeatClient stream = stream(agent.getJwtToken())) {
      // As the original CT-Ops agent sends it: no network fields at all.
      stream.send(vitals(1, 1, 1).setTimestampUnix(now - 1).build()).next();
      stream
          .send(
              vitals(2, 2, 2)
                  .setTimestampUnix(now)
                  .setNetRxBytesPerSec(0)
                  .setNetTxBytesPerSec(0)
                  .build())
          .next();
    }

    assertThat(
            ingest.string(
                "SELECT coalesce(net_rx_bytes_per_sec::text, 'null') || '/'"
                    + " || coalesce(net_tx_bytes_per_sec::text, 'null') FROM host_metrics"
                    + " WHERE cpu_percent = 1"))
        .isEqualTo("null/null");
    assertThat(
            ingest.string(
                "SELECT net_rx_bytes_per_sec || '/' || net_tx_bytes_per_sec FROM host_metrics"
                    + " WHERE cpu_percent = 2"))
        .isEqualTo("0/0");
  }

  @Test
  void badValuesEndTheStreamWithInvalidArgumentAndWriteNoSample() {
    RegisterResponse agent = ingest.registerActive(new TestAgent("bad-01", "10.0.0.8"));
    long future = Instant.now().plus(Duration.ofMinutes(11)).getEpochSecond();

    assertInvalid(
        agent,
        vitals(Float.NaN, 1, 1).build(),
        "cpu_percent must be a number from 0 to 100, got NaN");
    assertInvalid(
        agent, vitals(1, 100.5f, 1).build(), "memory_percent must be a number from 0 to 100");
    assertInvalid(agent, vitals(1, 1, -3).build(), "disk_percent must be a number from 0 to 100");
    assertInvalid(
        agent,
        vitals(1, 1, 1).setTimestampUnix(future).build(),
        "timestamp_unix is more than 10 minutes in the future");
    assertInvalid(
        agent,
        vitals(1, 1, 1)
            .addSamples(BufferedSample.newBuilder().setTimestampUnix(future).setCpuPercent(1))
            .build(),
        "samples.timestamp_unix is more than 10 minutes");
    assertInvalid(
        agent,
        vitals(1, 1, 1)
            .addDisks(
                DiskInfo.newBuilder().setMountPoint("/").setPercentUsed(Float.POSITIVE_INFINITY))
            .build(),
        "disks.percent_used");

    assertThat(ingest.count("SELECT count(*) FROM host_metrics")).isZero();
    assertThat(ingest.string("SELECT status FROM hosts")).isEqualTo("unknown");
    assertThat(history()).noneMatch(row -> row.startsWith("online") || row.startsWith("offline"));
  }

  @Test
  void jwtsThatAreMissingForgedExpiredOrForAnotherAgentAreRefused() throws Exception {
    RegisterResponse agent = ingest.registerActive(new TestAgent("auth-01", "10.0.0.9"));
    UUID agentId = UUID.fromString(agent.getAgentId());
    AgentTokens stranger =
        AgentTokens.loadOrCreate("TEST", ingest.dir.resolve("other-key.pem"), Clock.systemUTC());
    AgentTokens yesterday =
        AgentTokens.loadOrCreate(
            "TEST",
            ingest.dir.resolve("jwt_key.pem"),
            Clock.fixed(Instant.now().minus(Duration.ofHours(25)), ZoneOffset.UTC));

    assertEnds(
        new HeartbeatClient(IngestServiceGrpc.newStub(ingest.channel())),
        Status.Code.UNAUTHENTICATED,
        "missing JWT");
    assertEnds(
        stream(stranger.issue(agentId)), Status.Code.UNAUTHENTICATED, "signature is not valid");
    assertEnds(stream(yesterday.issue(agentId)), Status.Code.UNAUTHENTICATED, "has expired");
    assertEnds(stream("not.a.jwt"), Status.Code.UNAUTHENTICATED, "malformed");
    HeartbeatClient otherAgent = stream(agent.getJwtToken());
    otherAgent.send(vitals(1, 1, 1).setAgentId(UUID.randomUUID().toString()).build());
    assertThat(otherAgent.awaitEnd(Duration.ofSeconds(10)).getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(ingest.count("SELECT count(*) FROM host_metrics")).isZero();
  }

  @Test
  void pendingRevokedAndDeletedAgentsAreRefusedWithTheirOwnStatus() {
    RegisterResponse pending =
        ingest
            .blocking()
            .register(new TestAgent("pending-01").request(ingest.token(false)).build());
    RegisterResponse revoked = ingest.registerActive(new TestAgent("revoked-01"));
    RegisterResponse deleted = ingest.registerActive(new TestAgent("deleted-01"));
    new AgentApprovals(ingest.jdbi(), Clock.systemUTC())
        .revoke(UUID.fromString(revoked.getAgentId()), "test");
    ingest
        .jdbi()
        .useHandle(
            h -> h.execute("UPDATE hosts SET deleted_at = now() WHERE hostname = 'deleted-01'"));

    assertEnds(
        stream(ingest.ingest.tokens().issue(UUID.fromString(pending.getAgentId()))),
        Status.Code.PERMISSION_DENIED,
        "not approved");
    assertEnds(stream(revoked.getJwtToken()), Status.Code.PERMISSION_DENIED, "has been revoked");
    assertEnds(stream(deleted.getJwtToken()), Status.Code.NOT_FOUND, "no longer exists");
  }

  @Test
  void revokingOrDeletingAnAgentEndsItsOpenStream() {
    RegisterResponse revoked = ingest.registerActive(new TestAgent("mid-01", "10.0.1.1"));
    RegisterResponse deleted = ingest.registerActive(new TestAgent("mid-02", "10.0.1.2"));
    HeartbeatClient revokedStream = stream(revoked.getJwtToken());
    HeartbeatClient deletedStream = stream(deleted.getJwtToken());
    revokedStream.send(vitals(1, 1, 1).build()).next();
    deletedStream.send(vitals(1, 1, 1).build()).next();

    new AgentApprovals(ingest.jdbi(), Clock.systemUTC())
        .revoke(UUID.fromString(revoked.getAgentId()), "test");
    ingest
        .jdbi()
        .useTransaction(
            h -> {
              // the ingest's own order, hosts then agents: the row the foreign key clears first
              h.execute("SELECT 1 FROM hosts WHERE agent_id = ? FOR UPDATE", agentId(deleted));
              h.execute("DELETE FROM agents WHERE id = ?", agentId(deleted));
            });

    Status revokedEnd = revokedStream.awaitEnd(Duration.ofSeconds(30));
    Status deletedEnd = deletedStream.awaitEnd(Duration.ofSeconds(30));
    assertThat(revokedEnd.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(deletedEnd.getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void anAcknowledgementLaterThanItsAnswerGoesOutOnItsOwnOnceTheSampleIsDurable() throws Exception {
    RegisterResponse agent = ingest.registerActive(new TestAgent("slow-01", "10.0.4.1"));
    long now = Instant.now().getEpochSecond();
    try (HeartbeatClient stream = stream(agent.getJwtToken());
        Handle blocker = ingest.jdbi().open()) {
      blocker.begin();
      // the samples' writes wait behind this lock, as behind a busy database
      blocker.execute("LOCK TABLE host_metrics IN EXCLUSIVE MODE");
      HeartbeatResponse answer = stream.send(vitals(1, 2, 3).setTimestampUnix(now).build()).next();
      assertThat(answer.getAckedThroughUnix()).isLessThan(now);
      blocker.rollback();

      // no further heartbeat is sent: the acknowledgement comes by itself
      assertThat(stream.next(a -> a.getAckedThroughUnix() >= now).getAckedThroughUnix())
          .isEqualTo(now);
    }
  }

  @Test
  void aRevocationTakesTheIngestsLockOrderAndWaitsInsteadOfDeadlocking() throws Exception {
    UUID agent = agentId(ingest.registerActive(new TestAgent("order-01", "10.0.3.1")));
    CompletableFuture<AgentApprovals.Revocation> revocation;
    try (Handle ingestSide = ingest.jdbi().open()) {
      // what the ingest does when a stream opens: the host row, then the agent row
      ingestSide.begin();
      ingestSide.execute("UPDATE hosts SET status = 'online' WHERE agent_id = ?", agent);
      revocation =
          CompletableFuture.supplyAsync(
              () -> new AgentApprovals(ingest.jdbi(), Clock.systemUTC()).revoke(agent, "test"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  ingest
                          .jdbi()
                          .withHandle(
                              h ->
                                  h.createQuery(
                                          "SELECT count(*) FROM pg_stat_activity"
                                              + " WHERE wait_event_type = 'Lock'")
                                      .mapTo(Integer.class)
                                      .one())
                      > 0);
      ingestSide.execute("UPDATE agents SET updated_at = now() WHERE id = ?", agent);
      ingestSide.commit();
    }
    assertThat(revocation.get(30, TimeUnit.SECONDS))
        .isInstanceOf(AgentApprovals.Revocation.Revoked.class);
  }

  @Test
  void theRecheckIsToldOfRevocationsAndDeletionsSinceItLastLooked() {
    Instant before = Instant.now().minusSeconds(1);
    UUID revoked = agentId(ingest.registerActive(new TestAgent("since-01", "10.0.2.1")));
    UUID deleted = agentId(ingest.registerActive(new TestAgent("since-02", "10.0.2.2")));
    ingest.registerActive(new TestAgent("since-03", "10.0.2.3"));
    new AgentApprovals(ingest.jdbi(), Clock.systemUTC()).revoke(revoked, "test");
    ingest
        .jdbi()
        .useHandle(
            h -> h.execute("UPDATE hosts SET deleted_at = now() WHERE agent_id = ?", deleted));

    // tokens are not needed to read the database
    var authentication = new AgentAuthentication(ingest.jdbi(), null);
    assertThat(authentication.disallowedSince(before)).containsExactlyInAnyOrder(revoked, deleted);
    assertThat(authentication.disallowedSince(Instant.now().plusSeconds(5))).isEmpty();
  }

  private static UUID agentId(RegisterResponse registered) {
    return UUID.fromString(registered.getAgentId());
  }

  @Test
  void aMessageAboveTheSizeLimitIsResourceExhausted() {
    RegisterResponse agent = ingest.registerActive(new TestAgent("big-01"));
    HeartbeatRequest.Builder huge = vitals(1, 1, 1);
    for (int i = 0; i < 3000; i++) {
      huge.addDisks(
          DiskInfo.newBuilder()
              .setMountPoint("/mnt/" + "x".repeat(100) + i)
              .setDevice("/dev/sd" + i)
              .setFsType("ext4"));
    }

    HeartbeatClient stream = stream(agent.getJwtToken()).send(huge.build());

    assertThat(stream.awaitEnd(Duration.ofSeconds(10)).getCode())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(ingest.count("SELECT count(*) FROM host_metrics")).isZero();
  }

  @Test
  void aHostThatGoesQuietIsMarkedOfflineAndComesBackOnItsNextHeartbeat() throws Exception {
    RegisterResponse agent = ingest.registerActive(new TestAgent("quiet-01", "10.0.1.3"));
    try (HeartbeatClient stream = stream(agent.getJwtToken())) {
      stream.send(vitals(1, 1, 1).build()).next();
      Thread.sleep(1100);
      stream.send(vitals(1, 1, 1).build()).next();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  ingest
                      .string("SELECT heartbeat_interval_seconds::text FROM host_vitals")
                      .equals("1"));

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ingest.string("SELECT status FROM hosts").equals("offline"));
      assertThat(history())
          .last()
          .asString()
          .startsWith("offline: no heartbeat within 2x the interval");

      stream.send(vitals(1, 1, 1).build()).next();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> ingest.string("SELECT status FROM hosts").equals("online"));
      assertThat(history()).last().isEqualTo("online: heartbeat received");
    }
  }

  @Test
  void anExtraMessageRepeatingTheLastSampleDoesNotShortenTheHostsInterval() throws Exception {
    RegisterResponse agent = ingest.registerActive(new TestAgent("extra-01", "10.0.1.4"));
    try (HeartbeatClient stream = stream(agent.getJwtToken())) {
      long first = Instant.now().getEpochSecond();
      stream.send(vitals(1, 1, 1).setTimestampUnix(first).build()).next();
      Thread.sleep(3_100);
      stream.send(vitals(1, 1, 1).setTimestampUnix(first + 3).build()).next();
      // what an agent sends at once when a task has news: the same sample again
      stream.send(vitals(1, 1, 1).setTimestampUnix(first + 3).build()).next();
      Thread.sleep(500);
      assertThat(ingest.string("SELECT heartbeat_interval_seconds::text FROM host_vitals"))
          .isEqualTo("3");
      assertThat(ingest.count("SELECT count(*) FROM host_metrics")).isEqualTo(2);
    }
  }

  @Test
  void anAgentApprovedAfterSendingACsrGetsItsCertificateOnItsFirstHeartbeat() {
    TestAgent agent = new TestAgent("cert-01", "10.0.1.4");
    RegisterResponse pending =
        ingest.blocking().register(agent.requestWithCsr(ingest.token(false)).build());
    new AgentApprovals(ingest.jdbi(), Clock.systemUTC())
        .approve(UUID.fromString(pending.getAgentId()), "test");
    RegisterResponse active =
        ingest.blocking().register(agent.request(ingest.token(false)).build());

    try (HeartbeatClient stream = stream(active.getJwtToken())) {
      HeartbeatResponse first = stream.send(vitals(1, 1, 1).build()).next();
      HeartbeatResponse second = stream.send(vitals(1, 1, 1).build()).next();

      assertThat(first.getPendingClientCertPem()).startsWith("-----BEGIN CERTIFICATE-----");
      assertThat(first.getAgentCaCertPem()).startsWith("-----BEGIN CERTIFICATE-----");
      assertThat(first.getPendingClientCertNotAfterUnix())
          .isGreaterThan(Instant.now().plus(Duration.ofDays(29)).getEpochSecond());
      assertThat(second.getPendingClientCertPem()).isEmpty();
    }
  }

  @Test
  void anOlderAgentIsToldAnUpdateExistsAndWhereToGetIt() {
    RegisterResponse agent = ingest.registerActive(new TestAgent("old-01"));
    try (HeartbeatClient stream = stream(agent.getJwtToken())) {
      HeartbeatResponse response =
          stream.send(vitals(1, 1, 1).setAgentVersion("0.0.1").build()).next();

      assertThat(response.getLatestVersion()).isNotEmpty();
      assertThat(response.getUpdateAvailable()).isTrue();
      assertThat(response.getDownloadUrl())
          .startsWith("http://localhost:3000/api/agent/download?version=")
          .contains("&os=linux&arch=amd64");

      // the agent updated itself and says so on the same stream: no more update offered
      HeartbeatResponse updated =
          stream.send(vitals(1, 1, 1).setAgentVersion(response.getLatestVersion()).build()).next();
      assertThat(updated.getUpdateAvailable()).isFalse();
      assertThat(updated.getDownloadUrl()).isEmpty();
    }
  }

  private HeartbeatClient stream(String jwt) {
    return new HeartbeatClient(ingest.withJwt(ingest.channel(), jwt));
  }

  private void assertInvalid(RegisterResponse agent, HeartbeatRequest request, String message) {
    HeartbeatClient stream = stream(agent.getJwtToken()).send(request);
    Status status = stream.awaitEnd(Duration.ofSeconds(10));
    assertThat(status.getCode()).as(message).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains(message);
  }

  private static void assertEnds(HeartbeatClient stream, Status.Code code, String message) {
    stream.send(vitals(1, 1, 1).build());
    Status status = stream.awaitEnd(Duration.ofSeconds(10));
    assertThat(status.getCode()).as(message).isEqualTo(code);
    assertThat(status.getDescription()).contains(message);
  }

  private List<String> history() {
    return ingest
        .jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "SELECT status || ': ' || reason FROM agent_status_history ORDER BY id")
                    .mapTo(String.class)
                    .list());
  }
}
