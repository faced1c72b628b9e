package io.ctops.agent.systemd;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A unit name an operator may act on: systemd's own characters only, so it can never be read as an
 * option ({@code --now}, {@code -H host}), a path or two arguments, and a type the Services tab
 * shows. Without a type suffix systemctl takes it as a {@code .service}.
 */
public final class UnitName {
  static final int MAX_LENGTH = 256;
  static final List<String> ACTIONABLE =
      List.of(".service", ".socket", ".timer", ".target", ".path", ".mount");
  // Every unit type systemd knows: one of these that is not ACTIONABLE is refused.
  private static final List<String> UNIT_TYPES =
      List.of(
          ".service",
          ".socket",
          ".timer",
          ".target",
          ".path",
          ".mount",
          ".device",
          ".automount",
          ".swap",
          ".slice",
          ".scope");
  private static final Pattern CHARACTERS = Pattern.compile("[A-Za-z0-9:_.@\\\\-]+");

  private UnitName() {}

  /** Why {@code name} is not a unit name to act on; empty when it is one. */
  public static Optional<String> problem(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of("service_name is empty");
    }
    String shown = "'" + printable(name) + "'";
    if (name.length() > MAX_LENGTH) {
      return Optional.of("service_name is longer than " + MAX_LENGTH + " characters");
    }
    if (name.startsWith("-")) {
      return Optional.of("service_name " + shown + " starts with '-': it would be an option");
    }
    if (!CHARACTERS.matcher(name).matches()) {
      return Optional.of(
          "service_name "
              + shown
              + " is not a systemd unit name (letters, digits and : _ . @ \\ - only;"
              + " no spaces or '/')");
    }
    if (name.startsWith(".") || name.endsWith(".") || name.endsWith("@")) {
      return Optional.of("service_name " + shown + " is not a systemd unit name");
    }
    for (String type : UNIT_TYPES) {
      if (name.endsWith(type) && !ACTIONABLE.contains(type)) {
        return Optional.of(
            "service_name "
                + shown
                + " is a "
                + type
                + " unit; only "
                + String.join(", ", ACTIONABLE)
                + " units are managed here");
      }
    }
    return Optional.empty();
  }

  /** {@code name} with the {@code .service} that systemctl would add when it has no type. */
  public static String withType(String name) {
    for (String type : UNIT_TYPES) {
      if (name.endsWith(type)) {
        return name;
      }
    }
    return name + ".service";
  }

  private static String printable(String name) {
    StringBuilder out = new StringBuilder();
    name.codePoints()
        .limit(80)
        .forEach(c -> out.append(Character.isISOControl(c) ? "?" : Character.toString(c)));
    return name.length() > 80 ? out + "…" : out.toString();
  }
}
