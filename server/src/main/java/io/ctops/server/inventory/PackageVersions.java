package io.ctops.server.inventory;

import java.util.Comparator;

/**
 * Orders package version strings the way Debian's package manager does, which also gives the
 * expected order for rpm, pacman and apk versions in practice: an optional numeric epoch before
 * {@code :} weighs most, then the upstream version, then the revision after the last {@code -}.
 * Each part is compared as alternating runs of non-digits (letters sort before other characters,
 * and {@code ~} before anything, even the end of the string, so {@code 1.0~rc1 < 1.0}) and digits
 * (compared as numbers, so {@code 1.10 > 1.9}).
 */
public final class PackageVersions {
  /** Compares two version strings; neither may be null. */
  public static final Comparator<String> ORDER = PackageVersions::compare;

  private PackageVersions() {}

  public static int compare(String a, String b) {
    Parsed left = Parsed.of(a);
    Parsed right = Parsed.of(b);
    int byEpoch = compareDigits(left.epoch, right.epoch);
    if (byEpoch != 0) {
      return byEpoch;
    }
    int byUpstream = compareRuns(left.upstream, right.upstream);
    return byUpstream != 0 ? byUpstream : compareRuns(left.revision, right.revision);
  }

  private record Parsed(String epoch, String upstream, String revision) {
    static Parsed of(String version) {
      String rest = version.strip();
      String epoch = "0";
      int colon = rest.indexOf(':');
      if (colon > 0 && rest.substring(0, colon).chars().allMatch(Character::isDigit)) {
        epoch = rest.substring(0, colon);
        rest = rest.substring(colon + 1);
      }
      int dash = rest.lastIndexOf('-');
      if (dash >= 0) {
        return new Parsed(epoch, rest.substring(0, dash), rest.substring(dash + 1));
      }
      return new Parsed(epoch, rest, "");
    }
  }

  /**
   * The weight of one character in a non-digit run: ~ lowest, then the end of the run, letters, the
   * rest.
   */
  private static int weight(String s, int i) {
    if (i >= s.length() || digit(s.charAt(i))) {
      return 0;
    }
    char c = s.charAt(i);
    if (c == '~') {
      return -1;
    }
    if (Character.isLetter(c)) {
      return c;
    }
    return c + 0x10000;
  }

  private static boolean digit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int compareRuns(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() || j < b.length()) {
      while ((i < a.length() && !digit(a.charAt(i))) || (j < b.length() && !digit(b.charAt(j)))) {
        int wa = weight(a, i);
        int wb = weight(b, j);
        if (wa != wb) {
          return Integer.compare(wa, wb);
        }
        if (i < a.length() && !digit(a.charAt(i))) {
          i++;
        }
        if (j < b.length() && !digit(b.charAt(j))) {
          j++;
        }
      }
      int startA = i;
      while (i < a.length() && digit(a.charAt(i))) {
        i++;
      }
      int startB = j;
      while (j < b.length() && digit(b.charAt(j))) {
        j++;
      }
      int byNumber = compareDigits(a.substring(startA, i), b.substring(startB, j));
      if (byNumber != 0) {
        return byNumber;
      }
    }
    return 0;
  }

  /** Compares two runs of digits as numbers of any length (an empty run is zero). */
  private static int compareDigits(String a, String b) {
    String x = stripZeros(a);
    String y = stripZeros(b);
    if (x.length() != y.length()) {
      return Integer.compare(x.length(), y.length());
    }
    return Integer.signum(x.compareTo(y));
  }

  private static String stripZeros(String digits) {
    int k = 0;
    while (k < digits.length() && digits.charAt(k) == '0') {
      k++;
    }
    return digits.substring(k);
  }
}
