package io.ctops.agent.certificates;

import static io.ctops.agent.testing.TestCertificates.aCertificate;
import static io.ctops.protocol.v1.PrivateKeyMatch.PRIVATE_KEY_DOES_NOT_MATCH;
import static io.ctops.protocol.v1.PrivateKeyMatch.PRIVATE_KEY_MATCHES;
import static io.ctops.protocol.v1.PrivateKeyMatch.PRIVATE_KEY_NOT_FOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ctops.agent.testing.TestCertificates.Issued;
import io.ctops.protocol.v1.DiscoveredCertificate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file half of discovery, on real directory trees. */
class CertificateFilesTest {
  private static final int ONE_MIB = 1024 * 1024;

  private static final Issued AUTHORITY = aCertificate("CN=Test CA").authority().selfSigned();
  private static final Issued SITE =
      aCertificate("CN=site.example").withDns("site.example").signedBy(AUTHORITY);
  private static final Issued OTHER = aCertificate("CN=other.example").withEcKey().selfSigned();

  @TempDir Path root;

  @Test
  void findsLetsEncryptsChainsUnderTheLiveNamesWithTheKeyBesideThem() throws Exception {
    Path archive = Files.createDirectories(root.resolve("letsencrypt/archive/site.example"));
    Files.writeString(archive.resolve("cert1.pem"), SITE.pem());
    Files.writeString(archive.resolve("chain1.pem"), AUTHORITY.pem());
    Files.writeString(archive.resolve("fullchain1.pem"), TestPem.chain(SITE, AUTHORITY));
    Files.writeString(archive.resolve("privkey1.pem"), TestPem.pkcs8(SITE.keys().getPrivate()));
    Path live = Files.createDirectories(root.resolve("letsencrypt/live/site.example"));
    for (String name : new String[] {"cert", "chain", "fullchain", "privkey"}) {
      Files.createSymbolicLink(
          live.resolve(name + ".pem"), Path.of("../../archive/site.example/" + name + "1.pem"));
    }

    ScanReport report = scan(root.resolve("letsencrypt/live"));

    assertThat(report.certificates())
        .extracting(
            DiscoveredCertificate::getLocation,
            DiscoveredCertificate::getChainPosition,
            DiscoveredCertificate::getSubject,
            DiscoveredCertificate::getPrivateKey)
        .containsExactlyInAnyOrder(
            tuple(live + "/cert.pem", 0, "CN=site.example", PRIVATE_KEY_MATCHES),
            tuple(live + "/chain.pem", 0, "CN=Test CA", PRIVATE_KEY_NOT_FOUND),
            tuple(live + "/fullchain.pem", 0, "CN=site.example", PRIVATE_KEY_MATCHES),
            tuple(live + "/fullchain.pem", 1, "CN=Test CA", PRIVATE_KEY_NOT_FOUND));
    assertThat(report.certificates()).allMatch(c -> c.getSource().equals("file"));
    // the key is read, but it is no certificate and nothing is wrong with it
    assertThat(report.filesScanned()).isEqualTo(4);
    assertThat(report.filesSkipped()).isZero();
  }

  @Test
  void tellsAKeyThatBelongsToAnotherCertificateFromOneInTheSameFile() throws Exception {
    Path nginx = Files.createDirectories(root.resolve("nginx/ssl"));
    Files.writeString(nginx.resolve("site.crt"), SITE.pem());
    Files.writeString(nginx.resolve("site.key"), TestPem.traditional(OTHER.keys().getPrivate()));
    Path haproxy = Files.createDirectories(root.resolve("haproxy"));
    Files.writeString(
        haproxy.resolve("site.pem"), SITE.pem() + TestPem.traditional(SITE.keys().getPrivate()));

    ScanReport report = scan(root);

    assertThat(report.certificates())
        .extracting(DiscoveredCertificate::getLocation, DiscoveredCertificate::getPrivateKey)
        .containsExactlyInAnyOrder(
            tuple(nginx.resolve("site.crt").toString(), PRIVATE_KEY_DOES_NOT_MATCH),
            tuple(haproxy.resolve("site.pem").toString(), PRIVATE_KEY_MATCHES));
  }

  @Test
  void readsADerCertificateByItsContentWhateverItsName() throws Exception {
    Files.write(root.resolve("server-certificate"), OTHER.certificate().getEncoded());
    // a DER key is one SEQUENCE too, but no certificate; a config file is neither
    Files.write(root.resolve("server.key"), OTHER.keys().getPrivate().getEncoded());
    Files.writeString(root.resolve("site.conf"), "ssl_certificate /etc/ssl/site.crt;\n");

    ScanReport report = scan(root);

    assertThat(report.certificates()).hasSize(1);
    DiscoveredCertificate der = report.certificates().getFirst();
    assertThat(der.getLocation()).isEqualTo(root.resolve("server-certificate").toString());
    assertThat(der.getSubject()).isEqualTo("CN=other.example");
    assertThat(der.getKeyAlgorithm()).isEqualTo("EC");
    assertThat(der.getIsSelfSigned()).isTrue();
    assertThat(report.filesScanned()).isEqualTo(3);
    assertThat(report.filesSkipped()).isZero();
  }

  @Test
  void skipsAndCountsMalformedCertificateFilesAndGoesOn() throws Exception {
    String pem = SITE.pem();
    // a block whose body is cut short: valid base64 of half a certificate
    String cut = pem.substring(0, pem.length() / 2) + "\n-----END CERTIFICATE-----\n";
    Files.writeString(root.resolve("a-cut.pem"), cut);
    Files.writeString(root.resolve("b-garbage.crt"), "not a certificate at all\n");
    Files.writeString(root.resolve("c-good.pem"), pem);

    ScanReport report = scan(root);

    assertThat(report.certificates())
        .extracting(DiscoveredCertificate::getLocation)
        .containsExactly(root.resolve("c-good.pem").toString());
    assertThat(report.filesScanned()).isEqualTo(3);
    assertThat(report.filesSkipped()).isEqualTo(2);
  }

  @Test
  void skipsAndCountsAFileLargerThanTheLimitWithoutReadingIt() throws Exception {
    byte[] padding = new byte[ONE_MIB];
    Arrays.fill(padding, (byte) '#');
    Files.write(
        root.resolve("huge.pem"),
        (SITE.pem() + new String(padding, StandardCharsets.US_ASCII))
            .getBytes(StandardCharsets.US_ASCII));
    Files.writeString(root.resolve("small.pem"), OTHER.pem());

    ScanReport report = scan(root);

    assertThat(report.certificates())
        .extracting(DiscoveredCertificate::getSubject)
        .containsExactly("CN=other.example");
    assertThat(report.filesSkipped()).isEqualTo(1);
    assertThat(report.filesScanned()).isEqualTo(1);
  }

  @Test
  void leavesTheSystemTrustStoreOutUnlessAskedToReadIt() throws Exception {
    Path certs = Files.createDirectories(root.resolve("ssl/certs"));
    Files.writeString(certs.resolve("ca-certificates.crt"), TestPem.chain(AUTHORITY, OTHER));
    Files.writeString(certs.resolve("site.pem"), SITE.pem());
    // c_rehash's second name for a certificate beside it
    Files.createSymbolicLink(certs.resolve("0a1b2c3d.0"), Path.of("site.pem"));
    Path pki = Files.createDirectories(root.resolve("pki/tls/certs"));
    Files.writeString(pki.resolve("ca-bundle.trust.crt"), AUTHORITY.pem());

    ScanReport skipping = scan(root);
    ScanReport everything = scan(root, false);

    assertThat(skipping.certificates())
        .extracting(DiscoveredCertificate::getLocation)
        .containsExactly(certs.resolve("site.pem").toString());
    assertThat(everything.certificates())
        .extracting(DiscoveredCertificate::getLocation)
        .containsExactlyInAnyOrder(
            certs.resolve("ca-certificates.crt").toString(),
            certs.resolve("ca-certificates.crt").toString(),
            certs.resolve("site.pem").toString(),
            certs.resolve("0a1b2c3d.0").toString(),
            pki.resolve("ca-bundle.trust.crt").toString());
  }

  @Test
  void skipsLinksIntoTheSystemsCertificateStore() throws Exception {
    Path store = Path.of("/usr/share/ca-certificates");
    assumeTrue(Files.isDirectory(store), "this machine has no Debian-style CA store");
    Path shipped;
    try (var files = Files.walk(store)) {
      shipped = files.filter(Files::isRegularFile).findFirst().orElseThrow();
    }
    Files.createSymbolicLink(root.resolve("Some_Root_CA.pem"), shipped);
    Files.writeString(root.resolve("site.pem"), SITE.pem());

    assertThat(scan(root).certificates())
        .extracting(DiscoveredCertificate::getLocation)
        .containsExactly(root.resolve("site.pem").toString());
    assertThat(scan(root, false).certificates()).hasSize(2);
  }

  @Test
  void endsOnLinkLoopsAndDoesNotEnterLinkedDirectories() throws Exception {
    Path deep = Files.createDirectories(root.resolve("a/b"));
    Files.writeString(deep.resolve("site.pem"), SITE.pem());
    Files.createSymbolicLink(deep.resolve("up"), Path.of("../.."));
    Files.createSymbolicLink(root.resolve("a/self"), Path.of("."));
    Files.createSymbolicLink(root.resolve("a/x"), Path.of("y"));
    Files.createSymbolicLink(root.resolve("a/y"), Path.of("x"));

    ScanReport report = scan(root);

    assertThat(report.certificates())
        .extracting(DiscoveredCertificate::getLocation)
        .containsExactly(deep.resolve("site.pem").toString());
  }

  @Test
  void readsAConfiguredPathThatIsItselfALinkUnderItsOwnName() throws Exception {
    Path real = Files.createDirectories(root.resolve("real/ssl"));
    Files.writeString(real.resolve("site.pem"), SITE.pem());
    Path linked = Files.createSymbolicLink(root.resolve("ssl"), real);

    assertThat(scan(linked).certificates())
        .extracting(DiscoveredCertificate::getLocation)
        .containsExactly(linked.resolve("site.pem").toString());
  }

  @Test
  void reportsTheSameCertificateInOneFileOnce() throws Exception {
    Files.writeString(root.resolve("twice.pem"), TestPem.chain(OTHER, OTHER));

    assertThat(scan(root).certificates()).hasSize(1);
  }

  private static ScanReport scan(Path path) {
    return scan(path, true);
  }

  private static ScanReport scan(Path path, boolean skipTrustBundles) {
    Findings findings = new Findings(5_000);
    new CertificateFiles(List.of(path), skipTrustBundles, ONE_MIB).scan(findings);
    return findings.report(0);
  }
}
