package io.ctops.agent.checks;

import io.ctops.agent.text.Utf8;

/**
 * A check's output as the server takes it: at most {@link #MAX_BYTES} of UTF-8 ({@link
 * #MAX_REPORT_BYTES} for the account and SSH key reports, which list every account or key), cut
 * between characters and ended with "…" when longer, and no NUL (a text column cannot hold one).
 */
final class CheckOutput {
  static final int MAX_BYTES = 4 * 1024;

  /** The server reads this much of a service_account or ssh_key_scan report (some 700 accounts). */
  static final int MAX_REPORT_BYTES = 256 * 1024;

  private static final String CUT = "…";

  private CheckOutput() {}

  /** The most output a check of this type sends. */
  static int maxBytes(String checkType) {
    return checkType.equals("service_account") || checkType.equals("ssh_key_scan")
        ? MAX_REPORT_BYTES
        : MAX_BYTES;
  }

  static String fit(String text, String checkType) {
    int maxBytes = maxBytes(checkType);
    String clean = text.replace('\0', '\uFFFD');
    if (Utf8.length(clean) <= maxBytes) {
      return clean;
    }
    return clean.substring(0, Utf8.prefixEnd(clean, 0, maxBytes - Utf8.length(CUT))) + CUT;
  }
}
