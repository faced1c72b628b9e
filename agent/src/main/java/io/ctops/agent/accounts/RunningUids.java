package io.ctops.agent.accounts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The uids that own a running process: the real uid on the {@code Uid:} line of each {@code
 * /proc/<pid>/status}. A process that ends meanwhile is passed over.
 */
final class RunningUids {
  static final int MAX_PROCESSES = 200_000;

  private RunningUids() {}

  /** The uids, or empty with a note when {@code /proc} cannot be listed. */
  static Set<Long> read(Path proc, List<String> notes) throws InterruptedException {
    Set<Long> uids = new HashSet<>();
    int seen = 0;
    try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, "[0-9]*")) {
      for (Path process : processes) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        if (++seen > MAX_PROCESSES) {
          break;
        }
        long uid = uid(process.resolve("status"));
        if (uid >= 0) {
          uids.add(uid);
        }
      }
    } catch (IOException e) {
      notes.add("processes not readable: " + e.getMessage());
    }
    return uids;
  }

  private static long uid(Path status) {
    try {
      for (String line :
          new String(Files.readAllBytes(status), StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith("Uid:")) {
          String[] ids = line.substring(4).strip().split("\\s+");
          return ColonLines.id(ids[0]);
        }
      }
    } catch (IOException e) {
      // ended meanwhile
    }
    return -1;
  }
}
