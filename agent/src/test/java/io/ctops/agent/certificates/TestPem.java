package io.ctops.agent.certificates;

import io.ctops.agent.testing.TestCertificates.Issued;
import java.io.IOException;
import java.io.StringWriter;
import java.security.PrivateKey;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemObjectGenerator;

/** Certificates and keys as the files on a host hold them, in the formats OpenSSL writes. */
final class TestPem {
  private static final char[] PASSWORD = "secret".toCharArray();

  /** Encrypting keys as OpenSSL does needs ciphers and key derivations the JDK lacks. */
  private static final BouncyCastleProvider BC = new BouncyCastleProvider();

  private TestPem() {}

  /** The certificates one after the other, as a chain file holds them. */
  static String chain(Issued... certificates) {
    StringBuilder pem = new StringBuilder();
    for (Issued certificate : certificates) {
      pem.append(certificate.pem());
    }
    return pem.toString();
  }

  /** PKCS#8, {@code BEGIN PRIVATE KEY}: what {@code openssl genpkey} writes. */
  static String pkcs8(PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  /**
   * OpenSSL's traditional form: {@code BEGIN RSA PRIVATE KEY} (PKCS#1), {@code BEGIN EC PRIVATE
   * KEY} (SEC1, naming its curve as OpenSSL does).
   */
  static String traditional(PrivateKey key) {
    if (!key.getAlgorithm().equals("EC")) {
      return write(() -> new JcaMiscPEMGenerator(key));
    }
    return write(
        () -> {
          PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
          ECPrivateKey bare = ECPrivateKey.getInstance(info.parsePrivateKey());
          ECPrivateKey named =
              new ECPrivateKey(256, bare.getKey(), info.getPrivateKeyAlgorithm().getParameters());
          return new PemObject("EC PRIVATE KEY", named.getEncoded());
        });
  }

  /** A traditional key encrypted with a pass phrase ({@code Proc-Type: 4,ENCRYPTED}). */
  static String encryptedTraditional(PrivateKey key) {
    return write(
        () ->
            new JcaMiscPEMGenerator(
                key, new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(BC).build(PASSWORD)));
  }

  /** {@code BEGIN ENCRYPTED PRIVATE KEY}. */
  static String encryptedPkcs8(PrivateKey key) {
    return write(
        () ->
            new JcaPKCS8Generator(
                key,
                new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                    .setProvider(BC)
                    .setPassword(PASSWORD)
                    .build()));
  }

  private interface Generator {
    PemObjectGenerator make() throws IOException, OperatorCreationException;
  }

  private static String write(Generator generator) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(generator.make());
    } catch (IOException | OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }
}
