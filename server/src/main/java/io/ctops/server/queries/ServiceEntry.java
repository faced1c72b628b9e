package io.ctops.server.queries;

/**
 * One systemd service as the agent reported it. Agents send the active state and sub-state as one
 * field ({@code active/running}); older agents may send one word, kept as the active state.
 *
 * @param unitFileState enabled, disabled, static, masked … ; empty when the agent did not say
 * @param mainPid 0 when the unit has no main process (or the agent did not say)
 */
public record ServiceEntry(
    String name,
    String loadState,
    String activeState,
    String subState,
    String unitFileState,
    String description,
    int mainPid) {

  public boolean isRunning() {
    return "running".equals(subState) || ("active".equals(activeState) && subState.isEmpty());
  }

  public boolean isFailed() {
    return "failed".equals(activeState) || "failed".equals(subState);
  }

  public boolean isEnabled() {
    return unitFileState.startsWith("enabled");
  }

  public boolean isActive() {
    return "active".equals(activeState) || "reloading".equals(activeState);
  }

  /** Splits the wire's {@code active_sub}: "active/running", "active (running)" or one word. */
  public static String[] activeAndSub(String activeSub) {
    String text = activeSub.strip();
    int slash = text.indexOf('/');
    if (slash >= 0) {
      return new String[] {text.substring(0, slash).strip(), text.substring(slash + 1).strip()};
    }
    int paren = text.indexOf('(');
    if (paren >= 0 && text.endsWith(")")) {
      return new String[] {
        text.substring(0, paren).strip(), text.substring(paren + 1, text.length() - 1).strip()
      };
    }
    int space = text.indexOf(' ');
    if (space >= 0) {
      return new String[] {text.substring(0, space), text.substring(space + 1).strip()};
    }
    return new String[] {text, ""};
  }
}
