package io.ctops.server.hosts;

import java.util.Optional;

/**
 * A host's display name as an engineer or admin sets it: trimmed, at most {@value #MAX_LENGTH}
 * characters, no control, format or line-separator characters (a name shows in lists and titles,
 * where a line break or a bidirectional override would disguise which host is which). Empty clears
 * it, so the hostname alone names the host again.
 */
final class DisplayName {
  static final int MAX_LENGTH = 100;

  private DisplayName() {}

  /** The name to store, or empty to clear it; an {@link IllegalArgumentException} says why not. */
  static Optional<String> parse(String input) {
    String name = input == null ? "" : input.strip();
    if (name.isEmpty()) {
      return Optional.empty();
    }
    if (name.codePointCount(0, name.length()) > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "display_name must be at most " + MAX_LENGTH + " characters");
    }
    name.codePoints()
        .filter(DisplayName::isRefused)
        .findFirst()
        .ifPresent(
            c -> {
              throw new IllegalArgumentException(
                  "display_name must not contain control characters (found U+%04X)".formatted(c));
            });
    return Optional.of(name);
  }

  private static boolean isRefused(int codePoint) {
    return switch (Character.getType(codePoint)) {
      case Character.CONTROL,
          Character.FORMAT,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR,
          Character.SURROGATE,
          Character.UNASSIGNED ->
          true;
      default -> false;
    };
  }
}
