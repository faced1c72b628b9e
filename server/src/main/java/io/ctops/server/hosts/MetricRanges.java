package io.ctops.server.hosts;

import io.ctops.server.web.HttpProblem;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The time windows a metrics chart offers (the last hour to the last 30 days), and explicit {@code
 * from}/{@code to} windows (unix seconds) for a zoomed chart.
 */
public final class MetricRanges {
  public static final List<String> NAMES = List.of("1h", "6h", "24h", "7d", "30d");
  private static final Map<String, Duration> DURATIONS =
      Map.of(
          "1h", Duration.ofHours(1),
          "6h", Duration.ofHours(6),
          "24h", Duration.ofHours(24),
          "7d", Duration.ofDays(7),
          "30d", Duration.ofDays(30));
  static final Duration LONGEST = Duration.ofDays(31);

  private MetricRanges() {}

  public record Window(Instant from, Instant to) {}

  public static String rangeName(Optional<String> range) {
    String name = range.filter(r -> !r.isEmpty()).orElse("1h");
    if (!DURATIONS.containsKey(name)) {
      throw HttpProblem.badRequest("range must be one of 1h, 6h, 24h, 7d, 30d");
    }
    return name;
  }

  public static Window window(
      Optional<String> range, Optional<String> from, Optional<String> to, Instant now) {
    if (from.isPresent() || to.isPresent()) {
      if (from.isEmpty() || to.isEmpty()) {
        throw HttpProblem.badRequest("from and to go together (unix seconds)");
      }
      Instant start = seconds("from", from.get());
      Instant end = seconds("to", to.get());
      if (!end.isAfter(start)) {
        throw HttpProblem.badRequest("to must be after from");
      }
      if (Duration.between(start, end).compareTo(LONGEST) > 0) {
        throw HttpProblem.badRequest("a window is at most 31 days");
      }
      return new Window(start, end);
    }
    Duration duration = DURATIONS.get(rangeName(range));
    return new Window(now.minus(duration), now);
  }

  private static Instant seconds(String name, String text) {
    try {
      long value = Long.parseLong(text);
      if (value < 0 || value > 32_503_680_000L) {
        throw HttpProblem.badRequest(name + " is out of range");
      }
      return Instant.ofEpochSecond(value);
    } catch (NumberFormatException e) {
      throw HttpProblem.badRequest(name + " must be unix seconds");
    }
  }
}
