package io.ctops.agent.certificates;

import io.ctops.protocol.v1.DiscoveredCertificate;
import io.ctops.protocol.v1.PrivateKeyMatch;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Certificates in files under the configured paths, recognised by content, not by name: every
 * CERTIFICATE block of a PEM file (a chain in file order), or a file that is exactly one DER
 * certificate. Directories reached through a symbolic link are not entered (no loops, no walking
 * off into the rest of the system); a linked file is read where it points (Let's Encrypt's {@code
 * live/*.pem} into {@code archive/}) and reported under the path it was found at. Each file is read
 * at most once and only if it is a regular file of at most {@code max_file_bytes}.
 */
final class CertificateFiles {
  /** Names that promise a certificate: such a file that holds none is counted as skipped. */
  private static final Pattern CERTIFICATE_NAME =
      Pattern.compile(".*\\.(crt|cer|der|pem)", Pattern.CASE_INSENSITIVE);

  private final List<Path> roots;
  private final boolean skipTrustBundles;
  private final int maxFileBytes;
  private final CertificateFactory x509;

  CertificateFiles(List<Path> roots, boolean skipTrustBundles, int maxFileBytes) {
    this.roots = List.copyOf(roots);
    this.skipTrustBundles = skipTrustBundles;
    this.maxFileBytes = maxFileBytes;
    try {
      this.x509 = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new IllegalStateException("X.509 is part of every JDK", e);
    }
  }

  /** Walks every root into {@code findings}; stops early when they are full or on interrupt. */
  void scan(Findings findings) {
    Set<Path> visited = new HashSet<>();
    for (Path root : roots) {
      if (stopped(findings)) {
        return;
      }
      if (!Files.exists(root)) {
        continue; // most hosts have only some of the default paths
      }
      try {
        // A configured path may itself be a link (/etc/ssl → elsewhere): that one is followed.
        Path real = root.toRealPath();
        Files.walkFileTree(real, new Walk(root, real, visited, findings));
      } catch (IOException | SecurityException e) {
        // not readable as a whole: nothing to find there
      }
    }
  }

  private static boolean stopped(Findings findings) {
    return findings.isTruncated() || Thread.currentThread().isInterrupted();
  }

  private final class Walk implements FileVisitor<Path> {
    private final Path root;
    private final Path real;
    private final Set<Path> visited;
    private final Findings findings;

    Walk(Path root, Path real, Set<Path> visited, Findings findings) {
      this.root = root;
      this.real = real;
      this.visited = visited;
      this.findings = findings;
    }

    /** {@code path} under the configured root, as the operator knows it. */
    private Path shown(Path path) {
      return root.resolve(real.relativize(path).toString()).normalize();
    }

    @Override
    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
      if (stopped(findings)) {
        return FileVisitResult.TERMINATE;
      }
      boolean isStore =
          TrustBundles.isStoreDirectory(dir) || TrustBundles.isStoreDirectory(shown(dir));
      return skipTrustBundles && isStore ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
      if (stopped(findings)) {
        return FileVisitResult.TERMINATE;
      }
      // Without FOLLOW_LINKS a link comes here as itself; one to a directory is not entered.
      if (attributes.isSymbolicLink() && Files.isDirectory(file)) {
        return FileVisitResult.CONTINUE;
      }
      examine(shown(file), findings, visited);
      return stopped(findings) ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFileFailed(Path file, IOException e) {
      return stopped(findings) ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult postVisitDirectory(Path dir, IOException e) {
      return FileVisitResult.CONTINUE;
    }
  }

  private void examine(Path file, Findings findings, Set<Path> visited) {
    if (!visited.add(file) || (skipTrustBundles && TrustBundles.isTrustBundle(file))) {
      return;
    }
    boolean promisesCertificate = CERTIFICATE_NAME.matcher(file.getFileName().toString()).matches();
    byte[] content;
    try {
      if (!Files.isRegularFile(file)) {
        // a dangling link named like a certificate is a certificate gone missing; a FIFO or
        // device is never read (it could block or never end)
        if (promisesCertificate && !Files.exists(file)) {
          findings.fileSkipped();
        }
        return;
      }
      if (Files.size(file) > maxFileBytes) {
        findings.fileSkipped();
        return;
      }
      content = Files.readAllBytes(file);
    } catch (IOException | SecurityException unreadable) {
      findings.fileSkipped();
      return;
    }
    findings.fileScanned();
    switch (read(file, content, promisesCertificate)) {
      case Read.NotCertificates none -> {}
      case Read.Malformed malformed -> findings.fileSkipped();
      case Read.Certificates found -> {
        for (DiscoveredCertificate certificate : found.certificates()) {
          if (!findings.add(certificate)) {
            return;
          }
        }
      }
    }
  }

  /** What a file turned out to hold. */
  private sealed interface Read {
    /** Keys, configuration, anything else: not counted at all. */
    record NotCertificates() implements Read {}

    /** A certificate file that does not parse (or cannot be described). */
    record Malformed() implements Read {}

    record Certificates(List<DiscoveredCertificate> certificates) implements Read {}
  }

  private Read read(Path file, byte[] content, boolean promisesCertificate) {
    String text = new String(content, StandardCharsets.ISO_8859_1);
    List<X509Certificate> chain = new ArrayList<>();
    PrivateKeys.KeyFile key;
    if (PemBlocks.hasBlocks(text)) {
      List<PemBlocks.Block> blocks = PemBlocks.read(text);
      for (PemBlocks.Block block : blocks) {
        if (block.isCertificate()) {
          Optional<X509Certificate> certificate = parse(block);
          if (certificate.isEmpty()) {
            return new Read.Malformed();
          }
          chain.add(certificate.get());
        }
      }
      if (chain.isEmpty()) {
        return new Read.NotCertificates();
      }
      key = PrivateKeys.inBlocks(blocks);
    } else {
      Optional<X509Certificate> certificate =
          Der.isOneSequence(content) ? parse(content) : Optional.empty();
      if (certificate.isEmpty()) {
        return promisesCertificate ? new Read.Malformed() : new Read.NotCertificates();
      }
      chain.add(certificate.get());
      key = new PrivateKeys.Absent();
    }
    if (key instanceof PrivateKeys.Absent) {
      key = PrivateKeys.beside(PrivateKeys.candidates(file), maxFileBytes);
    }
    // The key belongs to the file's own certificate, the first; the rest is its chain.
    PrivateKeyMatch leafKey = PrivateKeys.match(chain.getFirst().getPublicKey(), key);
    List<DiscoveredCertificate> found = new ArrayList<>();
    for (int position = 0; position < chain.size(); position++) {
      Optional<DiscoveredCertificate> certificate =
          Discovered.of(
              chain.get(position),
              Discovered.FILE,
              file.toString(),
              position,
              position == 0 ? leafKey : PrivateKeyMatch.PRIVATE_KEY_NOT_FOUND);
      if (certificate.isEmpty()) {
        return new Read.Malformed();
      }
      found.add(certificate.get());
    }
    return new Read.Certificates(found);
  }

  private Optional<X509Certificate> parse(PemBlocks.Block block) {
    if (!block.label().equals("TRUSTED CERTIFICATE")) {
      return parse(block.der());
    }
    // OpenSSL's trusted form: the certificate, then its trust settings.
    byte[] der = block.der();
    return Der.at(der, 0).flatMap(first -> parse(first.bytes(der)));
  }

  private Optional<X509Certificate> parse(byte[] der) {
    if (!Der.isOneSequence(der)) {
      return Optional.empty();
    }
    try {
      return Optional.of((X509Certificate) x509.generateCertificate(new ByteArrayInputStream(der)));
    } catch (CertificateException | RuntimeException malformed) {
      return Optional.empty();
    }
  }
}
