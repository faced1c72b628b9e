package io.ctops.agent.host;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The host's own programs as the agent runs them: found on the agent's executable search path (its
 * {@code PATH}, or one a test puts stand-ins on), started directly with no shell in between, in the
 * C locale so their output parses the same everywhere, and killed when they overrun their time.
 */
public final class HostTools {
  /** The search path when the agent's environment has none. */
  public static final List<Path> DEFAULT_PATH =
      List.of(
          Path.of("/usr/local/sbin"),
          Path.of("/usr/local/bin"),
          Path.of("/usr/sbin"),
          Path.of("/usr/bin"),
          Path.of("/sbin"),
          Path.of("/bin"));

  /** More output than any listing of units needs: beyond it the rest is read and dropped. */
  static final int MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

  private final List<Path> searchPath;

  public HostTools(List<Path> searchPath) {
    this.searchPath = List.copyOf(searchPath);
  }

  /** How a program ended and what it wrote. */
  public record Ran(int exitCode, String stdout, String stderr) {
    public boolean succeeded() {
      return exitCode == 0;
    }

    /** Standard error, or standard output when that is empty, as one trimmed text. */
    public String message() {
      return (stderr.isBlank() ? stdout : stderr).strip();
    }
  }

  /** A program that did not run to its end: not found, not startable, or too slow. */
  public static final class NotRun extends Exception {
    private static final long serialVersionUID = 1L;

    public NotRun(String message) {
      super(message);
    }
  }

  /** The executable {@code name} on the search path, if there is one. */
  public Optional<Path> find(String name) {
    for (Path dir : searchPath) {
      Path candidate = dir.resolve(name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Runs {@code name} with {@code args} and waits for it, at most {@code timeout}. */
  public Ran run(String name, List<String> args, Duration timeout)
      throws NotRun, InterruptedException {
    Path program = find(name).orElseThrow(() -> new NotRun(name + " not found on " + pathText()));
    Process process = start(command(program, args), ProcessBuilder.Redirect.PIPE);
    CompletableFuture<String> stdout = read(process.getInputStream());
    CompletableFuture<String> stderr = read(process.getErrorStream());
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new NotRun(
            name
                + " "
                + String.join(" ", args)
                + " did not finish within "
                + timeout.toSeconds()
                + " s");
      }
      return new Ran(process.exitValue(), stdout.get(), stderr.get());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      throw e;
    } catch (ExecutionException e) {
      throw new NotRun("cannot read the output of " + name + ": " + e.getCause().getMessage());
    } finally {
      // Ends the readers of a process that was killed.
      closeQuietly(process.getInputStream());
      closeQuietly(process.getErrorStream());
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // nothing more to read either way
    }
  }

  /**
   * Starts {@code name} in a session of its own ({@code setsid}), reading nothing and writing to
   * {@code log}, and does not wait: it outlives the agent.
   */
  public void startDetached(String name, List<String> args, Path log) throws NotRun {
    Path setsid = find("setsid").orElseThrow(() -> new NotRun("setsid not found on " + pathText()));
    Path program = find(name).orElse(Path.of(name));
    List<String> command = new ArrayList<>(command(setsid, List.of()));
    command.addAll(command(program, args));
    start(command, ProcessBuilder.Redirect.appendTo(log.toFile()));
  }

  private Process start(List<String> command, ProcessBuilder.Redirect output) throws NotRun {
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.put("PATH", pathText());
    env.put("LANG", "C");
    env.put("LC_ALL", "C");
    env.remove("LANGUAGE");
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.redirectOutput(output);
    builder.redirectError(output);
    try {
      return builder.start();
    } catch (IOException e) {
      throw new NotRun("cannot start " + command.get(0) + ": " + e.getMessage());
    }
  }

  private static List<String> command(Path program, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(program.toString());
    command.addAll(args);
    return command;
  }

  private static CompletableFuture<String> read(InputStream in) {
    CompletableFuture<String> text = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                byte[] bytes = in.readNBytes(MAX_OUTPUT_BYTES);
                in.transferTo(OutputStream.nullOutputStream());
                text.complete(new String(bytes, StandardCharsets.UTF_8));
              } catch (IOException e) {
                text.completeExceptionally(e);
              }
            });
    return text;
  }

  /** The search path as {@code PATH} spells it. */
  public String pathText() {
    return searchPath.stream().map(Path::toString).collect(Collectors.joining(":"));
  }
}
