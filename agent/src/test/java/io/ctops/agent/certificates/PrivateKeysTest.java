package io.ctops.agent.certificates;

import static io.ctops.agent.testing.TestCertificates.aCertificate;
import static io.ctops.protocol.v1.PrivateKeyMatch.PRIVATE_KEY_DOES_NOT_MATCH;
import static io.ctops.protocol.v1.PrivateKeyMatch.PRIVATE_KEY_MATCHES;
import static io.ctops.protocol.v1.PrivateKeyMatch.PRIVATE_KEY_NOT_FOUND;
import static io.ctops.protocol.v1.PrivateKeyMatch.PRIVATE_KEY_UNREADABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.ctops.agent.testing.TestCertificates.Issued;
import io.ctops.protocol.v1.PrivateKeyMatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whether the key beside a certificate is its own, for each kind of key and file OpenSSL writes.
 */
class PrivateKeysTest {
  private static final Issued RSA = aCertificate("CN=rsa.example").selfSigned();
  private static final Issued EC = aCertificate("CN=ec.example").withEcKey().selfSigned();
  private static final Issued ED25519 = aCertificate("CN=ed.example").withEd25519Key().selfSigned();
  private static final Issued OTHER_EC = aCertificate("CN=other.example").withEcKey().selfSigned();

  @TempDir Path dir;

  static Stream<Arguments> keyFiles() {
    Function<PrivateKey, String> pkcs8 = TestPem::pkcs8;
    Function<PrivateKey, String> traditional = TestPem::traditional;
    Function<PrivateKey, String> encrypted = TestPem::encryptedPkcs8;
    Function<PrivateKey, String> encryptedTraditional = TestPem::encryptedTraditional;
    return Stream.of(
        Arguments.of("RSA, PKCS#8", RSA, RSA, pkcs8, PRIVATE_KEY_MATCHES),
        Arguments.of("RSA, PKCS#1", RSA, RSA, traditional, PRIVATE_KEY_MATCHES),
        Arguments.of("EC, PKCS#8", EC, EC, pkcs8, PRIVATE_KEY_MATCHES),
        Arguments.of("EC, SEC1", EC, EC, traditional, PRIVATE_KEY_MATCHES),
        Arguments.of("Ed25519, PKCS#8", ED25519, ED25519, pkcs8, PRIVATE_KEY_MATCHES),
        Arguments.of("another EC key", EC, OTHER_EC, traditional, PRIVATE_KEY_DOES_NOT_MATCH),
        Arguments.of("an RSA key for EC", EC, RSA, pkcs8, PRIVATE_KEY_DOES_NOT_MATCH),
        Arguments.of("an EC key for RSA", RSA, EC, pkcs8, PRIVATE_KEY_DOES_NOT_MATCH),
        Arguments.of("an Ed25519 key for EC", EC, ED25519, pkcs8, PRIVATE_KEY_DOES_NOT_MATCH),
        Arguments.of("encrypted PKCS#8", RSA, RSA, encrypted, PRIVATE_KEY_UNREADABLE),
        Arguments.of("encrypted PKCS#1", RSA, RSA, encryptedTraditional, PRIVATE_KEY_UNREADABLE),
        Arguments.of(
            "no key in the key file",
            RSA,
            RSA,
            (Function<PrivateKey, String>) key -> "x\n",
            PRIVATE_KEY_UNREADABLE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keyFiles")
  void comparesTheKeyBesideTheCertificate(
      String name,
      Issued certificate,
      Issued keyOf,
      Function<PrivateKey, String> format,
      PrivateKeyMatch expected)
      throws Exception {
    Path certificateFile = Files.writeString(dir.resolve("site.crt"), certificate.pem());
    Files.writeString(dir.resolve("site.key"), format.apply(keyOf.keys().getPrivate()));

    assertThat(match(certificate, certificateFile)).isEqualTo(expected);
  }

  @Test
  void aDerKeyBesideTheCertificateCountsToo() throws Exception {
    Path certificateFile = Files.writeString(dir.resolve("site.pem"), EC.pem());
    Files.write(dir.resolve("site.key"), EC.keys().getPrivate().getEncoded());

    assertThat(match(EC, certificateFile)).isEqualTo(PRIVATE_KEY_MATCHES);
  }

  @Test
  void withNoKeyBesideItTheKeyIsNotFound() throws Exception {
    Path certificateFile = Files.writeString(dir.resolve("site.crt"), RSA.pem());
    Files.writeString(dir.resolve("other.key"), TestPem.pkcs8(RSA.keys().getPrivate()));

    assertThat(match(RSA, certificateFile)).isEqualTo(PRIVATE_KEY_NOT_FOUND);
  }

  @Test
  void aKeyTheAgentMayNotReadIsUnreadable() throws Exception {
    assumeFalse(
        "root".equals(System.getProperty("user.name")), "root reads every file, whatever its mode");
    Path certificateFile = Files.writeString(dir.resolve("site.crt"), RSA.pem());
    Path key = Files.writeString(dir.resolve("site.key"), TestPem.pkcs8(RSA.keys().getPrivate()));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("---------"));

    assertThat(match(RSA, certificateFile)).isEqualTo(PRIVATE_KEY_UNREADABLE);
  }

  @Test
  void looksForLetsEncryptsPrivkeyBesideCertAndFullchainOnly() {
    assertThat(PrivateKeys.candidates(Path.of("/etc/le/live/a/fullchain.pem")))
        .containsExactly(
            Path.of("/etc/le/live/a/privkey.pem"), Path.of("/etc/le/live/a/fullchain.key"));
    assertThat(PrivateKeys.candidates(Path.of("/etc/nginx/site.example.crt")))
        .containsExactly(Path.of("/etc/nginx/site.example.key"));
  }

  private static PrivateKeyMatch match(Issued certificate, Path certificateFile) {
    return PrivateKeys.match(
        certificate.certificate().getPublicKey(),
        PrivateKeys.beside(PrivateKeys.candidates(certificateFile), 1024 * 1024));
  }
}
