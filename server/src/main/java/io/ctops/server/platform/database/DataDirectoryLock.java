package io.ctops.server.platform.database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * An exclusive, OS-level lock on a data directory ({@code <data dir>/ctops.lock}) held for the life
 * of the process that owns the embedded database. Two servers on one data directory would corrupt
 * nothing only by luck; with this lock the second refuses to start and says who holds it. The
 * kernel drops the lock when the holder dies, so a crash never leaves the directory locked.
 */
public final class DataDirectoryLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock, or returns empty when another process holds it. */
  public static Optional<DataDirectoryLock> tryAcquire(Path dataDir, String holder) {
    try {
      // The data dir holds keys and the database password: owner-only when we create it.
      Files.createDirectories(
          dataDir,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      FileChannel channel =
          FileChannel.open(
              dataDir.resolve("ctops.lock"),
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException sameProcess) {
        lock = null;
      }
      if (lock == null) {
        channel.close();
        return Optional.empty();
      }
      String description = "pid=" + ProcessHandle.current().pid() + " command=" + holder + "\n";
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(description.getBytes(StandardCharsets.UTF_8)), 0);
      channel.force(false);
      return Optional.of(new DataDirectoryLock(channel, lock));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock data directory " + dataDir, e);
    }
  }

  /** Who holds the lock, as written by the holder ("pid=123 command=server"). */
  public static String holder(Path dataDir) {
    try {
      return Files.readString(dataDir.resolve("ctops.lock"), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "unknown process";
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
