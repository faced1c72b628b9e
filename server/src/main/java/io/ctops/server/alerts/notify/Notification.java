package io.ctops.server.alerts.notify;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What one message says: a rule's notices of one event, grouped — the rule, the first {@link
 * #SHOWN_HOSTS} hosts by name and how many there are in all, and the time span of the notices.
 * Every channel kind renders it its own way.
 */
record Notification(
    String event,
    Rule rule,
    List<Host> hosts,
    int hostCount,
    Instant firstAt,
    Instant lastAt,
    Instant groupedAt) {

  /** How many hosts a message names; the rest are counted ("and N more"). */
  static final int SHOWN_HOSTS = 20;

  /** The rule a message is about; {@code runbookUrl} may be null. */
  record Rule(UUID id, String name, String severity, String description, String runbookUrl) {}

  /** A host of the message with the value its alert saw (null when the rule has none). */
  record Host(UUID id, String hostname, Double value) {}

  /** The message "Send test" sends: no rule, no host. */
  static Notification test(Instant now) {
    return new Notification(
        "test",
        new Rule(null, "Test message", "info", "A test of this channel from CT-Ops.", null),
        List.of(),
        0,
        now,
        now,
        now);
  }

  boolean isTest() {
    return event.equals("test");
  }

  int moreHosts() {
    return hostCount - hosts.size();
  }

  /** The hosts in a sentence: "web-01 (97.5), web-02 (98) and 9,978 more". */
  String hostsInWords() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < hosts.size(); i++) {
      if (i > 0) {
        text.append(", ");
      }
      Host host = hosts.get(i);
      text.append(host.hostname());
      if (host.value() != null) {
        text.append(" (").append(formatValue(host.value())).append(')');
      }
    }
    if (moreHosts() > 0) {
      text.append(" and ").append(String.format(java.util.Locale.ROOT, "%,d", moreHosts()));
      text.append(" more");
    }
    return text.toString();
  }

  /** The event as a headline word. */
  String headline() {
    return switch (event) {
      case "firing" -> "FIRING";
      case "resolved" -> "RESOLVED";
      case "repeat" -> "STILL FIRING";
      default -> "TEST";
    };
  }

  static String formatValue(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return String.format(java.util.Locale.ROOT, "%.2f", value);
  }
}
