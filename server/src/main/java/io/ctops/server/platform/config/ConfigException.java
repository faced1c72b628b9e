package io.ctops.server.platform.config;

/**
 * A setting is missing or wrong. The message names the variable and the problem in one line, so
 * startup can print it as-is and stop.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String variable, String problem) {
    super(variable + ": " + problem);
  }
}
