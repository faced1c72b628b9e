package io.ctops.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevTlsCommandTest {
  @TempDir Path dir;

  @Test
  void writesAServerCertificateForLoopbackAndThisHostWithAPrivateKey() throws Exception {
    Path out = dir.resolve("tls");

    Ctops.Run run =
        Ctops.run(Map.of(), "dev-tls", "--out", out.toString(), "--hostname", "ingest.lab");

    assertThat(run.exitCode()).as(run.err()).isZero();
    X509Certificate certificate;
    try (InputStream in = Files.newInputStream(out.resolve("server.crt"))) {
      certificate =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    certificate.checkValidity();
    assertThat(certificate.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1");
    assertThat(certificate.getSubjectAlternativeNames())
        .contains(List.of(2, "localhost"), List.of(2, "ingest.lab"), List.of(7, "127.0.0.1"));
    Path keyFile = out.resolve("server.key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)))
        .isEqualTo("rw-------");
    String pem = Files.readString(keyFile);
    assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----");
    PrivateKey key =
        KeyFactory.getInstance("EC")
            .generatePrivate(
                new PKCS8EncodedKeySpec(
                    Base64.getMimeDecoder()
                        .decode(pem.replaceAll("-----[A-Z ]+-----", "").strip())));
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(key);
    signer.update(new byte[] {1, 2, 3});
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(new byte[] {1, 2, 3});
    assertThat(verifier.verify(signature)).as("key matches certificate").isTrue();
    assertThat(run.out()).contains("ca_cert_file", "INGEST_TLS_CERT=");
  }

  @Test
  void keepsExistingFilesUnlessForced() throws Exception {
    Path out = dir.resolve("tls");
    Ctops.run(Map.of(), "dev-tls", "--out", out.toString());
    String before = Files.readString(out.resolve("server.crt"));

    Ctops.Run again = Ctops.run(Map.of(), "dev-tls", "--out", out.toString());
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.err()).contains("already exists; use --force");
    assertThat(Files.readString(out.resolve("server.crt"))).isEqualTo(before);

    Ctops.Run forced = Ctops.run(Map.of(), "dev-tls", "--out", out.toString(), "--force");
    assertThat(forced.exitCode()).isZero();
    assertThat(Files.readString(out.resolve("server.crt"))).isNotEqualTo(before);
  }
}
