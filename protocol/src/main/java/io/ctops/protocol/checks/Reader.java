package io.ctops.protocol.checks;

import io.ctops.protocol.checks.CheckConfig.InvalidCheckException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/** Reads typed keys of one check's parameters, remembering which keys were read. */
final class Reader {
  private final String type;
  private final Map<String, ?> config;
  private final Set<String> read = new HashSet<>();

  Reader(String type, Map<String, ?> config) {
    this.type = type;
    this.config = config;
  }

  private Object value(String key) {
    read.add(key);
    return config.get(key);
  }

  Optional<String> optionalText(String key, int maxLength) {
    Object value = value(key);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String text)) {
      throw new InvalidCheckException(key + " is a string");
    }
    if (text.length() > maxLength) {
      throw new InvalidCheckException(key + " is limited to " + maxLength + " characters");
    }
    if (text.indexOf('\0') >= 0) {
      throw new InvalidCheckException(key + " cannot contain a NUL character");
    }
    return text.isEmpty() ? Optional.empty() : Optional.of(text);
  }

  String requiredText(String key, int maxLength) {
    return optionalText(key, maxLength)
        .filter(text -> !text.isBlank())
        .orElseThrow(() -> new InvalidCheckException("a " + type + " check needs " + key));
  }

  /** A host name or address; {@code local} defaults it to this host (127.0.0.1). */
  String host(String key, boolean local) {
    Optional<String> host = optionalText(key, 253).map(String::strip).filter(h -> !h.isEmpty());
    if (host.isEmpty()) {
      if (local) {
        return "127.0.0.1";
      }
      throw new InvalidCheckException("a " + type + " check needs " + key);
    }
    if (!host.get().matches("[A-Za-z0-9.:_\\[\\]%-]+")) {
      throw new InvalidCheckException(key + " is a host name or an IP address");
    }
    return host.get();
  }

  /** A TCP port; {@code fallback} null makes it required. */
  int port(String key, Integer fallback) {
    if (config.get(key) == null && fallback == null) {
      read.add(key);
      throw new InvalidCheckException("a " + type + " check needs " + key + " (1-65535)");
    }
    int port = integer(key, fallback == null ? 0 : fallback, Integer.MIN_VALUE, Integer.MAX_VALUE);
    if (port < 1 || port > 65535) {
      throw new InvalidCheckException(key + " is between 1 and 65535");
    }
    return port;
  }

  /** An absolute path. */
  String path(String key) {
    String path = requiredText(key, 4096);
    if (!path.startsWith("/")) {
      throw new InvalidCheckException(key + " is an absolute path (starting with /)");
    }
    return path;
  }

  /** A list of at most {@code maxCount} absolute paths; absent or null is an empty list. */
  List<String> paths(String key, int maxCount) {
    Object value = value(key);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> items)) {
      throw new InvalidCheckException(key + " is a list of absolute paths");
    }
    if (items.size() > maxCount) {
      throw new InvalidCheckException(key + " names at most " + maxCount + " paths");
    }
    List<String> paths = new ArrayList<>();
    for (Object item : items) {
      if (!(item instanceof String path) || !path.startsWith("/")) {
        throw new InvalidCheckException(
            key + " is a list of absolute paths (each starting with /)");
      }
      if (path.length() > 4096 || path.indexOf('\0') >= 0) {
        throw new InvalidCheckException(
            key + " has a path longer than 4096 characters or with a NUL character");
      }
      paths.add(path);
    }
    return List.copyOf(paths);
  }

  int integer(String key, int fallback, int min, int max) {
    OptionalInt value = optionalInteger(key, min, max);
    return value.isPresent() ? value.getAsInt() : fallback;
  }

  OptionalInt optionalInteger(String key, int min, int max) {
    OptionalLong value = optionalLong(key, min, max);
    return value.isPresent() ? OptionalInt.of((int) value.getAsLong()) : OptionalInt.empty();
  }

  OptionalLong optionalLong(String key, long min, long max) {
    Object value = value(key);
    if (value == null) {
      return OptionalLong.empty();
    }
    long number = wholeNumber(key, value);
    if (number < min || number > max) {
      throw new InvalidCheckException(key + " is between " + min + " and " + max);
    }
    return OptionalLong.of(number);
  }

  private static long wholeNumber(String key, Object value) {
    // agents in the field and some API clients send numbers as strings ("443")
    if (value instanceof String text) {
      try {
        return Long.parseLong(text.strip());
      } catch (NumberFormatException e) {
        throw new InvalidCheckException(key + " is a whole number");
      }
    }
    if (value instanceof Number number) {
      double d = number.doubleValue();
      if (d != Math.rint(d) || Double.isInfinite(d) || Math.abs(d) > 9.0e15) {
        throw new InvalidCheckException(key + " is a whole number");
      }
      return number.longValue();
    }
    throw new InvalidCheckException(key + " is a whole number");
  }

  boolean bool(String key, boolean fallback) {
    Object value = value(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Boolean flag)) {
      throw new InvalidCheckException(key + " is true or false");
    }
    return flag;
  }

  Duration timeout() {
    return Duration.ofSeconds(
        integer(
            "timeout_seconds",
            CheckConfig.DEFAULT_TIMEOUT_SECONDS,
            1,
            CheckConfig.MAX_TIMEOUT_SECONDS));
  }

  void noOtherKeys() {
    Set<String> unknown = new TreeSet<>(config.keySet());
    unknown.removeAll(read);
    if (!unknown.isEmpty()) {
      throw new InvalidCheckException(
          "a " + type + " check does not take " + String.join(", ", unknown));
    }
  }
}
