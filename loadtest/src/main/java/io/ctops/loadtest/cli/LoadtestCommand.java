package io.ctops.loadtest.cli;

import io.ctops.loadtest.run.Cleanup;
import io.ctops.loadtest.run.Identities;
import io.ctops.loadtest.run.LoadSettings;
import io.ctops.loadtest.run.LoadTest;
import io.ctops.loadtest.run.RunSummary;
import io.ctops.server.cli.CliContext;
import io.ctops.server.cli.CommandPlugin;
import io.ctops.server.cli.Durations;
import io.ctops.server.cli.UserError;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ctops loadtest run|cleanup}: virtual agents against a running ingest, and after them. */
@Command(
    name = "loadtest",
    description =
        "Run virtual agents against an ingest over the real protocol; remove a run's hosts.",
    mixinStandardHelpOptions = true,
    synopsisSubcommandLabel = "COMMAND")
public final class LoadtestCommand implements Runnable {
  private static final Pattern RUN_ID = Pattern.compile("[a-z0-9]{1,32}");
  private static final Pattern PREFIX = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Found by {@code ctops} on the class path. */
  public static final class Plugin implements CommandPlugin {
    @Override
    public String name() {
      return "loadtest";
    }

    @Override
    public CommandLine command(CliContext context) {
      CommandLine loadtest = new CommandLine(new LoadtestCommand());
      loadtest.addSubcommand("run", new Run());
      loadtest.addSubcommand("cleanup", new CleanupCommand(context));
      return loadtest;
    }
  }

  /** Durations as {@link Durations} reads them, and 0 for "no limit". */
  static final class DurationOrZero implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String text = value.strip();
      if (text.equals("0") || text.equals("0s")) {
        return Duration.ZERO;
      }
      return Durations.parse(text);
    }
  }

  static String newRunId() {
    return Long.toString(
        ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36, 36L * 36 * 36 * 36 * 36 * 36),
        36);
  }

  @Command(
      name = "run",
      description = {
        "Registers N virtual agents with an auto-approve token and streams heartbeats with",
        "synthetic vitals; prints a live line every --stats-interval and a summary at the end",
        "(also on Ctrl-C). Hostnames are <prefix>-<run-id>-<n>; the agents answer checks,",
        "queries, tasks and software scans."
      },
      mixinStandardHelpOptions = true,
      sortOptions = false)
  static final class Run implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--address",
        required = true,
        paramLabel = "HOST:PORT",
        description = "Ingest's gRPC address.")
    String address;

    @Option(
        names = "--token",
        required = true,
        paramLabel = "TOKEN",
        description = "An auto-approve enrolment token (checked by a preflight registration).")
    String token;

    @Option(
        names = "--agents",
        defaultValue = "100",
        paramLabel = "N",
        description = "Virtual agents (default: ${DEFAULT-VALUE}).")
    int agents;

    @Option(
        names = "--ramp",
        defaultValue = "30s",
        paramLabel = "DURATION",
        converter = DurationOrZero.class,
        description = "Spread the agents' start over this long (default: ${DEFAULT-VALUE}).")
    Duration ramp;

    @Option(
        names = "--duration",
        defaultValue = "5m",
        paramLabel = "DURATION",
        converter = DurationOrZero.class,
        description =
            "How long to measure once every agent is registered and connected; 0 runs until"
                + " Ctrl-C (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(
        names = "--heartbeat-interval",
        defaultValue = "30s",
        paramLabel = "DURATION",
        converter = Durations.class,
        description = "Each agent's heartbeat interval (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(
        names = "--ca-cert",
        paramLabel = "FILE",
        description =
            "CA certificate that signed ingest's TLS certificate (default: the system's trusted CAs).")
    Path caCert;

    @Option(
        names = "--tls-skip-verify",
        description = "Do not verify ingest's certificate (tests only).")
    boolean skipVerify;

    @Option(
        names = "--conn-fanout",
        defaultValue = "50",
        paramLabel = "N",
        description = "Agents sharing one connection (default: ${DEFAULT-VALUE}).")
    int fanout;

    @Option(
        names = "--registration-concurrency",
        defaultValue = "32",
        paramLabel = "N",
        description = "Registrations in flight at once (default: ${DEFAULT-VALUE}).")
    int registrationConcurrency;

    @Option(
        names = "--run-id",
        paramLabel = "ID",
        description = "Names this run's hosts; lower-case letters and digits (default: random).")
    String runId;

    @Option(
        names = "--hostname-prefix",
        defaultValue = "loadtest",
        paramLabel = "PREFIX",
        description = "Hostnames are PREFIX-RUNID-N (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(
        names = "--metrics-jitter",
        defaultValue = "0.1",
        paramLabel = "FRACTION",
        description = "How far vitals drift per heartbeat, 0 to 1 (default: ${DEFAULT-VALUE}).")
    double jitter;

    @Option(
        names = "--stats-interval",
        defaultValue = "10s",
        paramLabel = "DURATION",
        converter = Durations.class,
        description = "Live line every (default: ${DEFAULT-VALUE}).")
    Duration statsInterval;

    @Option(
        names = "--inventory-packages",
        defaultValue = "100",
        paramLabel = "N",
        description =
            "Packages in the synthetic inventory sent when the server asks for a scan (default: ${DEFAULT-VALUE}).")
    int inventoryPackages;

    @Option(
        names = "--inventory-concurrency",
        defaultValue = "16",
        paramLabel = "N",
        description =
            "Inventories sent at the same time, at most; the others wait their turn (default: ${DEFAULT-VALUE}).")
    int inventoryConcurrency;

    @Option(
        names = "--settle-scans",
        paramLabel = "DURATION",
        converter = Durations.class,
        description =
            "The steady state also waits until no software scan has been asked for or waiting for"
                + " DURATION (e.g. 2m: ingest queues scans every minute and hands them out with the"
                + " next heartbeat), so a new fleet's first inventories are not measured.")
    Duration settleScans;

    @Option(
        names = "--identities",
        paramLabel = "FILE",
        description =
            "Keep the agents' identities (keys, JWTs) in FILE and reuse them next time instead of"
                + " registering again; the file fixes the run id.")
    Path identities;

    @Option(
        names = "--output-json",
        paramLabel = "FILE",
        description = "Also write the summary as JSON to FILE.")
    Path outputJson;

    @Override
    public Integer call() throws Exception {
      LoadSettings settings = settings();
      LoadTest test = new LoadTest(settings, spec.commandLine().getOut());
      Thread hook =
          new Thread(() -> test.stopAndAwaitSummary(Duration.ofSeconds(30)), "loadtest-ctrl-c");
      Runtime.getRuntime().addShutdownHook(hook);
      RunSummary summary;
      try {
        summary = test.run();
      } catch (LoadTest.Refused e) {
        throw new UserError(e.getMessage());
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the summary is printed; the JVM is on its way out
      }
      return summary.heartbeatsFailed() == 0 && summary.registrationsFailed() == 0 ? 0 : 3;
    }

    LoadSettings settings() {
      int colon = address.lastIndexOf(':');
      String host = colon > 0 ? address.substring(0, colon) : "";
      int port;
      try {
        port = Integer.parseInt(address.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (host.isEmpty() || port < 1 || port > 65_535) {
        throw new UserError("--address must be HOST:PORT, got '" + address + "'");
      }
      if (token.isBlank()) {
        throw new UserError("--token must not be empty");
      }
      if (agents < 1 || agents > 1_000_000) {
        throw new UserError("--agents must be between 1 and 1,000,000, got " + agents);
      }
      if (fanout < 1 || fanout > 10_000) {
        throw new UserError("--conn-fanout must be between 1 and 10,000, got " + fanout);
      }
      if (registrationConcurrency < 1 || registrationConcurrency > 1024) {
        throw new UserError(
            "--registration-concurrency must be between 1 and 1024, got "
                + registrationConcurrency);
      }
      if (!(jitter >= 0 && jitter <= 1)) {
        throw new UserError("--metrics-jitter must be between 0 and 1, got " + jitter);
      }
      if (interval.toMillis() < 1000) {
        throw new UserError("--heartbeat-interval must be at least 1s");
      }
      if (inventoryPackages < 0 || inventoryPackages > 100_000) {
        throw new UserError("--inventory-packages must be between 0 and 100,000");
      }
      if (inventoryConcurrency < 1 || inventoryConcurrency > 256) {
        throw new UserError(
            "--inventory-concurrency must be between 1 and 256, got " + inventoryConcurrency);
      }
      if (caCert != null && skipVerify) {
        throw new UserError("--ca-cert and --tls-skip-verify exclude each other");
      }
      if (caCert != null && !Files.isReadable(caCert)) {
        throw new UserError("--ca-cert: cannot read " + caCert);
      }
      String id = runId == null ? newRunId() : runId;
      if (identities != null) {
        Optional<Identities.Fleet> kept;
        try {
          kept = Identities.read(identities);
        } catch (IOException e) {
          throw new UserError("--identities: " + e.getMessage());
        }
        if (kept.isPresent()) {
          if (runId != null && !runId.equals(kept.get().runId())) {
            throw new UserError(
                "--run-id "
                    + runId
                    + " differs from the run "
                    + kept.get().runId()
                    + " whose identities "
                    + identities
                    + " holds");
          }
          id = kept.get().runId();
          prefix = kept.get().prefix();
        }
      }
      if (!RUN_ID.matcher(id).matches()) {
        throw new UserError(
            "--run-id must be 1 to 32 lower-case letters or digits, got '" + id + "'");
      }
      if (!PREFIX.matcher(prefix).matches()) {
        throw new UserError(
            "--hostname-prefix must be lower-case letters, digits and '-', got '" + prefix + "'");
      }
      if (skipVerify) {
        spec.commandLine()
            .getErr()
            .println("loadtest: --tls-skip-verify: ingest's certificate is NOT checked");
      }
      return new LoadSettings(
          host,
          port,
          token.strip(),
          agents,
          ramp,
          duration,
          interval,
          Optional.ofNullable(caCert),
          skipVerify,
          fanout,
          registrationConcurrency,
          id,
          prefix,
          jitter,
          Optional.ofNullable(outputJson),
          statsInterval,
          inventoryPackages,
          inventoryConcurrency,
          Optional.ofNullable(settleScans),
          Optional.ofNullable(identities));
    }
  }

  @Command(
      name = "cleanup",
      description = {
        "Removes a run's hosts the way the product deletes hosts permanently (their agents are",
        "revoked, hosts and metrics removed): through the JSON API with an admin's API key",
        "(--api-url, and --api-key or CT_OPS_API_KEY), or else directly on the server's database",
        "(DATABASE_URL, or the embedded one in $CT_OPS_DATA_DIR)."
      },
      mixinStandardHelpOptions = true,
      sortOptions = false)
  static final class CleanupCommand implements Callable<Integer> {
    private final CliContext context;
    @Spec CommandSpec spec;

    @Option(
        names = "--run-id",
        required = true,
        paramLabel = "ID",
        description = "The run whose hosts to remove.")
    String runId;

    @Option(
        names = "--hostname-prefix",
        defaultValue = "loadtest",
        paramLabel = "PREFIX",
        description = "The prefix the run used (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(
        names = "--api-url",
        paramLabel = "URL",
        description = "The web app's base URL, e.g. http://localhost:3000.")
    URI apiUrl;

    @Option(
        names = "--api-key",
        paramLabel = "KEY",
        description = "An admin's API key (default: $CT_OPS_API_KEY).")
    String apiKey;

    CleanupCommand(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() throws Exception {
      if (!RUN_ID.matcher(runId).matches()) {
        throw new UserError(
            "--run-id must be 1 to 32 lower-case letters or digits, got '" + runId + "'");
      }
      if (!PREFIX.matcher(prefix).matches()) {
        throw new UserError(
            "--hostname-prefix must be lower-case letters, digits and '-', got '" + prefix + "'");
      }
      String key =
          apiKey != null ? apiKey : context.environment().text("CT_OPS_API_KEY").orElse(null);
      int removed;
      if (apiUrl != null) {
        if (key == null || key.isBlank()) {
          throw new UserError("--api-url needs an admin's API key: --api-key or CT_OPS_API_KEY");
        }
        if (apiUrl.getScheme() == null || !apiUrl.getScheme().matches("https?")) {
          throw new UserError("--api-url must be an http:// or https:// URL, got '" + apiUrl + "'");
        }
        try {
          removed = Cleanup.onApi(apiUrl, key.strip(), prefix, runId);
        } catch (IOException e) {
          throw new UserError("cannot reach " + apiUrl + ": " + e);
        }
      } else {
        removed =
            context.withDatabase(
                "loadtest cleanup",
                database -> {
                  try {
                    return Cleanup.onDatabase(database, context.clock(), prefix, runId);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UserError("interrupted");
                  }
                });
      }
      spec.commandLine()
          .getOut()
          .printf(Locale.ROOT, "loadtest cleanup: removed %,d hosts of run %s%n", removed, runId);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
