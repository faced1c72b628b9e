package io.ctops.server.platform.pki;

import io.ctops.server.platform.config.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemGenerationException;

/** Reading and writing PEM files: certificates and private keys. */
public final class Pem {
  private Pem() {}

  /** Checks that the file holds at least one X.509 certificate; the error names the variable. */
  public static List<X509CertificateHolder> requireCertificates(String variable, Path file) {
    List<X509CertificateHolder> certificates = new ArrayList<>();
    for (Object object : readObjects(variable, file)) {
      if (object instanceof X509CertificateHolder certificate) {
        certificates.add(certificate);
      }
    }
    if (certificates.isEmpty()) {
      throw new ConfigException(variable, file + " holds no PEM certificate");
    }
    return certificates;
  }

  /** Checks that the file holds a private key (PKCS#8, or a traditional RSA/EC key pair). */
  public static PrivateKeyInfo requirePrivateKey(String variable, Path file) {
    for (Object object : readObjects(variable, file)) {
      if (object instanceof PrivateKeyInfo key) {
        return key;
      }
      if (object instanceof PEMKeyPair pair) {
        return pair.getPrivateKeyInfo();
      }
    }
    throw new ConfigException(variable, file + " holds no unencrypted PEM private key");
  }

  /**
   * The X.509 certificates of PEM text (a CA bundle pasted into a form); throws {@link
   * IllegalArgumentException} saying why when it holds anything else, or none.
   */
  public static List<X509Certificate> certificates(String text) {
    List<Object> objects = new ArrayList<>();
    try (PEMParser parser = new PEMParser(new StringReader(text))) {
      Object object;
      while ((object = parser.readObject()) != null) {
        objects.add(object);
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("is not valid PEM (" + e.getMessage() + ")");
    }
    if (objects.isEmpty()) {
      throw new IllegalArgumentException(
          "holds no certificate; paste the CA certificate as PEM (-----BEGIN CERTIFICATE-----)");
    }
    List<X509Certificate> certificates = new ArrayList<>();
    for (Object object : objects) {
      if (!(object instanceof X509CertificateHolder holder)) {
        throw new IllegalArgumentException(
            "holds a " + describe(object) + ", not only certificates");
      }
      try {
        certificates.add(new JcaX509CertificateConverter().getCertificate(holder));
      } catch (CertificateException e) {
        throw new IllegalArgumentException(
            "holds a certificate that cannot be read (" + e.getMessage() + ")");
      }
    }
    return certificates;
  }

  private static String describe(Object object) {
    if (object instanceof PrivateKeyInfo || object instanceof PEMKeyPair) {
      return "private key";
    }
    return object.getClass().getSimpleName().replaceAll("(Holder|Info)$", "");
  }

  private static List<Object> readObjects(String variable, Path file) {
    List<Object> objects = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      Object object;
      while ((object = parser.readObject()) != null) {
        objects.add(object);
      }
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(
          variable, file + " is not a valid PEM file (" + e.getMessage() + ")");
    }
    return objects;
  }

  /** PEM text of a certificate, key or other object BouncyCastle can encode. */
  public static String encode(Object object) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  /** PKCS#8 ("PRIVATE KEY") PEM text, the form netty, OpenSSL and Go all read. */
  public static String encodePrivateKey(PrivateKey key) {
    try {
      return encode(new JcaPKCS8Generator(key, null).generate());
    } catch (PemGenerationException e) {
      throw new IllegalStateException("cannot encode private key", e);
    }
  }

  /**
   * Creates a secret file (mode 0600, parent directories 0700) unless it exists; returns false when
   * another process created it first. The file appears whole or not at all.
   */
  public static boolean writeIfAbsent(Path file, String text) throws IOException {
    Path directory = file.toAbsolutePath().getParent();
    Files.createDirectories(
        directory,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path temporary = Files.createTempFile(directory, "." + file.getFileName(), ".tmp");
    try {
      Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
      Files.writeString(temporary, text, StandardCharsets.US_ASCII);
      // link(2) never replaces an existing file, unlike rename(2): the first writer wins.
      Files.createLink(file, temporary);
      return true;
    } catch (FileAlreadyExistsException raced) {
      return false;
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  /**
   * Writes a file atomically (temporary file, then rename) and, for secrets, readable by the owner
   * only from the moment it exists.
   */
  public static void write(Path file, String text, boolean secret) throws IOException {
    Path directory = file.toAbsolutePath().getParent();
    Files.createDirectories(directory);
    Path temporary = Files.createTempFile(directory, "." + file.getFileName(), ".tmp");
    try {
      Files.setPosixFilePermissions(
          temporary, PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--"));
      Files.writeString(temporary, text, StandardCharsets.US_ASCII);
      Files.move(
          temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }
}
