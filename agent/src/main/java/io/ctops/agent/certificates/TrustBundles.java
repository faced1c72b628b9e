package io.ctops.agent.certificates;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The system's CA trust store, skipped by default ({@code skip_trust_bundles}): hundreds of root
 * certificates the operating system ships are not the host's certificates, and would drown them.
 *
 * <p>A file is skipped when it, or the file it links to, is
 *
 * <ul>
 *   <li>under a trust store directory: {@code /usr/share/ca-certificates}, {@code
 *       /usr/local/share/ca-certificates}, {@code /etc/ca-certificates} (Arch), {@code
 *       /etc/pki/ca-trust} (RHEL, Fedora), {@code /usr/share/pki/ca-trust-source}, {@code
 *       /etc/ssl/certs/java};
 *   <li>a generated bundle: named {@code ca-certificates.crt}, {@code ca-bundle*.crt} (e.g. {@code
 *       /etc/pki/tls/certs/ca-bundle.crt}, {@code ca-bundle.trust.crt}) or {@code
 *       tls-ca-bundle.pem}; or {@code /etc/pki/tls/cert.pem}, {@code /etc/ssl/cert.pem};
 *   <li>an OpenSSL hash link ({@code 1a2b3c4d.0}, a symbolic link): only a second name.
 * </ul>
 *
 * So in {@code /etc/ssl/certs} the links into the store and the bundle are skipped, while a
 * certificate an administrator put there as a file (Debian's {@code ssl-cert-snakeoil.pem}, a
 * site's own) is still found.
 */
final class TrustBundles {
  static final List<Path> DIRECTORIES =
      List.of(
          Path.of("/usr/share/ca-certificates"),
          Path.of("/usr/local/share/ca-certificates"),
          Path.of("/etc/ca-certificates"),
          Path.of("/etc/pki/ca-trust"),
          Path.of("/usr/share/pki/ca-trust-source"),
          Path.of("/etc/ssl/certs/java"));

  static final List<Path> FILES =
      List.of(Path.of("/etc/pki/tls/cert.pem"), Path.of("/etc/ssl/cert.pem"));

  private static final Pattern BUNDLE_NAME =
      Pattern.compile("ca-certificates\\.crt|ca-bundle.*\\.crt|tls-ca-bundle\\.pem");
  private static final Pattern HASH_LINK = Pattern.compile("[0-9a-f]{8}\\.r?[0-9]+");

  private TrustBundles() {}

  /** Whether the walk need not enter {@code directory} at all. */
  static boolean isStoreDirectory(Path directory) {
    return DIRECTORIES.stream().anyMatch(directory::startsWith);
  }

  /** Whether {@code file} (as found in the walk, maybe a link) is part of the trust store. */
  static boolean isTrustBundle(Path file) {
    if (isStoreFile(file)) {
      return true;
    }
    if (!Files.isSymbolicLink(file)) {
      return false;
    }
    if (HASH_LINK.matcher(file.getFileName().toString()).matches()) {
      return true;
    }
    try {
      return isStoreFile(file.toRealPath());
    } catch (IOException | SecurityException dangling) {
      return false;
    }
  }

  private static boolean isStoreFile(Path file) {
    Path name = file.getFileName();
    return isStoreDirectory(file)
        || FILES.contains(file)
        || (name != null && BUNDLE_NAME.matcher(name.toString()).matches());
  }
}
