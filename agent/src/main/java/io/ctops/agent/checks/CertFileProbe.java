package io.ctops.agent.checks;

import io.ctops.protocol.checks.CheckConfig.CertFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The certificate in a file: the first of a PEM file (its followers are the chain; keys and other
 * blocks in the file are skipped), or of a PKCS#12 or Java key store the entry {@code alias}, else
 * the first entry with a key, else the first certificate. Passes and fails like the certificate
 * check; a file that cannot be read as its format is an {@code error} saying why.
 */
final class CertFileProbe {
  /** Far more than any certificate file: a larger one is not read into the agent's memory. */
  static final long MAX_FILE_BYTES = 4L * 1024 * 1024;

  private static final Pattern PEM_CERTIFICATE =
      Pattern.compile("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]*?)-----END CERTIFICATE-----");

  private final Clock clock;

  CertFileProbe(Clock clock) {
    this.clock = clock;
  }

  /** A file the check cannot read as a certificate; the message is the result's output. */
  private static final class Unreadable extends Exception {
    private static final long serialVersionUID = 1L;

    Unreadable(String message) {
      super(message);
    }
  }

  Outcome run(CertFile check) {
    Path file = Path.of(check.filePath());
    try {
      byte[] bytes = read(file);
      List<X509Certificate> chain =
          check.format().equals("pem") ? pem(file, bytes) : keyStore(file, bytes, check);
      return Certificates.outcome(chain, Map.of("file_path", check.filePath()), clock.instant());
    } catch (Unreadable e) {
      return Outcome.error(e.getMessage());
    }
  }

  private static byte[] read(Path file) throws Unreadable {
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new Unreadable(
            "cannot read " + file + ": larger than 4 MiB, which no certificate file is");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new Unreadable("cannot read " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new Unreadable("cannot read " + file + ": permission denied for the agent's user");
    } catch (IOException e) {
      throw new Unreadable("cannot read " + file + ": " + e.getMessage());
    }
  }

  private static List<X509Certificate> pem(Path file, byte[] bytes) throws Unreadable {
    Matcher blocks = PEM_CERTIFICATE.matcher(new String(bytes, StandardCharsets.ISO_8859_1));
    List<X509Certificate> chain = new ArrayList<>();
    while (blocks.find()) {
      try {
        byte[] der = Base64.getMimeDecoder().decode(blocks.group(1));
        chain.add(x509(new ByteArrayInputStream(der)));
      } catch (IllegalArgumentException | CertificateException e) {
        throw new Unreadable(
            "cannot read certificate "
                + (chain.size() + 1)
                + " in "
                + file
                + ": not a valid certificate ("
                + e.getMessage()
                + ")");
      }
    }
    if (chain.isEmpty()) {
      throw new Unreadable("no PEM certificate (-----BEGIN CERTIFICATE-----) in " + file);
    }
    return chain;
  }

  private static X509Certificate x509(InputStream der) throws CertificateException {
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(der);
  }

  private static List<X509Certificate> keyStore(Path file, byte[] bytes, CertFile check)
      throws Unreadable {
    String format = check.format().equals("jks") ? "JKS" : "PKCS12";
    KeyStore store;
    try {
      store = KeyStore.getInstance(format);
      store.load(
          new ByteArrayInputStream(bytes), check.password().map(String::toCharArray).orElse(null));
    } catch (IOException e) {
      if (e.getCause() instanceof UnrecoverableKeyException) {
        throw new Unreadable("cannot open " + file + " as " + format + ": wrong password");
      }
      throw new Unreadable(
          "cannot open " + file + " as " + format + ": " + lowerFirst(e.getMessage()));
    } catch (GeneralSecurityException e) {
      throw new Unreadable("cannot open " + file + " as " + format + ": " + e.getMessage());
    }
    try {
      String alias = check.alias().isPresent() ? check.alias().get() : firstAlias(store);
      if (alias == null) {
        throw new Unreadable(
            "no certificate in "
                + file
                + (check.password().isEmpty() ? " (it may need a password to read)" : ""));
      }
      if (!store.containsAlias(alias)) {
        throw new Unreadable(
            "no entry \""
                + alias
                + "\" in "
                + file
                + "; it has: "
                + String.join(", ", Collections.list(store.aliases())));
      }
      Certificate[] chain = store.getCertificateChain(alias);
      List<X509Certificate> certificates = new ArrayList<>();
      for (Certificate certificate :
          chain != null ? chain : new Certificate[] {store.getCertificate(alias)}) {
        if (certificate instanceof X509Certificate x509) {
          certificates.add(x509);
        }
      }
      if (certificates.isEmpty()) {
        throw new Unreadable("entry \"" + alias + "\" in " + file + " holds no X.509 certificate");
      }
      return certificates;
    } catch (GeneralSecurityException e) {
      throw new Unreadable("cannot read " + file + ": " + e.getMessage());
    }
  }

  /**
   * The first entry with a private key (a server's own certificate), else the first certificate.
   */
  private static String firstAlias(KeyStore store) throws GeneralSecurityException {
    List<String> aliases = Collections.list(store.aliases());
    for (String alias : aliases) {
      if (store.isKeyEntry(alias) && store.getCertificateChain(alias) != null) {
        return alias;
      }
    }
    for (String alias : aliases) {
      if (store.isCertificateEntry(alias)) {
        return alias;
      }
    }
    return null;
  }

  private static String lowerFirst(String text) {
    return text == null || text.isEmpty()
        ? "not a key store of that format"
        : text.substring(0, 1).toLowerCase(Locale.ROOT) + text.substring(1);
  }
}
