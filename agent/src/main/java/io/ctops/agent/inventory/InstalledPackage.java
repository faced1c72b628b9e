package io.ctops.agent.inventory;

import java.nio.charset.StandardCharsets;

/**
 * One installed package as a package manager records it. Text fields are cut to what the server
 * accepts ({@link #MAX_FIELD_BYTES} bytes of UTF-8, on a character boundary); the install time is 0
 * when the package manager does not record it.
 */
public record InstalledPackage(
    String name, String version, String architecture, String publisher, long installedUnix) {

  public static final int MAX_FIELD_BYTES = 1024;

  public InstalledPackage {
    name = clip(name);
    version = clip(version);
    architecture = clip(architecture);
    publisher = clip(publisher);
    installedUnix = Math.max(0, installedUnix);
  }

  /**
   * Whether the server can store this package as it is: a name, and no NUL (PostgreSQL text cannot
   * hold one), no bytes that were not UTF-8 (read as U+FFFD) and no broken surrogate pair in its
   * name, version or architecture, which identify it. The publisher is only shown, so a NUL there
   * is replaced instead (see {@link PackageInventory}).
   */
  public boolean isRepresentable() {
    return !name.isEmpty() && isClean(name) && isClean(version) && isClean(architecture);
  }

  private static boolean isClean(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\0' || c == '\uFFFD') {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  static String clip(String value) {
    if (value == null) {
      return "";
    }
    String text = value.strip();
    if (text.getBytes(StandardCharsets.UTF_8).length <= MAX_FIELD_BYTES) {
      return text;
    }
    StringBuilder out = new StringBuilder();
    int bytes = 0;
    for (int i = 0; i < text.length(); ) {
      int codePoint = text.codePointAt(i);
      int size = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
      if (bytes + size > MAX_FIELD_BYTES) {
        break;
      }
      out.appendCodePoint(codePoint);
      bytes += size;
      i += Character.charCount(codePoint);
    }
    return out.toString();
  }
}
