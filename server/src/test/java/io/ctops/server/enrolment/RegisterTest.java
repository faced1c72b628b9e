package io.ctops.server.enrolment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import io.ctops.protocol.v1.RegisterRequest;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.TestAgent;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Register over real gRPC/TLS against the real database: tokens, validation, idempotence, duplicate
 * hosts and adoption.
 */
@ExtendWith(FreshDatabase.class)
class RegisterTest {
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
  void autoApproveTokenGivesAnActiveAgentAJwtThatTheJwksVerifies() throws Exception {
    RegisterResponse response = ingest.registerActive(new TestAgent("web-01", "10.0.0.5"));

    assertThat(response.getStatus()).isEqualTo("active");
    SignedJWT jwt = SignedJWT.parse(response.getJwtToken());
    String jwks =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + ingest.ingest.httpPort()
                                + "/.well-known/jwks.json"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    RSAKey key = (RSAKey) JWKSet.parse(jwks).getKeys().get(0);
    assertThat(key.getKeyID())
        .isEqualTo(jwt.getHeader().getKeyID())
        .isEqualTo(key.computeThumbprint().toString());
    assertThat(key.isPrivate()).isFalse();
    assertThat(jwt.verify(new RSASSAVerifier(key))).isTrue();
    assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("RS256");
    assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo(response.getAgentId());
    assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo("ct-ops-ingest");
    assertThat(
            Duration.between(Instant.now(), jwt.getJWTClaimsSet().getExpirationTime().toInstant()))
        .isBetween(Duration.ofHours(23), Duration.ofHours(24));
    assertThat(ingest.string("SELECT status FROM hosts")).isEqualTo("unknown");
    assertThat(ingest.tokenUses()).isEqualTo(1);
  }

  @Test
  void manualTokenLeavesTheAgentPendingUntilApprovedThenTheNextPollIsActive() {
    TestAgent agent = new TestAgent("db-01", "10.0.0.9");
    RegisterRequest request = agent.request(ingest.token(false)).build();

    RegisterResponse first = ingest.blocking().register(request);
    assertThat(first.getStatus()).isEqualTo("pending");
    assertThat(first.getJwtToken()).isEmpty();

    new AgentApprovals(ingest.jdbi(), Clock.systemUTC())
        .approve(UUID.fromString(first.getAgentId()), "approved in test");
    RegisterResponse poll = ingest.blocking().register(request);

    assertThat(poll.getStatus()).isEqualTo("active");
    assertThat(poll.getAgentId()).isEqualTo(first.getAgentId());
    assertThat(poll.getJwtToken()).isNotEmpty();
    assertThat(ingest.count("SELECT count(*) FROM agents")).isEqualTo(1);
  }

  @Test
  void registrationIsIdempotentPerPublicKey() {
    TestAgent agent = new TestAgent("app-01", "10.0.0.7");
    String token = ingest.token(true);

    RegisterResponse first = ingest.blocking().register(agent.request(token).build());
    RegisterResponse second = ingest.blocking().register(agent.request(token).build());

    assertThat(second.getAgentId()).isEqualTo(first.getAgentId());
    assertThat(second.getStatus()).isEqualTo("active");
    assertThat(ingest.count("SELECT count(*) FROM hosts")).isEqualTo(1);
    assertThat(ingest.tokenUses()).isEqualTo(1);
  }

  @Test
  void aRawEd25519KeyIsTheSameIdentityAsItsSubjectPublicKeyInfo() {
    TestAgent agent = new TestAgent("field-01", "10.0.0.8");
    String token = ingest.token(true);

    RegisterResponse raw =
        ingest
            .blocking()
            .register(agent.request(token).setPublicKey(agent.rawPublicKeyPem()).build());
    RegisterResponse spki = ingest.blocking().register(agent.request(token).build());

    assertThat(raw.getStatus()).isEqualTo("active");
    assertThat(spki.getAgentId()).isEqualTo(raw.getAgentId());
    assertThat(ingest.count("SELECT count(*) FROM agents")).isEqualTo(1);
    assertThat(ingest.count("SELECT count(*) FROM hosts")).isEqualTo(1);
    String stored =
        ingest
            .jdbi()
            .withHandle(
                h -> h.createQuery("SELECT public_key FROM agents").mapTo(String.class).one());
    assertThat(stored).isEqualTo(agent.publicKeyPem());
  }

  @Test
  void eachTokenProblemIsUnauthenticatedWithItsOwnMessageAndWritesNothing() {
    TestAgent agent = new TestAgent("web-02", "10.0.0.6");
    String expired =
        ingest.token(true, Optional.of(Instant.now().plusMillis(300)), Optional.empty());
    String revoked = ingest.token(true);
    ingest
        .jdbi()
        .useHandle(
            h ->
                h.execute(
                    "UPDATE enrolment_tokens SET revoked_at = now() WHERE id = (SELECT id FROM enrolment_tokens ORDER BY created_at DESC LIMIT 1)"));
    String exhausted = ingest.token(true, Optional.empty(), Optional.of(1));
    ingest.registerActive(new TestAgent("first-user", "10.9.9.9"));
    ingest.blocking().register(new TestAgent("uses-it-up", "10.9.9.8").request(exhausted).build());
    long agentsBefore = ingest.count("SELECT count(*) FROM agents");
    sleep(Duration.ofMillis(400));

    assertRejected(
        agent.request("ctops_not-a-real-token").build(),
        Status.Code.UNAUTHENTICATED,
        "unknown enrolment token");
    assertRejected(
        agent.request("").build(), Status.Code.UNAUTHENTICATED, "enrolment token missing");
    assertRejected(agent.request(expired).build(), Status.Code.UNAUTHENTICATED, "has expired");
    assertRejected(agent.request(revoked).build(), Status.Code.UNAUTHENTICATED, "has been revoked");
    assertRejected(
        agent.request(exhausted).build(),
        Status.Code.UNAUTHENTICATED,
        "maximum number of times (1)");

    assertThat(ingest.count("SELECT count(*) FROM agents")).isEqualTo(agentsBefore);
    assertThat(ingest.count("SELECT count(*) FROM hosts WHERE hostname = 'web-02'")).isZero();
    assertThat(ingest.tokenUses()).isEqualTo(1);
  }

  @Test
  void malformedRequestsAreInvalidArgumentsAndWriteNothing() {
    String token = ingest.token(true);
    TestAgent agent = new TestAgent("ok-host", "10.0.0.1");
    String rsaKey =
        "-----BEGIN PUBLIC KEY-----\n"
            + "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf\n"
            + "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n"
            + "-----END PUBLIC KEY-----\n";
    List<String> tooManyIps = new ArrayList<>();
    for (int i = 0; i < 65; i++) {
      tooManyIps.add("10.1.0." + i);
    }

    assertRejected(
        agent.request(token).setPublicKey("").build(),
        Status.Code.INVALID_ARGUMENT,
        "public_key is empty");
    assertRejected(
        agent.request(token).setPublicKey("garbage").build(),
        Status.Code.INVALID_ARGUMENT,
        "public_key");
    assertRejected(
        agent
            .request(token)
            .setPublicKey(
                "-----BEGIN PUBLIC KEY-----\n"
                    + Base64.getEncoder().encodeToString(new byte[31])
                    + "\n-----END PUBLIC KEY-----\n")
            .build(),
        Status.Code.INVALID_ARGUMENT,
        "neither a SubjectPublicKeyInfo nor a raw 32-byte Ed25519 key");
    assertRejected(
        agent
            .request(token)
            .setPublicKey(
                "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getEncoder().encodeToString(new byte[32])
                    + "\n-----END PRIVATE KEY-----\n")
            .build(),
        Status.Code.INVALID_ARGUMENT,
        "not a PUBLIC KEY block");
    assertRejected(
        agent.request(token).setPublicKey(rsaKey).build(),
        Status.Code.INVALID_ARGUMENT,
        "must be an Ed25519 key");
    assertRejected(
        withHostname(agent.request(token), ""), Status.Code.INVALID_ARGUMENT, "hostname is empty");
    assertRejected(
        withHostname(agent.request(token), "h".repeat(254)),
        Status.Code.INVALID_ARGUMENT,
        "longer than 253");
    assertRejected(
        withIps(agent.request(token), List.of("10.0.0.300")),
        Status.Code.INVALID_ARGUMENT,
        "'10.0.0.300' is not an IP address");
    assertRejected(
        withIps(agent.request(token), List.of("example.com")),
        Status.Code.INVALID_ARGUMENT,
        "is not an IP address");
    assertRejected(
        withIps(agent.request(token), tooManyIps), Status.Code.INVALID_ARGUMENT, "at most 64");

    assertThat(ingest.count("SELECT count(*) FROM agents")).isZero();
    assertThat(ingest.tokenUses()).isZero();
  }

  @Test
  void aHostnameOrIpOfAnOnlineHostIsRefusedAsAlreadyExisting() {
    RegisterResponse online = ingest.registerActive(new TestAgent("web-01", "10.0.0.5"));
    ingest.jdbi().useHandle(h -> h.execute("UPDATE hosts SET status = 'online'"));

    assertRejected(
        new TestAgent("WEB-01", "10.0.0.99").request(ingest.token(true)).build(),
        Status.Code.ALREADY_EXISTS,
        "delete the existing host first");
    assertRejected(
        new TestAgent("web-99", "10.0.0.5").request(ingest.token(true)).build(),
        Status.Code.ALREADY_EXISTS,
        "already has this IP address");

    assertThat(ingest.count("SELECT count(*) FROM agents")).isEqualTo(1);
    assertThat(ingest.string("SELECT id::text FROM agents")).isEqualTo(online.getAgentId());
  }

  @Test
  void aHostOfARevokedAgentIsRefusedEvenWhenOffline() {
    RegisterResponse revoked = ingest.registerActive(new TestAgent("web-01", "10.0.0.5"));
    new AgentApprovals(ingest.jdbi(), Clock.systemUTC())
        .revoke(UUID.fromString(revoked.getAgentId()), "test");

    assertRejected(
        new TestAgent("web-01").request(ingest.token(true)).build(),
        Status.Code.ALREADY_EXISTS,
        "web-01");
  }

  @Test
  void aRevokedAgentPollingRegisterIsToldItIsRevoked() {
    TestAgent agent = new TestAgent("gone-01", "10.0.0.12");
    RegisterResponse first = ingest.registerActive(agent);
    new AgentApprovals(ingest.jdbi(), Clock.systemUTC())
        .revoke(UUID.fromString(first.getAgentId()), "test");

    RegisterResponse again = ingest.blocking().register(agent.request(ingest.token(true)).build());

    assertThat(again.getStatus()).isEqualTo("revoked");
    assertThat(again.getAgentId()).isEqualTo(first.getAgentId());
    assertThat(again.getJwtToken()).isEmpty();
  }

  @Test
  void anOfflineHostIsAdoptedByANewKeyAndTheAdoptionIsRecorded() {
    RegisterResponse original = ingest.registerActive(new TestAgent("web-01", "10.0.0.5"));
    ingest.jdbi().useHandle(h -> h.execute("UPDATE hosts SET status = 'offline'"));
    TestAgent reinstalled = new TestAgent("web-01", "10.0.0.5", "10.0.0.50");

    RegisterResponse adopted =
        ingest.blocking().register(reinstalled.request(ingest.token(true)).build());

    assertThat(adopted.getStatus()).isEqualTo("active");
    assertThat(adopted.getAgentId()).isEqualTo(original.getAgentId());
    assertThat(ingest.count("SELECT count(*) FROM hosts")).isEqualTo(1);
    assertThat(ingest.string("SELECT public_key FROM agents"))
        .isEqualTo(reinstalled.publicKeyPem());
    assertThat(ingest.string("SELECT ip_text FROM hosts")).isEqualTo("10.0.0.5 10.0.0.50");
    assertThat(ingest.string("SELECT reason FROM agent_status_history ORDER BY id DESC LIMIT 1"))
        .isEqualTo(RegistrationService.ADOPTED_REASON);
  }

  @Test
  void adoptionThroughAManualTokenReturnsTheAgentToPending() {
    RegisterResponse original = ingest.registerActive(new TestAgent("web-01", "10.0.0.5"));
    ingest.jdbi().useHandle(h -> h.execute("UPDATE hosts SET status = 'offline'"));

    RegisterResponse adopted =
        ingest.blocking().register(new TestAgent("web-01").request(ingest.token(false)).build());

    assertThat(adopted.getStatus()).isEqualTo("pending");
    assertThat(adopted.getAgentId()).isEqualTo(original.getAgentId());
    assertThat(ingest.string("SELECT status FROM agents")).isEqualTo("pending");
    assertThat(ingest.string("SELECT approved_at IS NULL FROM agents")).isEqualTo("t");
  }

  @Test
  void twoAgentsRacingForTheLastUseOfATokenOneWins() throws Exception {
    String token = ingest.token(true, Optional.empty(), Optional.of(1));
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Status.Code>> racers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      TestAgent agent = new TestAgent("racer-" + i, "10.2.0." + i);
      racers.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  start.await();
                  ingest.blocking().register(agent.request(token).build());
                  return Status.Code.OK;
                } catch (StatusRuntimeException e) {
                  return e.getStatus().getCode();
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    start.countDown();

    List<Status.Code> outcomes = racers.stream().map(CompletableFuture::join).toList();

    assertThat(outcomes).containsExactlyInAnyOrder(Status.Code.OK, Status.Code.UNAUTHENTICATED);
    assertThat(ingest.count("SELECT count(*) FROM agents")).isEqualTo(1);
    assertThat(ingest.tokenUses()).isEqualTo(1);
  }

  @Test
  void agentsRegisteringAtOnceWithOneUnlimitedTokenAreAllCounted() {
    String token = ingest.token(true);
    int agents = 24;
    List<CompletableFuture<RegisterResponse>> registrations = new ArrayList<>();
    for (int i = 0; i < agents; i++) {
      TestAgent agent = new TestAgent("fleet-" + i, "10.3.0." + i);
      registrations.add(
          CompletableFuture.supplyAsync(
              () -> ingest.blocking().register(agent.request(token).build())));
    }

    registrations.forEach(
        registration -> assertThat(registration.join().getStatus()).isEqualTo("active"));

    assertThat(ingest.tokenUses()).isEqualTo(agents);
    assertThat(ingest.count("SELECT use_count FROM enrolment_tokens"))
        .as("counted beside the token's row, not on it")
        .isZero();
  }

  @Test
  void aRevocationThatLocksTheTokenFirstWinsOverARegistrationUnderWay() throws Exception {
    String token = ingest.token(true);
    TestAgent agent = new TestAgent("late-01", "10.4.0.1");
    CompletableFuture<Status.Code> registration;
    try (var revoking = ingest.jdbi().open()) {
      revoking.begin();
      revoking.execute("UPDATE enrolment_tokens SET revoked_at = now()");
      registration =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  ingest.blocking().register(agent.request(token).build());
                  return Status.Code.OK;
                } catch (StatusRuntimeException e) {
                  return e.getStatus().getCode();
                }
              });
      // the registration has done its work and waits for the token's row
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  ingest.count(
                          "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                      > 0);
      revoking.commit();
    }

    assertThat(registration.get(10, TimeUnit.SECONDS)).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(ingest.count("SELECT count(*) FROM agents")).isZero();
    assertThat(ingest.count("SELECT count(*) FROM hosts")).isZero();
    assertThat(ingest.tokenUses()).isZero();
  }

  @Test
  void aCsrAtRegistrationGetsAThirtyDayClientCertificateFromTheAgentCa() throws Exception {
    TestAgent agent = new TestAgent("mtls-01", "10.0.0.8");

    RegisterResponse response =
        ingest.blocking().register(agent.requestWithCsr(ingest.token(true)).build());

    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    X509Certificate leaf =
        (X509Certificate)
            factory.generateCertificate(
                new ByteArrayInputStream(
                    response.getClientCertPem().getBytes(StandardCharsets.US_ASCII)));
    X509Certificate ca =
        (X509Certificate)
            factory.generateCertificate(
                new ByteArrayInputStream(
                    response.getAgentCaCertPem().getBytes(StandardCharsets.US_ASCII)));
    leaf.verify(ca.getPublicKey());
    assertThat(leaf.getSubjectX500Principal().getName()).contains("CN=" + response.getAgentId());
    assertThat(leaf.getPublicKey().getEncoded()).isEqualTo(agent.keys.getPublic().getEncoded());
    assertThat(Duration.between(Instant.now(), leaf.getNotAfter().toInstant()))
        .isBetween(Duration.ofDays(29), Duration.ofDays(30));
    assertThat(response.getClientCertNotAfterUnix())
        .isEqualTo(leaf.getNotAfter().toInstant().getEpochSecond());
    assertThat(ingest.string("SELECT client_cert_serial FROM agents"))
        .isEqualTo(leaf.getSerialNumber().toString(16));
  }

  @Test
  void aCsrForAnotherKeyIsRefusedAndNothingIsWritten() {
    TestAgent agent = new TestAgent("mtls-02");
    RegisterRequest request =
        agent
            .request(ingest.token(true))
            .setCsrDer(ByteString.copyFrom(TestAgent.csr(TestAgent.newKeyPair())))
            .build();

    assertRejected(request, Status.Code.INVALID_ARGUMENT, "not the agent's registered public key");
    assertThat(ingest.count("SELECT count(*) FROM agents")).isZero();
  }

  private void assertRejected(RegisterRequest request, Status.Code code, String message) {
    assertThatThrownBy(() -> ingest.blocking().register(request))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(message);
            });
  }

  private static RegisterRequest withHostname(RegisterRequest.Builder request, String hostname) {
    return request.setAgentInfo(request.getAgentInfo().toBuilder().setHostname(hostname)).build();
  }

  private static RegisterRequest withIps(RegisterRequest.Builder request, List<String> ips) {
    return request
        .setPlatformInfo(
            request.getPlatformInfo().toBuilder().clearIpAddresses().addAllIpAddresses(ips))
        .build();
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
