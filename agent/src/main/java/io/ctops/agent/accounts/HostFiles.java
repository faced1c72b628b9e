package io.ctops.agent.accounts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The host's files as seen under a root directory ({@code /} on a host, a fixture tree in tests):
 * every read is bounded, and a file that cannot be read says why in words for the report.
 */
final class HostFiles {
  private final Path root;

  HostFiles(Path root) {
    this.root = root;
  }

  /** Whether these are the running host's own files (what a name service lookup describes). */
  boolean isHostRoot() {
    return root.toAbsolutePath().normalize().equals(Path.of("/"));
  }

  /** Where the absolute host path {@code path} is. */
  Path resolve(String path) {
    return root.resolve(path.startsWith("/") ? path.substring(1) : path);
  }

  /** What reading one file gave. */
  sealed interface Read {}

  record Found(byte[] bytes) implements Read {}

  record Missing() implements Read {}

  /** The file exists but was not read; {@code reason} completes "… {path}: ". */
  record Unreadable(String reason) implements Read {}

  /** The whole file, when it is at most {@code maxBytes}. */
  Read read(Path file, long maxBytes) {
    try {
      if (!Files.isRegularFile(file)) {
        return Files.exists(file) ? new Unreadable("not a regular file") : new Missing();
      }
      if (Files.size(file) > maxBytes) {
        return new Unreadable("larger than " + maxBytes + " bytes");
      }
      return new Found(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return new Missing();
    } catch (AccessDeniedException e) {
      return new Unreadable("permission denied for the agent's user");
    } catch (IOException e) {
      return new Unreadable(String.valueOf(e.getMessage()));
    }
  }

  /**
   * {@code length} bytes at {@code offset} of an open file, fewer at its end: fixed records read
   * one by one from files that may be sparse and terabytes long (lastlog on a host with high uids).
   */
  static byte[] readAt(FileChannel channel, long offset, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer, offset + buffer.position());
      if (read < 0) {
        break;
      }
    }
    byte[] bytes = new byte[buffer.position()];
    buffer.flip().get(bytes);
    return bytes;
  }

  static FileChannel open(Path file) throws IOException {
    return FileChannel.open(file, StandardOpenOption.READ);
  }
}
