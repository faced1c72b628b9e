package io.ctops.server.services;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A systemd unit name as an operator may give it: letters, digits and {@code : _ . @ -}, not
 * starting with a dash (it would read as an option), no path, at most 256 characters. Without a
 * known suffix it means the {@code .service} of that name, as systemctl reads it.
 */
public final class UnitName {
  static final int MAX_LENGTH = 256;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9:_.@\\\\-]+");

  private static final String[] SUFFIXES = {
    ".service", ".socket", ".timer", ".target", ".path", ".mount"
  };

  /** The agent's own unit: stopping it would cut the host off. */
  public static final String AGENT_UNIT = "ct-ops-agent.service";

  private UnitName() {}

  /** Why the name is not a unit name, or empty when it is one. */
  public static Optional<String> problem(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of("give the unit's name, e.g. nginx.service");
    }
    if (name.length() > MAX_LENGTH) {
      return Optional.of("a unit name has at most " + MAX_LENGTH + " characters");
    }
    if (name.startsWith("-")) {
      return Optional.of("\"" + name + "\" is not a unit name: it must not start with '-'");
    }
    if (name.contains("/")) {
      return Optional.of("\"" + name + "\" is not a unit name: give the unit, not a path");
    }
    if (!NAME.matcher(name).matches()) {
      return Optional.of(
          "\"" + name + "\" is not a unit name: letters, digits and : _ . @ - \\ only");
    }
    return Optional.empty();
  }

  /** The name with its suffix: {@code nginx} → {@code nginx.service}. */
  public static String full(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (String suffix : SUFFIXES) {
      if (lower.endsWith(suffix)) {
        return name;
      }
    }
    return name + ".service";
  }
}
