package io.ctops.server.cli;

import io.ctops.agent.log.LineLogging;
import io.ctops.server.platform.config.Environment;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;

/** Entry point of the {@code ctops} command. */
public final class Main {
  private static final Set<String> LONG_RUNNING = Set.of("quickstart", "server", "ingest", "web");

  private Main() {}

  private static String logLevel(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--log-level") && i + 1 < args.length) {
        return args[i + 1].toUpperCase(Locale.ROOT);
      }
      if (args[i].startsWith("--log-level=")) {
        return args[i].substring("--log-level=".length()).toUpperCase(Locale.ROOT);
      }
    }
    return "INFO";
  }

  public static void main(String[] args) {
    // Long-running roles log what they do; one-shot commands print their result and stay quiet
    // unless something goes wrong. Set before the first logger is created.
    boolean longRunning = args.length > 0 && LONG_RUNNING.contains(args[0]);
    boolean agent = args.length > 1 && args[0].equals("agent") && args[1].equals("run");
    if (agent) {
      // The agent's structured lines on standard output: the same backend AgentMain uses.
      try {
        LineLogging.install(logLevel(args));
      } catch (IllegalArgumentException e) {
        System.err.println("ctops: " + e.getMessage());
        System.exit(Cli.USAGE_ERROR);
      }
    }
    if (System.getProperty("ctops.log.level") == null) {
      System.setProperty("ctops.log.level", longRunning ? "INFO" : "WARN");
    }
    int exitCode = Cli.build(new CliContext(Environment.system(), Clock.systemUTC())).execute(args);
    System.exit(exitCode);
  }
}
