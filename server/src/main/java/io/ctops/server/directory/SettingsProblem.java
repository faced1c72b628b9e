package io.ctops.server.directory;

/** A value of the directory settings that cannot be saved: which field, and what is wrong. */
public record SettingsProblem(String field, String message) {
  @Override
  public String toString() {
    return field + ": " + message;
  }
}
