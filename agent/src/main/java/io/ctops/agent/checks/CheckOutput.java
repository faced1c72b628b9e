package io.ctops.agent.checks;

import io.ctops.agent.text.Utf8;

/**
 * A check's output as the server stores it: at most {@link #MAX_BYTES} of UTF-8, cut between
 * characters and ended with "…" when longer, and no NUL (a text column cannot hold one).
 */
final class CheckOutput {
  static final int MAX_BYTES = 4 * 1024;
  private static final String CUT = "…";

  private CheckOutput() {}

  static String fit(String text) {
    String clean = text.replace('\0', '\uFFFD');
    if (Utf8.length(clean) <= MAX_BYTES) {
      return clean;
    }
    return clean.substring(0, Utf8.prefixEnd(clean, 0, MAX_BYTES - Utf8.length(CUT))) + CUT;
  }
}
