package io.ctops.agent.certificates;

import static io.ctops.agent.testing.TestCertificates.aCertificate;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.testing.TestCertificates.Issued;
import io.ctops.agent.text.Json;
import io.ctops.agent.text.Utf8;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

class CertificateFactsTest {
  private static final Instant FROM = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant TO = Instant.parse("2026-04-01T12:30:00Z");

  @Test
  void describesASelfSignedRsaCertificateUnderTheOriginalAgentsFieldNames() throws Exception {
    Issued issued =
        aCertificate("CN=a.example,O=Example")
            .withDns("a.example", "www.a.example")
            .withIp("10.0.0.1")
            .validBetween(FROM, TO)
            .selfSigned();

    Map<?, ?> json = parse(CertificateFacts.json(facts(issued), Map.of(), List.of(), 4096));

    String subject = issued.certificate().getSubjectX500Principal().getName(X500Principal.RFC2253);
    assertThat(subject).contains("CN=a.example").contains("O=Example");
    assertThat(json.get("subject")).isEqualTo(subject);
    assertThat(json.get("issuer")).isEqualTo(subject);
    assertThat(json.get("sans")).isEqualTo(List.of("a.example", "www.a.example", "10.0.0.1"));
    assertThat(json.get("serial_number"))
        .isEqualTo(issued.certificate().getSerialNumber().toString(16));
    assertThat(json.get("not_before")).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(json.get("not_after")).isEqualTo("2026-04-01T12:30:00Z");
    assertThat(json.get("fingerprint_sha256")).isEqualTo(sha256(issued));
    assertThat(json.get("key_algorithm")).isEqualTo("RSA");
    assertThat(json.get("key_size")).isEqualTo(2048L);
    assertThat(json.get("signature_algorithm")).isEqualTo("SHA256withRSA");
    assertThat(json.get("is_self_signed")).isEqualTo(true);
    assertThat(json.get("chain")).isEqualTo(List.of());
    assertThat(json.containsKey("sans_truncated")).isFalse();
  }

  @Test
  void describesAnEcLeafSignedByAnAuthorityAndTheChainAfterTheContext() throws Exception {
    Issued authority = aCertificate("CN=Example CA").authority().selfSigned();
    Issued leaf = aCertificate("CN=b.example").withEcKey().withDns("b.example").signedBy(authority);

    Map<?, ?> json =
        parse(
            CertificateFacts.json(
                facts(leaf),
                Map.of("file_path", "/etc/ssl/b.pem"),
                List.of(facts(authority)),
                4096));

    assertThat(json.get("key_algorithm")).isEqualTo("EC");
    assertThat(json.get("key_size")).isEqualTo(256L);
    assertThat(json.get("signature_algorithm")).isEqualTo("SHA256withRSA");
    assertThat(json.get("is_self_signed")).isEqualTo(false);
    assertThat(json.get("issuer")).isEqualTo("CN=Example CA");
    assertThat(json.get("file_path")).isEqualTo("/etc/ssl/b.pem");
    List<?> chain = (List<?>) json.get("chain");
    assertThat(chain).hasSize(1);
    Map<?, ?> ca = (Map<?, ?>) chain.getFirst();
    assertThat(ca.get("subject")).isEqualTo("CN=Example CA");
    assertThat(ca.get("is_self_signed")).isEqualTo(true);
    assertThat(ca.get("fingerprint_sha256")).isEqualTo(sha256(authority));
    assertThat(ca.containsKey("chain")).isFalse();
  }

  @Test
  void dropsChainEntriesFromTheEndBeforeCuttingAnyName() throws Exception {
    Issued authority = aCertificate("CN=Root").authority().selfSigned();
    List<CertificateFacts> chain =
        IntStream.range(0, 12)
            .mapToObj(
                i ->
                    facts(
                        aCertificate("CN=Intermediate " + i + ",O=" + "Long Name ".repeat(8))
                            .authority()
                            .signedBy(authority)))
            .toList();
    CertificateFacts leaf = facts(aCertificate("CN=c.example").withDns("c.example").selfSigned());

    String text = CertificateFacts.json(leaf, Map.of("host", "c.example"), chain, 4096);

    assertThat(Utf8.length(text)).isLessThanOrEqualTo(4096);
    Map<?, ?> json = parse(text);
    List<?> kept = (List<?>) json.get("chain");
    assertThat(kept).isNotEmpty().hasSizeLessThan(12);
    for (int i = 0; i < kept.size(); i++) {
      assertThat(((Map<?, ?>) kept.get(i)).get("subject").toString())
          .endsWith("CN=Intermediate " + i);
    }
    assertThat(json.get("sans")).isEqualTo(List.of("c.example"));
    assertThat(json.containsKey("sans_truncated")).isFalse();
  }

  @Test
  void cutsTheLeafsNamesOnceTheChainIsGoneAndSaysSo() throws Exception {
    String[] names =
        IntStream.range(0, 400).mapToObj(i -> "host-" + i + ".d.example").toArray(String[]::new);
    Issued authority = aCertificate("CN=Root").authority().selfSigned();
    CertificateFacts leaf = facts(aCertificate("CN=d.example").withDns(names).signedBy(authority));

    String text = CertificateFacts.json(leaf, Map.of(), List.of(facts(authority)), 4096);

    assertThat(Utf8.length(text)).isLessThanOrEqualTo(4096);
    Map<?, ?> json = parse(text);
    assertThat(json.get("chain")).isEqualTo(List.of());
    assertThat(json.get("sans_truncated")).isEqualTo(true);
    List<?> sans = (List<?>) json.get("sans");
    assertThat(sans).isNotEmpty().hasSizeLessThan(400);
    assertThat(sans).isEqualTo(List.of(names).subList(0, sans.size()));
    // The most that fit: one more name would not.
    assertThat(Utf8.length(text) + names[sans.size()].length() + 3).isGreaterThan(4096);
  }

  @Test
  void isValidOnlyWithinItsPeriod() {
    CertificateFacts facts =
        facts(aCertificate("CN=e.example").validBetween(FROM, TO).selfSigned());

    assertThat(facts.isValidAt(FROM.minusSeconds(1))).isFalse();
    assertThat(facts.isValidAt(FROM)).isTrue();
    assertThat(facts.isValidAt(TO)).isTrue();
    assertThat(facts.isValidAt(TO.plusSeconds(1))).isFalse();
    assertThat(
            facts(aCertificate("CN=f").validFor(Duration.ofDays(1)).selfSigned())
                .isValidAt(Instant.now().truncatedTo(ChronoUnit.SECONDS)))
        .isTrue();
  }

  @Test
  void writesANegativeSerialAsTheHexOfItsEncodingSoEverySerialIsPlainHex() {
    Issued negative =
        aCertificate("CN=old.example")
            .withEcKey()
            .withSerial(BigInteger.valueOf(-0x1234))
            .selfSigned();
    Issued positive =
        aCertificate("CN=new.example")
            .withEcKey()
            .withSerial(new BigInteger("00ff01", 16))
            .selfSigned();

    assertThat(facts(negative).serialNumber()).isEqualTo("edcc");
    assertThat(facts(positive).serialNumber()).isEqualTo("ff01");
  }

  private static CertificateFacts facts(Issued issued) {
    return CertificateFacts.of(issued.certificate());
  }

  private static Map<?, ?> parse(String json) throws Json.SyntaxException {
    return (Map<?, ?>) Json.parse(json);
  }

  private static String sha256(Issued issued) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(issued.certificate().getEncoded()));
  }
}
