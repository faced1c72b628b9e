package io.ctops.server.alerts;

import java.util.Arrays;
import java.util.Optional;

/** How bad an alert is; the Hosts page colours a host's alert count by its highest one. */
public enum Severity {
  INFO,
  WARNING,
  CRITICAL;

  public String dbName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static Optional<Severity> parse(String text) {
    return Arrays.stream(values()).filter(s -> s.dbName().equals(text)).findFirst();
  }

  public static Severity fromDb(String text) {
    return parse(text).orElseThrow(() -> new IllegalStateException("severity " + text));
  }
}
