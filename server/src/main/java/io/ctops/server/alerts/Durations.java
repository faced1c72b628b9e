package io.ctops.server.alerts;

/** Seconds as people say them: "90 s", "5 minutes", "2 hours". */
final class Durations {
  private Durations() {}

  static String shown(int seconds) {
    if (seconds % 3600 == 0 && seconds > 0) {
      return plural(seconds / 3600, "hour");
    }
    if (seconds % 60 == 0 && seconds > 0) {
      return plural(seconds / 60, "minute");
    }
    return seconds + " s";
  }

  private static String plural(int n, String unit) {
    return n + " " + unit + (n == 1 ? "" : "s");
  }
}
