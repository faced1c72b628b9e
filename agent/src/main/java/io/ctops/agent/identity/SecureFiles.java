package io.ctops.agent.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Files written whole or not at all (temporary file, then rename), secrets owner-only. */
public final class SecureFiles {
  private SecureFiles() {}

  public static void write(Path file, String text, boolean secret) throws IOException {
    write(file, text.getBytes(StandardCharsets.UTF_8), secret);
  }

  public static void write(Path file, byte[] bytes, boolean secret) throws IOException {
    Path directory = file.toAbsolutePath().getParent();
    Files.createDirectories(
        directory,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path temporary = Files.createTempFile(directory, "." + file.getFileName(), ".tmp");
    try {
      Files.setPosixFilePermissions(
          temporary, PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--"));
      Files.write(temporary, bytes);
      Files.move(
          temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }
}
