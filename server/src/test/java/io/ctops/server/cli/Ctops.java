package io.ctops.server.cli;

import io.ctops.server.platform.config.Environment;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

/** Runs the real {@code ctops} command tree in-process with a given environment. */
final class Ctops {
  private Ctops() {}

  /** What one run printed and returned. */
  record Run(int exitCode, String out, String err) {}

  static Run run(Map<String, String> environment, String... args) {
    return run(environment, Clock.systemUTC(), args);
  }

  static Run run(Map<String, String> environment, Clock clock, String... args) {
    return run(environment, clock, "", args);
  }

  /** A run with {@code input} on standard input. */
  static Run withInput(Map<String, String> environment, String input, String... args) {
    return run(environment, Clock.systemUTC(), input, args);
  }

  private static Run run(
      Map<String, String> environment, Clock clock, String input, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var commandLine =
        Cli.build(
            new CliContext(
                new Environment(environment),
                clock,
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8))));
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }
}
