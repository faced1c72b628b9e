package io.ctops.server.certificates;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.CertificateScanAck;
import io.ctops.protocol.v1.CertificateScanChunk;
import io.ctops.protocol.v1.DiscoveredCertificate;
import io.ctops.protocol.v1.PrivateKeyMatch;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.TestAgent;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code SubmitCertificates} over gRPC/TLS: a scan replaces the last one whole, or nothing. */
@ExtendWith(FreshDatabase.class)
class CertificateUploadTest {
  private IngestFixture ingest;
  private RegisterResponse agent;

  @BeforeEach
  void start(DatabaseUrl database) {
    ingest = IngestFixture.start(database);
    agent = ingest.registerActive(new TestAgent("certs-01"));
  }

  @AfterEach
  void stop() {
    ingest.close();
  }

  private static DiscoveredCertificate certificate(char fill, String source, String location) {
    return DiscoveredCertificate.newBuilder()
        .setFingerprintSha256(String.valueOf(fill).repeat(64))
        .setSubject("CN=shop.example.test")
        .setIssuer("CN=Example CA,O=Example")
        .addSans("shop.example.test")
        .addSans("10.0.0.7")
        .setSerialNumber("0a1b")
        .setNotBeforeUnix(Instant.now().minusSeconds(86_400).getEpochSecond())
        .setNotAfterUnix(Instant.now().plusSeconds(10 * 86_400).getEpochSecond())
        .setKeyAlgorithm("EC")
        .setKeySizeBits(256)
        .setSignatureAlgorithm("SHA256withECDSA")
        .setSource(source)
        .setLocation(location)
        .setPrivateKey(
            source.equals("file")
                ? PrivateKeyMatch.PRIVATE_KEY_MATCHES
                : PrivateKeyMatch.PRIVATE_KEY_NOT_FOUND)
        .build();
  }

  /** Sends the chunks and waits for the answer: the ack, or the refusal's status. */
  private Object send(List<CertificateScanChunk> chunks) throws Exception {
    CompletableFuture<Object> outcome = new CompletableFuture<>();
    StreamObserver<CertificateScanChunk> upload =
        ingest
            .withJwt(ingest.channel(), agent.getJwtToken())
            .submitCertificates(
                new StreamObserver<>() {
                  @Override
                  public void onNext(CertificateScanAck ack) {
                    outcome.complete(ack);
                  }

                  @Override
                  public void onError(Throwable error) {
                    outcome.complete(Status.fromThrowable(error));
                  }

                  @Override
                  public void onCompleted() {}
                });
    chunks.forEach(upload::onNext);
    upload.onCompleted();
    return outcome.get(15, TimeUnit.SECONDS);
  }

  private static CertificateScanChunk.Builder chunk(String scan, int index) {
    return CertificateScanChunk.newBuilder().setScanId(scan).setChunkIndex(index);
  }

  @Test
  void aScanReplacesTheLastOneWholeWithWhereEachCertificateIsAndTheCounts() throws Exception {
    String first = UUID.randomUUID().toString();
    Object ack =
        send(
            List.of(
                chunk(first, 0).addCertificates(certificate('a', "file", "/etc/ssl/a.pem")).build(),
                chunk(first, 1)
                    .addCertificates(certificate('b', "tls", "127.0.0.1:443"))
                    .addCertificates(certificate('b', "tls", "127.0.0.1:443"))
                    .setIsLast(true)
                    .setFilesScanned(40)
                    .setFilesSkipped(2)
                    .setServicesProbed(5)
                    .setServicesWithCertificates(1)
                    .build()));

    assertThat(ack).isEqualTo(CertificateScanAck.newBuilder().setReceived(2).build());
    assertThat(
            ingest.string(
                "SELECT string_agg(source || ' ' || location || ' ' || coalesce(private_key, '-'),"
                    + " ', ' ORDER BY location) FROM host_certificates"))
        .isEqualTo("file /etc/ssl/a.pem matches, tls 127.0.0.1:443 not_found");
    assertThat(ingest.string("SELECT array_to_string(sans, ',') FROM host_certificates LIMIT 1"))
        .isEqualTo("shop.example.test,10.0.0.7");
    assertThat(
            ingest.string(
                "SELECT files_scanned || '/' || files_skipped || '/' || services_probed"
                    + " FROM certificate_scans"))
        .isEqualTo("40/2/5");

    String second = UUID.randomUUID().toString();
    send(
        List.of(
            chunk(second, 0)
                .addCertificates(certificate('c', "file", "/etc/nginx/c.pem"))
                .setIsLast(true)
                .build()));
    assertThat(ingest.string("SELECT string_agg(location, ',') FROM host_certificates"))
        .isEqualTo("/etc/nginx/c.pem");
  }

  @Test
  void aRefusedChunkOrABrokenScanChangesNothing() throws Exception {
    String scan = UUID.randomUUID().toString();
    send(
        List.of(
            chunk(scan, 0)
                .addCertificates(certificate('a', "file", "/etc/ssl/a.pem"))
                .setIsLast(true)
                .build()));

    String next = UUID.randomUUID().toString();
    Object badFingerprint =
        send(
            List.of(
                chunk(next, 0)
                    .addCertificates(
                        certificate('d', "file", "/x.pem").toBuilder().setFingerprintSha256("AB"))
                    .setIsLast(true)
                    .build()));
    Object badSource =
        send(
            List.of(
                chunk(next, 0)
                    .addCertificates(certificate('d', "ftp", "/x.pem"))
                    .setIsLast(true)
                    .build()));
    Object outOfOrder =
        send(
            List.of(
                chunk(next, 1)
                    .addCertificates(certificate('d', "file", "/x.pem"))
                    .setIsLast(true)
                    .build()));
    Object neverLast =
        send(List.of(chunk(next, 0).addCertificates(certificate('d', "file", "/x.pem")).build()));
    Object notAnId = send(List.of(chunk("scan-1", 0).setIsLast(true).build()));

    assertThat(List.of(badFingerprint, badSource, outOfOrder, neverLast, notAnId))
        .allSatisfy(
            s -> assertThat(((Status) s).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThat(((Status) badFingerprint).getDescription())
        .isEqualTo("certificate 0: fingerprint_sha256 is 64 lower-case hex digits");
    assertThat(((Status) neverLast).getDescription())
        .isEqualTo("the stream ended before the chunk marked is_last");
    assertThat(ingest.string("SELECT string_agg(location, ',') FROM host_certificates"))
        .isEqualTo("/etc/ssl/a.pem");
  }

  @Test
  void aScanWithoutTheAgentsTokenIsRefused() throws Exception {
    CompletableFuture<Status> outcome = new CompletableFuture<>();
    StreamObserver<CertificateScanChunk> upload =
        io.ctops.protocol.v1.IngestServiceGrpc.newStub(ingest.channel())
            .submitCertificates(
                new StreamObserver<>() {
                  @Override
                  public void onNext(CertificateScanAck ack) {}

                  @Override
                  public void onError(Throwable error) {
                    outcome.complete(Status.fromThrowable(error));
                  }

                  @Override
                  public void onCompleted() {}
                });
    upload.onNext(chunk(UUID.randomUUID().toString(), 0).setIsLast(true).build());
    upload.onCompleted();

    assertThat(outcome.get(15, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(ingest.count("SELECT count(*) FROM certificate_scans")).isZero();
  }
}
