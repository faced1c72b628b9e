package io.ctops.agent.certificates;

import static io.ctops.agent.testing.TestCertificates.aCertificate;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.config.CertificateSettings;
import io.ctops.agent.ports.ListeningPorts;
import io.ctops.agent.testing.CertificateIngest;
import io.ctops.protocol.v1.CertificateScanChunk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When discovery scans: on its schedule and on demand, never two scans at once. */
class CertificateDiscoveryTest {
  private final CertificateIngest ingest = new CertificateIngest();
  private final AtomicInteger scansEnded = new AtomicInteger();
  private CertificateDiscovery discovery;

  @TempDir Path root;
  @TempDir Path proc;

  CertificateDiscoveryTest() throws Exception {}

  @AfterEach
  void stop() throws Exception {
    if (discovery != null) {
      discovery.close();
    }
    ingest.close();
  }

  @Test
  void scansOnceTheStartDelayIsOverAndSendsTheScanUnderAFreshId() throws Exception {
    Files.writeString(
        root.resolve("site.pem"), aCertificate("CN=site").withEcKey().selfSigned().pem());
    discovery = discovery(settings(List.of()), Duration.ofMillis(200));

    discovery.start();
    List<CertificateScanChunk> scan = ingest.awaitScans(1).getFirst();

    assertThat(scan).hasSize(1);
    assertThat(UUID.fromString(scan.getFirst().getScanId())).isNotNull();
    assertThat(scan.getFirst().getCertificates(0).getSubject()).isEqualTo("CN=site");
    await(() -> scansEnded.get() == 1);
  }

  @Test
  void aScanAskedForDuringAScheduledOneWaitsForItThenScansAfresh() throws Exception {
    try (TestServices silent = TestServices.silent()) {
      // each scan holds the silent port for the handshake timeout
      discovery = discovery(settings(List.of(silent.port())), Duration.ZERO);
      discovery.start();
      await(() -> silent.accepted() == 1);

      CertificateDiscovery.Completed asked =
          discovery.scanNow(UUID.randomUUID().toString(), ingest.stub());

      assertThat(asked.isStored()).isTrue();
      assertThat(silent.accepted()).isEqualTo(2);
      assertThat(silent.mostOpenAtOnce()).isEqualTo(1);
      assertThat(ingest.awaitScans(2)).hasSize(2);
    }
  }

  @Test
  void doesNothingWhenDisabled() throws Exception {
    Files.writeString(
        root.resolve("site.pem"), aCertificate("CN=site").withEcKey().selfSigned().pem());
    CertificateSettings off =
        new CertificateSettings(
            false,
            List.of(root),
            true,
            List.of(),
            Optional.empty(),
            Duration.ofHours(6),
            1 << 20,
            10);
    discovery = discovery(off, Duration.ZERO);

    discovery.start();
    Thread.sleep(500);

    assertThat(discovery.isEnabled()).isFalse();
    assertThat(ingest.scans()).isEmpty();
  }

  private CertificateDiscovery discovery(CertificateSettings settings, Duration firstScanAfter) {
    return new CertificateDiscovery(
        settings,
        new ListeningPorts(proc),
        ingest::stub,
        () -> "this-host.example",
        Clock.systemUTC(),
        firstScanAfter,
        scansEnded::incrementAndGet);
  }

  private CertificateSettings settings(List<Integer> tlsPorts) {
    return new CertificateSettings(
        true,
        List.of(root),
        true,
        tlsPorts,
        Optional.empty(),
        Duration.ofHours(6),
        1024 * 1024,
        CertificateSettings.MAX_CERTIFICATES);
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(10);
    while (!condition.getAsBoolean()) {
      assertThat(Instant.now()).as("waited 10 s").isBefore(deadline);
      Thread.sleep(10);
    }
  }
}
