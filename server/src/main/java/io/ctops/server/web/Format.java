package io.ctops.server.web;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How values read on pages: percentages, times, byte rates. */
public final class Format {
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private Format() {}

  public static String percent(Float value) {
    return value == null ? "—" : String.format(Locale.ROOT, "%.1f%%", value);
  }

  public static String timestamp(Instant instant) {
    return instant == null ? "never" : TIMESTAMP.format(instant);
  }

  /** "12s ago", "5m ago", "3h ago", "2d ago". */
  public static String ago(Instant instant) {
    if (instant == null) {
      return "never";
    }
    long seconds = Math.max(0, Duration.between(instant, Instant.now()).toSeconds());
    if (seconds < 60) {
      return seconds + "s ago";
    }
    if (seconds < 3600) {
      return seconds / 60 + "m ago";
    }
    if (seconds < 86_400) {
      return seconds / 3600 + "h ago";
    }
    return seconds / 86_400 + "d ago";
  }

  /** "850 ms", "2.4 s", "3 min 5 s". */
  public static String millis(long millis) {
    if (millis < 1000) {
      return millis + " ms";
    }
    if (millis < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
    long seconds = millis / 1000;
    return seconds / 60 + " min" + (seconds % 60 == 0 ? "" : " " + seconds % 60 + " s");
  }

  /** A period in its largest whole unit: "30 s", "5 min", "1 h", "90 s". */
  public static String seconds(long seconds) {
    if (seconds >= 3600 && seconds % 3600 == 0) {
      return seconds / 3600 + " h";
    }
    if (seconds >= 60 && seconds % 60 == 0) {
      return seconds / 60 + " min";
    }
    return seconds + " s";
  }

  public static String statusLabel(String status) {
    return switch (status == null ? "" : status) {
      case "online" -> "Online";
      case "offline" -> "Offline";
      case "pending" -> "Pending";
      case "revoked" -> "Revoked";
      case "active" -> "Approved";
      default -> "Unknown";
    };
  }

  public static String orDash(Object value) {
    return value == null || value.toString().isBlank() ? "—" : value.toString();
  }
}
