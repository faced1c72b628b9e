package io.ctops.agent.accounts;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The entries of a colon-separated database ({@code passwd}, {@code group}, {@code shadow}): blank
 * lines and {@code #} comments are passed over; {@code +}/{@code -} lines (NIS compat entries, not
 * accounts of their own) and lines without the expected number of fields are skipped and counted.
 * Bytes that are not UTF-8 are kept as U+FFFD so the entry still shows, and counted.
 */
final class ColonLines {
  /** The entries read, each its fields. */
  final List<String[]> entries = new ArrayList<>();

  int skipped;
  int notUtf8;

  private ColonLines() {}

  static ColonLines read(byte[] bytes, int fields, int maxEntries) {
    ColonLines read = new ColonLines();
    int start = 0;
    while (start < bytes.length) {
      int end = start;
      while (end < bytes.length && bytes[end] != '\n') {
        end++;
      }
      read.line(bytes, start, end, fields, maxEntries);
      start = end + 1;
    }
    return read;
  }

  private void line(byte[] bytes, int start, int end, int fields, int maxEntries) {
    String line = decode(bytes, start, end);
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    if (line.isBlank() || line.startsWith("#")) {
      return;
    }
    String[] split = line.split(":", -1);
    if (line.startsWith("+") || line.startsWith("-") || split.length != fields) {
      skipped++;
      return;
    }
    if (entries.size() >= maxEntries) {
      skipped++;
      return;
    }
    entries.add(split);
  }

  private String decode(byte[] bytes, int start, int end) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, start, end - start))
          .toString();
    } catch (CharacterCodingException e) {
      notUtf8++;
      return new String(bytes, start, end - start, StandardCharsets.UTF_8);
    }
  }

  /** A uid or gid: an unsigned 32-bit number; -1 for anything else (the entry is then skipped). */
  static long id(String text) {
    if (text.isEmpty() || text.length() > 10 || !text.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    long id = Long.parseLong(text);
    return id <= 0xFFFF_FFFFL ? id : -1;
  }

  /** A count of days (shadow), or -1 when empty or not a number. */
  static long days(String text) {
    if (text.isEmpty() || text.length() > 9 || !text.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Long.parseLong(text);
  }
}
