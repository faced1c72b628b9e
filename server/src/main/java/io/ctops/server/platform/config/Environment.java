package io.ctops.server.platform.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Typed, validated reads of environment variables. The only place that looks at the process
 * environment is {@link #system()}; everything else is handed an {@code Environment}, so tests pass
 * a map.
 */
public final class Environment {
  private final Map<String, String> variables;

  public Environment(Map<String, String> variables) {
    this.variables = Map.copyOf(variables);
  }

  public static Environment system() {
    return new Environment(System.getenv());
  }

  /** All variables, for components configured by their own rules (the agent's config file). */
  public Map<String, String> variables() {
    return variables;
  }

  /** The value, or empty when unset or blank. */
  public Optional<String> text(String name) {
    String value = variables.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
  }

  public String text(String name, String fallback) {
    return text(name).orElse(fallback);
  }

  public String required(String name, String why) {
    return text(name).orElseThrow(() -> new ConfigException(name, "is required " + why));
  }

  public int port(String name, int fallback) {
    int port = integer(name, fallback);
    if (port < 1 || port > 65535) {
      throw new ConfigException(name, "must be a TCP port between 1 and 65535, got " + port);
    }
    return port;
  }

  public int integer(String name, int fallback) {
    Optional<String> raw = text(name);
    if (raw.isEmpty()) {
      return fallback;
    }
    try {
      return Integer.parseInt(raw.get());
    } catch (NumberFormatException e) {
      throw new ConfigException(name, "must be a whole number, got '" + raw.get() + "'");
    }
  }

  public int positiveInteger(String name, int fallback) {
    int value = integer(name, fallback);
    if (value < 1) {
      throw new ConfigException(name, "must be at least 1, got " + value);
    }
    return value;
  }

  /** A path to a file that must exist and be readable, when the variable is set. */
  public Optional<Path> readableFile(String name) {
    return text(name).map(raw -> requireReadable(name, Path.of(raw)));
  }

  public Path path(String name, Path fallback) {
    return text(name).map(Path::of).orElse(fallback).toAbsolutePath().normalize();
  }

  /** An absolute http(s) URL without a trailing slash. */
  public String httpUrl(String name, String fallback) {
    String raw = text(name, fallback);
    try {
      URI uri = new URI(raw);
      String scheme = uri.getScheme();
      if (scheme == null
          || !(scheme.equals("http") || scheme.equals("https"))
          || uri.getHost() == null) {
        throw new ConfigException(name, "must be an absolute http(s) URL, got '" + raw + "'");
      }
    } catch (URISyntaxException e) {
      throw new ConfigException(name, "is not a valid URL: '" + raw + "'");
    }
    return raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw;
  }

  static Path requireReadable(String name, Path file) {
    if (!Files.exists(file)) {
      throw new ConfigException(name, "file " + file + " does not exist");
    }
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(name, file + " is not a regular file");
    }
    if (!Files.isReadable(file)) {
      throw new ConfigException(name, "file " + file + " is not readable");
    }
    return file;
  }
}
