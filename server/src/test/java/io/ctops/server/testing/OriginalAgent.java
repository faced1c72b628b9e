package io.ctops.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The original CT-Ops Go agent, unchanged, run as a process against a test ingest: what agents in
 * the field run. The binary is {@code ../shared/compat/original-agent/ctops-agent} beside the
 * checkout (the build passes the path as {@code ctops.original-agent}; {@code CTOPS_ORIGINAL_AGENT}
 * overrides it). Its environment has no {@code CT_OPS_*} variables: they override its file.
 */
public final class OriginalAgent implements AutoCloseable {
  private final Process process;
  private final Path logFile;

  private OriginalAgent(Process process, Path logFile) {
    this.process = process;
    this.logFile = logFile;
  }

  /** Where the binary is; fails with where it looked when it is not there. */
  public static Path binary() {
    String configured =
        System.getenv()
            .getOrDefault("CTOPS_ORIGINAL_AGENT", System.getProperty("ctops.original-agent"));
    if (configured == null || !Files.isRegularFile(Path.of(configured))) {
      throw new IllegalStateException(
          "the original CT-Ops agent is not at "
              + configured
              + " (../shared/compat/original-agent/ctops-agent beside the checkout);"
              + " set CTOPS_ORIGINAL_AGENT to its path");
    }
    return Path.of(configured);
  }

  /** Why the binary cannot run on this machine (not Linux, wrong architecture...), if it cannot. */
  public static Optional<String> whyItCannotRun() {
    try {
      Process version =
          new ProcessBuilder(binary().toString(), "--version").redirectErrorStream(true).start();
      String output = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!version.waitFor(20, TimeUnit.SECONDS)) {
        version.destroyForcibly();
        return Optional.of("`ctops-agent --version` did not finish");
      }
      return version.exitValue() == 0
          ? Optional.empty()
          : Optional.of("`ctops-agent --version` exited " + version.exitValue() + ": " + output);
    } catch (IOException e) {
      return Optional.of("it cannot execute here: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted");
    }
  }

  /**
   * Starts the agent on {@code dataDir} with a configuration file as its README gives it: ingest at
   * {@code localhost} (the name in the test server's certificate), our CA file, the token, an
   * interval of {@code heartbeatSeconds} and {@code tags} ("key:value").
   */
  public static OriginalAgent start(
      IngestFixture ingest, String token, Path dataDir, int heartbeatSeconds, List<String> tags) {
    try {
      Files.createDirectories(dataDir);
      Path config = dataDir.resolveSibling(dataDir.getFileName() + ".toml");
      Files.writeString(
          config,
          """
          [ingest]
          address = "localhost:%d"
          ca_cert_file = "%s"

          [agent]
          org_token = "%s"
          data_dir = "%s"
          heartbeat_interval_secs = %d
          tags = [%s]
          """
              .formatted(
                  ingest.ingest.grpcPort(),
                  ingest.serverCertificate,
                  token,
                  dataDir,
                  heartbeatSeconds,
                  tags.stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(", "))));
      Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
      ProcessBuilder builder =
          new ProcessBuilder(binary().toString(), "--config", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().keySet().removeIf(name -> name.startsWith("CT_OPS_"));
      return new OriginalAgent(builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Everything the agent logged so far. */
  public String log() {
    try {
      return Files.exists(logFile) ? Files.readString(logFile) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the process to end by itself; its exit code, or empty while it still runs. */
  public Optional<Integer> exitWithin(Duration wait) throws InterruptedException {
    return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)
        ? Optional.of(process.exitValue())
        : Optional.empty();
  }

  /** Stops it as systemd would (SIGTERM, then SIGKILL after 10 s). */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
