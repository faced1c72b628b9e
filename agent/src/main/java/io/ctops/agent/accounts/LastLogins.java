package io.ctops.agent.accounts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * When each account last signed in: {@code /var/log/lastlog} (one fixed record per uid, at {@code
 * uid × 292}: a 32-bit time, the line and the host; a sparse file, read record by record, never
 * whole) and the end of {@code /var/log/wtmp} (384-byte records; the latest {@code USER_PROCESS}
 * per user), the later of the two. Both are glibc's x86-64 and aarch64 layouts, little-endian.
 */
final class LastLogins {
  static final int LASTLOG_RECORD = 4 + 32 + 256;
  static final int UTMP_RECORD = 384;

  /** wtmp grows for ever until rotated: only its last part is read. */
  static final long WTMP_TAIL_BYTES = 8L * 1024 * 1024;

  private static final int USER_PROCESS = 7;

  private final Map<Long, Instant> byUid = new HashMap<>();
  private final Map<String, Instant> byName = new HashMap<>();

  /** Whether any source could be read. */
  boolean anyRead;

  private LastLogins() {}

  static LastLogins read(HostFiles files, List<PasswdEntry> accounts, List<String> notes) {
    LastLogins logins = new LastLogins();
    logins.lastlog(files.resolve("/var/log/lastlog"), accounts, notes);
    logins.wtmp(files.resolve("/var/log/wtmp"), notes);
    return logins;
  }

  Optional<Instant> of(String user, long uid) {
    Instant lastlog = byUid.get(uid);
    Instant wtmp = byName.get(user);
    if (lastlog == null || wtmp == null) {
      return Optional.ofNullable(lastlog != null ? lastlog : wtmp);
    }
    return Optional.of(lastlog.isAfter(wtmp) ? lastlog : wtmp);
  }

  private void lastlog(Path file, List<PasswdEntry> accounts, List<String> notes) {
    try (FileChannel channel = HostFiles.open(file)) {
      long size = channel.size();
      for (PasswdEntry account : accounts) {
        long offset = account.uid() * LASTLOG_RECORD;
        if (offset + 4 > size) {
          continue;
        }
        byte[] record = HostFiles.readAt(channel, offset, 4);
        long seconds =
            ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFF_FFFFL;
        if (seconds > 0) {
          byUid.put(account.uid(), Instant.ofEpochSecond(seconds));
        }
      }
      anyRead = true;
    } catch (NoSuchFileException e) {
      // not every host keeps lastlog (newer ones use lastlog2)
    } catch (AccessDeniedException e) {
      notes.add("lastlog not readable by the agent");
    } catch (IOException e) {
      notes.add("lastlog not readable: " + e.getMessage());
    }
  }

  private void wtmp(Path file, List<String> notes) {
    try (FileChannel channel = HostFiles.open(file)) {
      long size = channel.size() - channel.size() % UTMP_RECORD;
      long start = Math.max(0, size - WTMP_TAIL_BYTES);
      start -= start % UTMP_RECORD;
      byte[] tail = HostFiles.readAt(channel, start, (int) (size - start));
      ByteBuffer records = ByteBuffer.wrap(tail).order(ByteOrder.LITTLE_ENDIAN);
      for (int at = 0; at + UTMP_RECORD <= tail.length; at += UTMP_RECORD) {
        if (records.getShort(at) != USER_PROCESS) {
          continue;
        }
        String user = cString(tail, at + 44, 32);
        long seconds = records.getInt(at + 340) & 0xFFFF_FFFFL;
        if (!user.isEmpty() && seconds > 0) {
          byName.merge(user, Instant.ofEpochSecond(seconds), (a, b) -> a.isAfter(b) ? a : b);
        }
      }
      anyRead = true;
    } catch (NoSuchFileException e) {
      // no wtmp: nothing recorded
    } catch (AccessDeniedException e) {
      notes.add("wtmp not readable by the agent");
    } catch (IOException e) {
      notes.add("wtmp not readable: " + e.getMessage());
    }
  }

  private static String cString(byte[] bytes, int offset, int length) {
    int end = offset;
    while (end < offset + length && bytes[end] != 0) {
      end++;
    }
    return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
  }
}
