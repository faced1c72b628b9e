package io.ctops.agent.certificates;

import static io.ctops.agent.testing.TestCertificates.aCertificate;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.testing.TestCertificates.Issued;
import io.ctops.agent.text.Utf8;
import io.ctops.protocol.v1.DiscoveredCertificate;
import io.ctops.protocol.v1.PrivateKeyMatch;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A certificate on the wire stays within what ingest stores: ingest refuses a whole scan for one
 * field it cannot store, so a strange certificate must never cost the host its others.
 */
class DiscoveredTest {
  @Test
  void carriesTheFactsThePlaceAndTheKeyMatch() {
    Issued issued = aCertificate("CN=a.example").withEcKey().withDns("a.example").selfSigned();

    DiscoveredCertificate wire =
        Discovered.of(
                issued.certificate(),
                Discovered.FILE,
                "/etc/ssl/a.pem",
                0,
                PrivateKeyMatch.PRIVATE_KEY_MATCHES)
            .orElseThrow();

    CertificateFacts facts = CertificateFacts.of(issued.certificate());
    assertThat(wire.getFingerprintSha256()).isEqualTo(facts.fingerprintSha256()).hasSize(64);
    assertThat(wire.getSubject()).isEqualTo("CN=a.example");
    assertThat(wire.getSansList()).containsExactly("a.example");
    assertThat(wire.getNotAfterUnix()).isEqualTo(facts.notAfter().getEpochSecond());
    assertThat(wire.getNotBeforeUnix()).isEqualTo(facts.notBefore().getEpochSecond());
    assertThat(wire.getKeyAlgorithm()).isEqualTo("EC");
    assertThat(wire.getKeySizeBits()).isEqualTo(256);
    assertThat(wire.getSignatureAlgorithm()).isEqualTo("SHA256withECDSA");
    assertThat(wire.getIsSelfSigned()).isTrue();
    assertThat(wire.getSource()).isEqualTo("file");
    assertThat(wire.getLocation()).isEqualTo("/etc/ssl/a.pem");
    assertThat(wire.getPrivateKey()).isEqualTo(PrivateKeyMatch.PRIVATE_KEY_MATCHES);
  }

  @Test
  void cutsNamesIngestCannotStoreAndDropsEmptyAlternativeNames() {
    // each attribute within its RFC 5280 bound, the name as a whole far past ingest's
    String longName =
        "CN=long.example,"
            + IntStream.range(0, 100)
                .mapToObj(i -> "OU=unit " + i + " " + "x".repeat(50))
                .collect(Collectors.joining(","));
    Issued issued = aCertificate(longName).withEcKey().withDns("", "ok.example").selfSigned();

    DiscoveredCertificate wire =
        Discovered.of(issued.certificate(), Discovered.TLS, "127.0.0.1:443", 0, none())
            .orElseThrow();

    assertThat(Utf8.length(wire.getSubject())).isLessThanOrEqualTo(Discovered.MAX_TEXT_BYTES);
    assertThat(wire.getSubject()).contains("OU=unit ").endsWith("…");
    assertThat(wire.getSansList()).containsExactly("ok.example");
  }

  @Test
  void replacesNulSincePostgresTextCannotHoldIt() {
    assertThat(Discovered.text("CN=evil\0name")).isEqualTo("CN=evil\uFFFDname");
  }

  @Test
  void leavesOutACertificateThatExpiredBefore1970() {
    Issued ancient =
        aCertificate("CN=ancient")
            .withEcKey()
            .validBetween(
                Instant.parse("1960-01-01T00:00:00Z"), Instant.parse("1965-01-01T00:00:00Z"))
            .selfSigned();

    assertThat(Discovered.of(ancient.certificate(), Discovered.FILE, "/x.pem", 0, none()))
        .isEqualTo(Optional.empty());
  }

  private static PrivateKeyMatch none() {
    return PrivateKeyMatch.PRIVATE_KEY_NOT_FOUND;
  }
}
