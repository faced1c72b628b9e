package io.ctops.agent.checks;

import io.ctops.protocol.checks.CheckConfig.Process;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Counts the processes named {@code process_name} in {@code /proc/*}{@code /comm} (or, with {@code
 * match_command_line}, whose {@code /proc/*}{@code /cmdline} contains it). The kernel keeps only
 * the first 15 bytes of a name; a longer name matches a process whose program file has that name.
 */
final class ProcessProbe {
  // TASK_COMM_LEN less its terminating NUL.
  private static final int COMM_LENGTH = 15;

  private final Path proc;

  ProcessProbe(Path proc) {
    this.proc = proc;
  }

  Outcome run(Process check) throws InterruptedException {
    int count = 0;
    try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, "[0-9]*")) {
      for (Path process : processes) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        if (check.matchCommandLine()
            ? commandLine(process).contains(check.processName())
            : isNamed(process, check.processName())) {
          count++;
        }
      }
    } catch (IOException e) {
      return Outcome.error("cannot list the processes in " + proc + ": " + e.getMessage());
    }
    int max = check.maxCount().orElse(Integer.MAX_VALUE);
    boolean holds = count >= check.minCount() && count <= max;
    String found =
        count
            + (count == 1 ? " process" : " processes")
            + (check.matchCommandLine()
                ? " with \"" + check.processName() + "\" in the command line"
                : " named " + check.processName());
    return Outcome.of(holds, holds ? found : found + " (expected " + expected(check) + ")");
  }

  private static String expected(Process check) {
    if (check.maxCount().isEmpty()) {
      return "at least " + check.minCount();
    }
    int max = check.maxCount().getAsInt();
    if (check.minCount() == max) {
      return "exactly " + max;
    }
    return check.minCount() == 0 ? "at most " + max : check.minCount() + " to " + max;
  }

  private static boolean isNamed(Path process, String name) {
    String comm = read(process.resolve("comm")).strip();
    if (comm.equals(name)) {
      return true;
    }
    if (name.length() <= COMM_LENGTH || comm.length() != COMM_LENGTH || !name.startsWith(comm)) {
      return false;
    }
    String program = read(process.resolve("cmdline"));
    int end = program.indexOf('\0');
    program = end < 0 ? program : program.substring(0, end);
    return program.substring(program.lastIndexOf('/') + 1).equals(name);
  }

  /** The command line, its arguments joined by spaces; empty for kernel threads. */
  private static String commandLine(Path process) {
    return read(process.resolve("cmdline")).replace('\0', ' ').strip();
  }

  /** A file of a process, empty when the process ended meanwhile or hides it from the agent. */
  private static String read(Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
