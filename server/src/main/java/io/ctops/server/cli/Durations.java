package io.ctops.server.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations as people type them: {@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}, {@code 1d12h},
 * or ISO-8601 ({@code PT24H}).
 */
public final class Durations implements ITypeConverter<Duration> {
  private static final Pattern PART = Pattern.compile("(\\d+)([smhdw])");
  private static final Pattern WHOLE = Pattern.compile("(\\d+[smhdw])+");

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  public static Duration parse(String value) {
    String text = value.strip().toLowerCase(Locale.ROOT);
    Duration duration;
    if (text.startsWith("p")) {
      try {
        duration = Duration.parse(text.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw invalid(value);
      }
    } else {
      if (!WHOLE.matcher(text).matches()) {
        throw invalid(value);
      }
      duration = Duration.ZERO;
      Matcher part = PART.matcher(text);
      while (part.find()) {
        long amount;
        try {
          amount = Long.parseLong(part.group(1));
          duration =
              duration.plus(
                  switch (part.group(2)) {
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    case "d" -> Duration.ofDays(amount);
                    default -> Duration.ofDays(Math.multiplyExact(amount, 7));
                  });
        } catch (ArithmeticException | NumberFormatException e) {
          throw invalid(value);
        }
      }
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new TypeConversionException("the duration must be positive, got '" + value + "'");
    }
    return duration;
  }

  private static TypeConversionException invalid(String value) {
    return new TypeConversionException(
        "expected a duration like 30m, 24h, 7d or 1d12h, got '" + value + "'");
  }
}
