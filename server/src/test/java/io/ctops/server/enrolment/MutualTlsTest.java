package io.ctops.server.enrolment;

import static io.ctops.server.testing.HeartbeatClient.vitals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.protocol.v1.RenewCertificateRequest;
import io.ctops.protocol.v1.RenewCertificateResponse;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.platform.pki.Pem;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.HeartbeatClient;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.TestAgent;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Agents holding a client certificate present it in the TLS handshake. */
@ExtendWith(FreshDatabase.class)
class MutualTlsTest {
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
  void anAgentHeartbeatsOverMutualTlsWithTheCertificateItWasIssued() {
    TestAgent agent = new TestAgent("mtls-01", "10.0.2.1");
    RegisterResponse registered =
        ingest.blocking().register(agent.requestWithCsr(ingest.token(true)).build());
    ManagedChannel mtls = ingest.channel(registered.getClientCertPem(), agent);

    try (HeartbeatClient stream =
        new HeartbeatClient(ingest.withJwt(mtls, registered.getJwtToken()))) {
      assertThat(stream.send(vitals(3, 4, 5).build()).next().getOk()).isTrue();
    }
  }

  @Test
  void aCertificateOfOneAgentWithTheJwtOfAnotherIsPermissionDenied() {
    TestAgent first = new TestAgent("mtls-02", "10.0.2.2");
    TestAgent second = new TestAgent("mtls-03", "10.0.2.3");
    RegisterResponse firstRegistered =
        ingest.blocking().register(first.requestWithCsr(ingest.token(true)).build());
    RegisterResponse secondRegistered = ingest.registerActive(second);
    ManagedChannel asFirst = ingest.channel(firstRegistered.getClientCertPem(), first);

    HeartbeatClient stream =
        new HeartbeatClient(ingest.withJwt(asFirst, secondRegistered.getJwtToken()));
    stream.send(vitals(1, 1, 1).build());

    Status status = stream.awaitEnd(Duration.ofSeconds(10));
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription())
        .contains("client certificate names agent " + firstRegistered.getAgentId())
        .contains("JWT names agent " + secondRegistered.getAgentId());
  }

  @Test
  void renewCertificateIssuesAFreshCertificateForTheRegisteredKeyOnly() {
    TestAgent agent = new TestAgent("mtls-04", "10.0.2.4");
    RegisterResponse registered =
        ingest.blocking().register(agent.requestWithCsr(ingest.token(true)).build());
    ManagedChannel mtls = ingest.channel(registered.getClientCertPem(), agent);
    var stub =
        IngestServiceGrpc.newBlockingStub(mtls)
            .withInterceptors(
                MetadataUtils.newAttachHeadersInterceptor(bearer(registered.getJwtToken())));

    RenewCertificateResponse renewed =
        stub.renewCertificate(
            RenewCertificateRequest.newBuilder()
                .setAgentId(registered.getAgentId())
                .setCsrDer(ByteString.copyFrom(TestAgent.csr(agent.keys)))
                .build());

    assertThat(renewed.getClientCertPem())
        .startsWith("-----BEGIN CERTIFICATE-----")
        .isNotEqualTo(registered.getClientCertPem());
    assertThat(renewed.getAgentCaCertPem()).isEqualTo(registered.getAgentCaCertPem());
    assertThatThrownBy(
            () ->
                stub.renewCertificate(
                    RenewCertificateRequest.newBuilder()
                        .setCsrDer(ByteString.copyFrom(TestAgent.csr(TestAgent.newKeyPair())))
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThatThrownBy(
            () ->
                IngestServiceGrpc.newBlockingStub(ingest.channel())
                    .renewCertificate(RenewCertificateRequest.newBuilder().build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
  }

  @Test
  void aClientCertificateNotSignedByTheAgentCaFailsTheHandshake() throws Exception {
    TestAgent agent = new TestAgent("mtls-05");
    RegisterResponse registered = ingest.registerActive(agent);
    String forged = signedByAnotherCa(agent, registered.getAgentId());
    ManagedChannel rogue = ingest.channelInsisting(forged, agent.keys.getPrivate());

    assertThatThrownBy(
            () ->
                IngestServiceGrpc.newBlockingStub(rogue)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .register(agent.request(ingest.token(true)).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(ingest.tokenUses()).isEqualTo(1);
  }

  /** A well-formed client certificate for the agent's own key, from a CA the server never saw. */
  private static String signedByAnotherCa(TestAgent agent, String agentId) throws Exception {
    var generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    var caKeys = generator.generateKeyPair();
    var now = Instant.now();
    var builder =
        new JcaX509v3CertificateBuilder(
            new X500Name("CN=Rogue CA"),
            BigInteger.TEN,
            Date.from(now.minusSeconds(60)),
            Date.from(now.plus(Duration.ofDays(1))),
            new X500Name("CN=" + agentId),
            agent.keys.getPublic());
    var leaf =
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate()));
    return Pem.encode(leaf);
  }

  private static Metadata bearer(String jwt) {
    Metadata metadata = new Metadata();
    metadata.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + jwt);
    return metadata;
  }
}
