package io.ctops.agent.text;

/**
 * Sizes of text as UTF-8, the encoding on the wire: limits the server sets on output are in bytes,
 * and a cut must fall between characters, never inside one.
 */
public final class Utf8 {
  private Utf8() {}

  /** How many bytes {@code text} takes as UTF-8. */
  public static int length(String text) {
    int bytes = 0;
    for (int at = 0; at < text.length(); ) {
      int codePoint = text.codePointAt(at);
      bytes += length(codePoint);
      at += Character.charCount(codePoint);
    }
    return bytes;
  }

  /** The end of the longest prefix of {@code text} from {@code from} that fits in {@code bytes}. */
  public static int prefixEnd(String text, int from, int bytes) {
    int used = 0;
    int at = from;
    while (at < text.length()) {
      int codePoint = text.codePointAt(at);
      int size = length(codePoint);
      if (used + size > bytes) {
        break;
      }
      used += size;
      at += Character.charCount(codePoint);
    }
    return at;
  }

  private static int length(int codePoint) {
    if (codePoint < 0x80) {
      return 1;
    } else if (codePoint < 0x800) {
      return 2;
    } else if (codePoint < 0x10000) {
      return 3;
    }
    return 4;
  }
}
