package io.ctops.agent.accounts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.stream.Stream;

/**
 * A copy of the fixture host tree ({@code accounts/host} in the test resources) in a directory of
 * the test's own, so that a test can change it, and writers for the binary login records.
 */
final class FixtureHost {
  final Path root;

  private FixtureHost(Path root) {
    this.root = root;
  }

  static FixtureHost copyTo(Path dir) {
    try {
      Path source = Path.of(FixtureHost.class.getResource("/accounts/host").toURI());
      try (Stream<Path> paths = Files.walk(source)) {
        for (Path path : paths.toList()) {
          Path target = dir.resolve(source.relativize(path).toString());
          if (Files.isDirectory(path)) {
            Files.createDirectories(target);
          } else {
            Files.copy(path, target);
          }
        }
      }
      return new FixtureHost(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  Path file(String path) {
    return root.resolve(path.substring(1));
  }

  /** A lastlog record for {@code uid}: the file is written sparse, as the system writes it. */
  FixtureHost lastlog(long uid, Instant at) throws IOException {
    Path file = file("/var/log/lastlog");
    Files.createDirectories(file.getParent());
    ByteBuffer record =
        ByteBuffer.allocate(LastLogins.LASTLOG_RECORD).order(ByteOrder.LITTLE_ENDIAN);
    record.putInt((int) at.getEpochSecond());
    record.put("pts/0".getBytes(StandardCharsets.US_ASCII));
    try (var channel =
        java.nio.channels.FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      channel.write(record.rewind(), uid * LastLogins.LASTLOG_RECORD);
    }
    return this;
  }

  /** A wtmp record appended: a user's session ({@code USER_PROCESS}) or another {@code type}. */
  FixtureHost wtmp(short type, String user, Instant at) throws IOException {
    Path file = file("/var/log/wtmp");
    Files.createDirectories(file.getParent());
    ByteBuffer record = ByteBuffer.allocate(LastLogins.UTMP_RECORD).order(ByteOrder.LITTLE_ENDIAN);
    record.putShort(0, type);
    record.put(44, user.getBytes(StandardCharsets.UTF_8));
    record.putInt(340, (int) at.getEpochSecond());
    Files.write(file, record.array(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    return this;
  }
}
