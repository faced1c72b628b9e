package io.ctops.server.heartbeat;

/** Compares agent versions ({@code 1.4.2}, {@code 1.5.0-rc1}) to tell an agent an update exists. */
final class AgentVersions {
  private AgentVersions() {}

  /**
   * True when {@code version} is older than {@code latest}; unparsable versions are never older.
   */
  static boolean isOlder(String version, String latest) {
    int[] a = numbers(version);
    int[] b = numbers(latest);
    if (a == null || b == null) {
      return false;
    }
    for (int i = 0; i < 3; i++) {
      if (a[i] != b[i]) {
        return a[i] < b[i];
      }
    }
    // Same numbers: a pre-release (1.5.0-rc1) is older than the release (1.5.0).
    return version.contains("-") && !latest.contains("-");
  }

  private static int[] numbers(String version) {
    String core = version.strip().replaceFirst("^v", "").split("[-+]", 2)[0];
    String[] parts = core.split("\\.");
    if (parts.length == 0 || parts.length > 3) {
      return null;
    }
    int[] numbers = new int[3];
    try {
      for (int i = 0; i < parts.length; i++) {
        numbers[i] = Integer.parseInt(parts[i]);
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return numbers;
  }
}
