package io.ctops.server.certificates;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How certificates read on the pages, from names as agents and checks write them. */
class CertificateWordsTest {
  private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");

  @Test
  void theCommonNameComesOutOfEachWayOfWritingANameAndTheNameStaysWhenItHasNone() {
    assertThat(CertificateWords.commonName("CN=www.example.com,O=Example,C=GB"))
        .isEqualTo("www.example.com");
    assertThat(CertificateWords.commonName("CN=Doe\\, John,O=Example")).isEqualTo("Doe, John");
    assertThat(CertificateWords.commonName("/C=US/O=Let's Encrypt/CN=R3")).isEqualTo("R3");
    assertThat(CertificateWords.commonName("C = US, O = Example, CN = api.example.com"))
        .isEqualTo("api.example.com");
    assertThat(CertificateWords.commonName("O=No Common Name,C=GB"))
        .isEqualTo("O=No Common Name,C=GB");
    assertThat(CertificateWords.commonName("  ")).isEqualTo("(no name)");
  }

  @Test
  void expiryCountsWholeDaysAndHoursWithinTheLastDay() {
    assertThat(CertificateWords.expiry(NOW.plus(Duration.ofDays(10).plusHours(3)), NOW))
        .isEqualTo("expires in 10 days");
    assertThat(CertificateWords.expiry(NOW.plus(Duration.ofHours(25)), NOW))
        .isEqualTo("expires in 1 day");
    assertThat(CertificateWords.expiry(NOW.plus(Duration.ofHours(5)), NOW))
        .isEqualTo("expires in 5 hours");
    assertThat(CertificateWords.expiry(NOW.plus(Duration.ofMinutes(20)), NOW))
        .isEqualTo("expires within the hour");
    assertThat(CertificateWords.expiry(NOW.minus(Duration.ofMinutes(20)), NOW))
        .isEqualTo("expired within the hour");
    assertThat(CertificateWords.expiry(NOW.minus(Duration.ofHours(1)), NOW))
        .isEqualTo("expired 1 hour ago");
    assertThat(CertificateWords.expiry(NOW.minus(Duration.ofDays(3).plusHours(2)), NOW))
        .isEqualTo("expired 3 days ago");
  }

  @Test
  void keysFingerprintsAndDatesReadShort() {
    assertThat(CertificateWords.key("RSA", Optional.of(2048))).isEqualTo("RSA 2048");
    assertThat(CertificateWords.key("Ed25519", Optional.empty())).isEqualTo("Ed25519");
    assertThat(CertificateWords.key("", Optional.empty())).isEqualTo("—");
    assertThat(CertificateWords.shortFingerprint("0123456789abcdef".repeat(4)))
        .isEqualTo("0123456789abcdef…");
    assertThat(CertificateWords.date(Instant.parse("2025-12-31T23:30:00Z")))
        .isEqualTo("2025-12-31");
    assertThat(CertificateWords.privateKey(Optional.of("does_not_match")))
        .isEqualTo("does not match");
    assertThat(CertificateWords.privateKey(Optional.empty())).isEmpty();
  }
}
