package io.ctops.agent.accounts;

import java.util.ArrayList;
import java.util.List;

/** One account of {@code /etc/passwd} (or of the name service, in the same form). */
record PasswdEntry(String username, long uid, long gid, String home, String shell) {
  /** The entries of a passwd file; an entry with a malformed uid or gid is skipped and counted. */
  static Parsed parse(byte[] bytes, int maxEntries) {
    ColonLines lines = ColonLines.read(bytes, 7, maxEntries);
    Parsed parsed = new Parsed(new ArrayList<>(), lines.skipped, lines.notUtf8);
    for (String[] fields : lines.entries) {
      long uid = ColonLines.id(fields[2]);
      long gid = ColonLines.id(fields[3]);
      if (fields[0].isEmpty() || uid < 0 || gid < 0) {
        parsed = parsed.withSkipped();
        continue;
      }
      parsed.entries().add(new PasswdEntry(fields[0], uid, gid, fields[5], fields[6]));
    }
    return parsed;
  }

  /** What a passwd file held: its accounts, the lines skipped, the names that are not UTF-8. */
  record Parsed(List<PasswdEntry> entries, int skipped, int notUtf8) {
    Parsed withSkipped() {
      return new Parsed(entries, skipped + 1, notUtf8);
    }
  }
}
