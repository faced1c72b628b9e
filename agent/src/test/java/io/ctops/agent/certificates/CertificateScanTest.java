package io.ctops.agent.certificates;

import static io.ctops.agent.testing.TestCertificates.aCertificate;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.config.CertificateSettings;
import io.ctops.agent.ports.ListeningPorts;
import io.ctops.agent.testing.TestCertificates.Issued;
import io.ctops.protocol.v1.DiscoveredCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole scan: files and services together, within the per-host bound. */
class CertificateScanTest {
  private static final int PER_FILE = 50;
  private static List<Issued> many;

  @TempDir Path root;
  @TempDir Path proc;

  @BeforeAll
  static void makeManyCertificates() throws Exception {
    // One key for all: signing is quick, generating thousands of keys is not.
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = generator.generateKeyPair();
    many =
        IntStream.range(0, CertificateSettings.MAX_CERTIFICATES + PER_FILE)
            .mapToObj(i -> aCertificate("CN=host-" + i + ".example").withKeys(keys).selfSigned())
            .toList();
  }

  @Test
  void findsFilesAndServicesInOneScan() throws Exception {
    Issued authority = aCertificate("CN=Test CA").authority().selfSigned();
    Issued site = aCertificate("CN=web.example").withEcKey().signedBy(authority);
    Files.writeString(root.resolve("site.pem"), TestPem.chain(site, authority));
    try (TestServices https = TestServices.tls(site, authority)) {
      CertificateSettings settings =
          settings(List.of(https.port()), CertificateSettings.MAX_CERTIFICATES);

      ScanReport report = scan(settings);

      assertThat(report.certificates())
          .extracting(DiscoveredCertificate::getLocation)
          .containsExactly(
              root.resolve("site.pem").toString(),
              root.resolve("site.pem").toString(),
              "127.0.0.1:" + https.port(),
              "127.0.0.1:" + https.port());
      assertThat(https.serverNames()).containsExactly("this-host.example");
      assertThat(report.filesScanned()).isEqualTo(1);
      assertThat(report.servicesProbed()).isEqualTo(1);
      assertThat(report.truncated()).isFalse();
    }
  }

  @Test
  void stopsAtFiveThousandCertificatesAndSaysTheScanWasCut() throws Exception {
    write(many);

    ScanReport report = scan(settings(List.of(), CertificateSettings.MAX_CERTIFICATES));

    assertThat(report.certificates()).hasSize(5_000);
    assertThat(report.certificates())
        .extracting(DiscoveredCertificate::getFingerprintSha256)
        .doesNotHaveDuplicates();
    assertThat(report.truncated()).isTrue();
  }

  @Test
  void exactlyTheBoundIsNotACutScan() throws Exception {
    write(many.subList(0, 2 * PER_FILE));

    ScanReport report = scan(settings(List.of(), 2 * PER_FILE));

    assertThat(report.certificates()).hasSize(2 * PER_FILE);
    assertThat(report.truncated()).isFalse();
  }

  @Test
  void aBundleOfMoreThanAHundredCertificatesStaysWithinTheChainPositionsIngestStores()
      throws Exception {
    Files.writeString(
        root.resolve("bundle.pem"), TestPem.chain(many.subList(0, 120).toArray(Issued[]::new)));

    ScanReport report = scan(settings(List.of(), CertificateSettings.MAX_CERTIFICATES));

    assertThat(report.certificates()).hasSize(120);
    assertThat(report.certificates().get(99).getChainPosition()).isEqualTo(99);
    assertThat(report.certificates())
        .extracting(DiscoveredCertificate::getChainPosition)
        .allMatch(position -> position <= Discovered.MAX_CHAIN_POSITION);
  }

  private void write(List<Issued> certificates) throws Exception {
    for (int from = 0; from < certificates.size(); from += PER_FILE) {
      List<Issued> part =
          certificates.subList(from, Math.min(certificates.size(), from + PER_FILE));
      Files.writeString(
          root.resolve(String.format("part-%03d.pem", from / PER_FILE)),
          TestPem.chain(part.toArray(Issued[]::new)));
    }
  }

  private CertificateSettings settings(List<Integer> tlsPorts, int maxCertificates) {
    return new CertificateSettings(
        true,
        List.of(root),
        true,
        tlsPorts,
        Optional.empty(),
        Duration.ofHours(6),
        1024 * 1024,
        maxCertificates);
  }

  private ScanReport scan(CertificateSettings settings) throws InterruptedException {
    // an empty /proc: no listening sockets but the configured ports
    return new CertificateScan(settings, new ListeningPorts(proc), () -> "this-host.example").run();
  }
}
