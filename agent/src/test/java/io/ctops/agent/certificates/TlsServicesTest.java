package io.ctops.agent.certificates;

import static io.ctops.agent.testing.TestCertificates.aCertificate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.ctops.agent.certificates.TlsServices.Target;
import io.ctops.agent.testing.TestCertificates.Issued;
import io.ctops.protocol.v1.DiscoveredCertificate;
import io.ctops.protocol.v1.PortInfo;
import io.ctops.protocol.v1.PrivateKeyMatch;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The TLS half of discovery, against servers the test runs on loopback. */
class TlsServicesTest {
  private static final Issued AUTHORITY = aCertificate("CN=Test CA").authority().selfSigned();
  private static final Issued SITE =
      aCertificate("CN=web.example").withEcKey().withDns("web.example").signedBy(AUTHORITY);

  @Test
  void readsTheChainATlsServiceServesAskingForTheServerName() throws Exception {
    try (TestServices https = TestServices.tls(SITE, AUTHORITY)) {
      Findings findings = new Findings(5_000);

      TlsServices.probe(
          TlsServices.targets(List.of(), List.of(https.port())),
          Optional.of("web.example"),
          findings);

      ScanReport report = findings.report(0);
      String location = "127.0.0.1:" + https.port();
      assertThat(report.certificates())
          .extracting(
              DiscoveredCertificate::getSource,
              DiscoveredCertificate::getLocation,
              DiscoveredCertificate::getChainPosition,
              DiscoveredCertificate::getSubject,
              DiscoveredCertificate::getPrivateKey)
          .containsExactly(
              tuple("tls", location, 0, "CN=web.example", PrivateKeyMatch.PRIVATE_KEY_NOT_FOUND),
              tuple("tls", location, 1, "CN=Test CA", PrivateKeyMatch.PRIVATE_KEY_NOT_FOUND));
      assertThat(report.certificates().getFirst().getSansList()).containsExactly("web.example");
      assertThat(report.servicesProbed()).isEqualTo(1);
      assertThat(report.servicesWithCertificates()).isEqualTo(1);
      assertThat(https.serverNames()).containsExactly("web.example");
    }
  }

  @Test
  void countsPortsThatDoNotSpeakTlsAsProbedAndGivesUpOnSilentOnesInTime() throws Exception {
    try (TestServices ssh = TestServices.banner();
        TestServices silent = TestServices.silent();
        TestServices https = TestServices.tls(SITE, AUTHORITY)) {
      Findings findings = new Findings(5_000);
      long started = System.nanoTime();

      TlsServices.probe(
          TlsServices.targets(List.of(), List.of(ssh.port(), silent.port(), https.port())),
          Optional.of("web.example"),
          findings);

      Duration took = Duration.ofNanos(System.nanoTime() - started);
      ScanReport report = findings.report(0);
      assertThat(report.servicesProbed()).isEqualTo(3);
      assertThat(report.servicesWithCertificates()).isEqualTo(1);
      assertThat(report.certificates())
          .extracting(DiscoveredCertificate::getLocation)
          .containsOnly("127.0.0.1:" + https.port());
      // the silent port is given up on after the handshake timeout, not waited for forever
      assertThat(took).isLessThan(TlsServices.TIMEOUT.multipliedBy(2).plusSeconds(1));
    }
  }

  @Test
  void reachesEachListeningPortOnceOnTheAddressItIsBoundTo() {
    List<PortInfo> listening =
        List.of(
            socket("tcp", "0.0.0.0", 443),
            socket("tcp6", "::", 443),
            socket("tcp6", "::", 8443),
            socket("tcp", "127.0.0.1", 5432),
            socket("tcp", "10.0.0.5", 636),
            socket("tcp", "10.0.0.6", 636),
            socket("tcp6", "::ffff:10.0.0.7", 993),
            socket("udp", "0.0.0.0", 53));

    assertThat(TlsServices.targets(listening, List.of()))
        .containsExactly(
            new Target("127.0.0.1", 443),
            new Target("10.0.0.5", 636),
            new Target("10.0.0.6", 636),
            new Target("10.0.0.7", 993),
            new Target("127.0.0.1", 5432),
            new Target("::1", 8443));
    assertThat(new Target("::1", 8443).location()).isEqualTo("[::1]:8443");
  }

  @Test
  void withConfiguredPortsProbesOnlyThoseEvenWhenTheTablesDoNotShowThem() {
    List<PortInfo> listening =
        List.of(socket("tcp", "0.0.0.0", 22), socket("tcp", "10.0.0.5", 8443));

    assertThat(TlsServices.targets(listening, List.of(8443, 9443)))
        .containsExactly(new Target("10.0.0.5", 8443), new Target("127.0.0.1", 9443));
  }

  private static PortInfo socket(String protocol, String address, int port) {
    return PortInfo.newBuilder().setProtocol(protocol).setAddress(address).setPort(port).build();
  }
}
