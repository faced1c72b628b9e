package io.ctops.server.cli;

import io.ctops.server.platform.config.Environment;
import java.time.Clock;
import java.util.Set;

/** Entry point of the {@code ctops} command. */
public final class Main {
  private static final Set<String> LONG_RUNNING = Set.of("server", "ingest");

  private Main() {}

  public static void main(String[] args) {
    // Long-running roles log what they do; one-shot commands print their result and stay quiet
    // unless something goes wrong. Set before the first logger is created.
    boolean longRunning = args.length > 0 && LONG_RUNNING.contains(args[0]);
    if (System.getProperty("ctops.log.level") == null) {
      System.setProperty("ctops.log.level", longRunning ? "INFO" : "WARN");
    }
    int exitCode = Cli.build(new CliContext(Environment.system(), Clock.systemUTC())).execute(args);
    System.exit(exitCode);
  }
}
