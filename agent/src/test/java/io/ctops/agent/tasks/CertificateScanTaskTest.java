package io.ctops.agent.tasks;

import static io.ctops.agent.tasks.TestTaskTypes.aTask;
import static io.ctops.agent.testing.TestCertificates.aCertificate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.ctops.agent.certificates.CertificateDiscovery;
import io.ctops.agent.config.CertificateSettings;
import io.ctops.agent.testing.CertificateIngest;
import io.ctops.agent.testing.TestCertificates.Issued;
import io.ctops.agent.text.Json;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.CertificateScanChunk;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code certificate_scan} as the server runs it: a scan, sent in chunks to a real ingest. */
class CertificateScanTaskTest {
  private final TaskOutbox outbox = new TaskOutbox();
  private final SentToServer server = new SentToServer(outbox);
  private final CertificateIngest ingest = new CertificateIngest();
  private TaskRunner runner;

  @TempDir Path certificates;

  CertificateScanTaskTest() throws Exception {}

  @AfterEach
  void stop() throws Exception {
    if (runner != null) {
      runner.close();
    }
    ingest.close();
  }

  @Test
  void sendsTheScanInChunksOfFiveHundredWithTheCountsOnTheLastAndAnswersWithThem()
      throws Exception {
    KeyPair keys = ecKeys();
    for (int file = 0; file < 11; file++) {
      StringBuilder pem = new StringBuilder();
      for (int i = 0; i < 100; i++) {
        Issued issued =
            aCertificate("CN=host-" + file + "-" + i + ".example").withKeys(keys).selfSigned();
        pem.append(issued.pem());
      }
      Files.writeString(certificates.resolve("bundle-" + file + ".pem"), pem);
    }
    Files.writeString(certificates.resolve("broken.crt"), "-----BEGIN CERTIFICATE-----\nAAAA\n");
    String taskId = UUID.randomUUID().toString();
    start(settings(true));

    runner.arrived(aTask(taskId, "certificate_scan"));
    AgentTaskResult result = server.awaitResult(taskId);

    assertThat(result.getError()).isEmpty();
    assertThat(result.getExitCode()).isZero();
    List<CertificateScanChunk> chunks = ingest.awaitScans(1).getFirst();
    assertThat(chunks)
        .extracting(
            CertificateScanChunk::getScanId,
            CertificateScanChunk::getChunkIndex,
            CertificateScanChunk::getCertificatesCount,
            CertificateScanChunk::getIsLast)
        .containsExactly(
            tuple(taskId, 0, 500, false),
            tuple(taskId, 1, 500, false),
            tuple(taskId, 2, 100, true));
    CertificateScanChunk last = chunks.getLast();
    assertThat(last.getFilesScanned()).isEqualTo(12);
    assertThat(last.getFilesSkipped()).isEqualTo(1);
    assertThat(last.getServicesProbed()).isEqualTo(1);
    assertThat(last.getServicesWithCertificates()).isZero();
    assertThat(last.getTruncated()).isFalse();
    assertThat(chunks.getFirst().getFilesScanned()).isZero();
    Map<?, ?> answer = (Map<?, ?>) Json.parse(result.getResultJson());
    assertThat(answer.get("certificates")).isEqualTo(1100L);
    assertThat(answer.get("files_scanned")).isEqualTo(12L);
    assertThat(answer.get("files_skipped")).isEqualTo(1L);
    assertThat(answer.get("services_probed")).isEqualTo(1L);
    assertThat(answer.get("truncated")).isEqualTo(false);
  }

  @Test
  void aScanThatFindsNothingIsStillSentSoTheHostsOldCertificatesGo() throws Exception {
    String taskId = UUID.randomUUID().toString();
    start(settings(true));

    runner.arrived(aTask(taskId, "certificate_scan"));

    assertThat(server.awaitResult(taskId).getExitCode()).isZero();
    List<CertificateScanChunk> chunks = ingest.awaitScans(1).getFirst();
    assertThat(chunks).hasSize(1);
    assertThat(chunks.getFirst().getIsLast()).isTrue();
    assertThat(chunks.getFirst().getCertificatesCount()).isZero();
  }

  @Test
  void failsWithIngestsReasonWhenTheScanIsNotStored() throws Exception {
    ingest.refuse("certificate 0: fingerprint_sha256 is 64 lower-case hex digits");
    Files.writeString(
        certificates.resolve("site.pem"), aCertificate("CN=site").withEcKey().selfSigned().pem());
    String taskId = UUID.randomUUID().toString();
    start(settings(true));

    runner.arrived(aTask(taskId, "certificate_scan"));
    AgentTaskResult result = server.awaitResult(taskId);

    assertThat(result.getExitCode()).isEqualTo(1);
    assertThat(result.getError())
        .isEqualTo(
            "ingest did not store the scan: INVALID_ARGUMENT: certificate 0: fingerprint_sha256"
                + " is 64 lower-case hex digits");
  }

  @Test
  void refusesToScanWhereDiscoveryIsDisabledAndSaysWhere() throws Exception {
    String taskId = UUID.randomUUID().toString();
    start(settings(false));

    runner.arrived(aTask(taskId, "certificate_scan"));
    AgentTaskResult result = server.awaitResult(taskId);

    assertThat(result.getExitCode()).isEqualTo(1);
    assertThat(result.getError())
        .isEqualTo(
            "certificate discovery is disabled on this host ([certificates] enabled = false in"
                + " agent.toml)");
    assertThat(ingest.scans()).isEmpty();
  }

  private void start(CertificateSettings settings) {
    CertificateDiscovery discovery =
        new CertificateDiscovery(
            settings, ingest::stub, () -> "this-host.example", Clock.systemUTC(), () -> {});
    runner =
        new TaskRunner(
            TaskTypes.of(TaskTypes.certificateScan(discovery)),
            outbox,
            Clock.systemUTC(),
            ingest::stub,
            TestTaskTypes.hostActions(),
            () -> {},
            () -> {});
    runner.start();
  }

  /** Only the test's directory, and one TLS port where nothing listens (refused at once). */
  private CertificateSettings settings(boolean enabled) throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    return new CertificateSettings(
        enabled,
        List.of(certificates),
        true,
        List.of(closedPort),
        Optional.empty(),
        Duration.ofHours(6),
        1024 * 1024,
        CertificateSettings.MAX_CERTIFICATES);
  }

  private static KeyPair ecKeys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }
}
