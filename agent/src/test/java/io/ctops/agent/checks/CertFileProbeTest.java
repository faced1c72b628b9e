package io.ctops.agent.checks;

import static io.ctops.agent.checks.CheckFixtures.config;
import static io.ctops.agent.testing.TestCertificates.aCertificate;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.testing.TestCertificates.Issued;
import io.ctops.agent.text.Json;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cert_file check against PEM, PKCS#12 and JKS files the test writes. */
class CertFileProbeTest {
  private static final Issued AUTHORITY =
      aCertificate("CN=Example CA").authority().validFor(Duration.ofDays(3650)).selfSigned();
  private static final Issued SERVER =
      aCertificate("CN=app.example").withDns("app.example").signedBy(AUTHORITY);

  @TempDir Path dir;
  private final CertFileProbe probe = new CertFileProbe(Clock.systemUTC());

  @Test
  void pemReportsTheFirstCertificateWithTheRestAsItsChainSkippingKeys() throws Exception {
    Path file = dir.resolve("app.pem");
    Files.writeString(
        file,
        "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
            + SERVER.pem()
            + AUTHORITY.pem());

    Outcome outcome = run("{\"file_path\": \"" + file + "\"}");

    assertThat(outcome.status()).isEqualTo(Outcome.Status.PASS);
    Map<?, ?> json = (Map<?, ?>) Json.parse(outcome.output());
    assertThat(json.get("subject")).isEqualTo("CN=app.example");
    assertThat(json.get("issuer")).isEqualTo("CN=Example CA");
    assertThat(json.get("file_path")).isEqualTo(file.toString());
    assertThat((List<?>) json.get("chain"))
        .singleElement()
        .satisfies(ca -> assertThat(((Map<?, ?>) ca).get("subject")).isEqualTo("CN=Example CA"));
  }

  @Test
  void pkcs12ReportsTheKeyEntryOrTheNamedAlias() throws Exception {
    Path file = keyStore("PKCS12", "app.p12", "s3cret");

    Outcome first =
        run("{\"file_path\": \"" + file + "\", \"format\": \"pkcs12\", \"password\": \"s3cret\"}");
    Outcome named =
        run(
            "{\"file_path\": \""
                + file
                + "\", \"format\": \"pkcs12\", \"password\": \"s3cret\", \"alias\": \"ca\"}");

    assertThat(first.status()).isEqualTo(Outcome.Status.PASS);
    assertThat(subject(first)).isEqualTo("CN=app.example");
    assertThat(subject(named)).isEqualTo("CN=Example CA");
  }

  @Test
  void jksReportsTheKeyEntryAndNamesTheEntriesWhenTheAliasIsMissing() throws Exception {
    Path file = keyStore("JKS", "app.jks", "changeit");

    Outcome first =
        run("{\"file_path\": \"" + file + "\", \"format\": \"jks\", \"password\": \"changeit\"}");
    Outcome missing =
        run(
            "{\"file_path\": \""
                + file
                + "\", \"format\": \"jks\", \"password\": \"changeit\", \"alias\": \"web\"}");

    assertThat(subject(first)).isEqualTo("CN=app.example");
    assertThat(missing.status()).isEqualTo(Outcome.Status.ERROR);
    assertThat(missing.output()).startsWith("no entry \"web\" in " + file + "; it has: ");
    assertThat(missing.output()).contains("server").contains("ca");
  }

  @Test
  void anExpiredCertificateFailsWithItsDescription() throws Exception {
    Issued expired =
        aCertificate("CN=old.example")
            .validBetween(
                Instant.now().minus(Duration.ofDays(400)), Instant.now().minus(Duration.ofDays(35)))
            .selfSigned();
    Path file = dir.resolve("old.pem");
    Files.writeString(file, expired.pem());

    Outcome outcome = run("{\"file_path\": \"" + file + "\"}");

    assertThat(outcome.status()).isEqualTo(Outcome.Status.FAIL);
    assertThat(subject(outcome)).isEqualTo("CN=old.example");
  }

  @Test
  void aFileThatCannotBeReadAsItsFormatIsAnErrorSayingWhy() throws Exception {
    Path garbled = dir.resolve("garbled.pem");
    Files.writeString(
        garbled, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
    Path text = dir.resolve("notes.pem");
    Files.writeString(text, "just some notes\n");
    Path store = keyStore("PKCS12", "locked.p12", "right");

    Outcome malformed = run("{\"file_path\": \"" + garbled + "\"}");
    Outcome noCertificate = run("{\"file_path\": \"" + text + "\"}");
    Outcome missing = run("{\"file_path\": \"" + dir.resolve("absent.pem") + "\"}");
    Outcome wrongPassword =
        run("{\"file_path\": \"" + store + "\", \"format\": \"pkcs12\", \"password\": \"wrong\"}");
    Outcome notAStore = run("{\"file_path\": \"" + text + "\", \"format\": \"pkcs12\"}");

    assertThat(List.of(malformed, noCertificate, missing, wrongPassword, notAStore))
        .allSatisfy(outcome -> assertThat(outcome.status()).isEqualTo(Outcome.Status.ERROR));
    assertThat(malformed.output())
        .startsWith("cannot read certificate 1 in " + garbled + ": not a valid certificate");
    assertThat(noCertificate.output())
        .isEqualTo("no PEM certificate (-----BEGIN CERTIFICATE-----) in " + text);
    assertThat(missing.output())
        .isEqualTo("cannot read " + dir.resolve("absent.pem") + ": no such file");
    assertThat(wrongPassword.output())
        .isEqualTo("cannot open " + store + " as PKCS12: wrong password");
    assertThat(notAStore.output()).startsWith("cannot open " + text + " as PKCS12: ");
  }

  private Path keyStore(String type, String name, String password) throws Exception {
    KeyStore store = KeyStore.getInstance(type);
    store.load(null, null);
    store.setCertificateEntry("ca", AUTHORITY.certificate());
    store.setKeyEntry(
        "server",
        SERVER.keys().getPrivate(),
        password.toCharArray(),
        new Certificate[] {SERVER.certificate(), AUTHORITY.certificate()});
    Path file = dir.resolve(name);
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, password.toCharArray());
    }
    return file;
  }

  private Outcome run(String json) {
    return probe.run((io.ctops.protocol.checks.CheckConfig.CertFile) config("cert_file", json));
  }

  private static String subject(Outcome outcome) throws Exception {
    return (String) ((Map<?, ?>) Json.parse(outcome.output())).get("subject");
  }
}
