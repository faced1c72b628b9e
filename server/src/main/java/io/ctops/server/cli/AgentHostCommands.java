package io.ctops.server.cli;

import io.ctops.agent.Agent;
import io.ctops.agent.AgentMain;
import io.ctops.agent.config.AgentConfig;
import io.ctops.agent.service.ServiceInstaller;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The host-side {@code ctops agent} verbs: run the agent here, and install or remove it as a
 * systemd service. (The launcher starts {@code agent run} through {@link AgentMain} on the agent's
 * own classpath; this command is the same agent for in-process use.)
 */
final class AgentHostCommands {
  private AgentHostCommands() {}

  @Command(
      name = "run",
      description =
          "Run the agent on this host until interrupted: register with the enrolment token, wait"
              + " for approval, then stream heartbeats to ingest. Settings come from the TOML file"
              + " (see config/agent.toml in the distribution) with environment overrides CT_OPS_INGEST_ADDRESS,"
              + " CT_OPS_INGEST_CA_CERT, CT_OPS_ORG_TOKEN and CT_OPS_DATA_DIR. Exit codes: 0"
              + " stopped, 1 bad configuration, 2 token rejected, 3 agent revoked, 64 usage error.",
      mixinStandardHelpOptions = true)
  static final class Run implements Callable<Integer> {
    private final CliContext context;

    @Option(
        names = "--config",
        paramLabel = "FILE",
        description = "The agent's TOML configuration (e.g. /etc/ct-ops/agent.toml).")
    Path config;

    @Option(
        names = "--log-level",
        paramLabel = "LEVEL",
        description = "ERROR, WARN, INFO (default) or DEBUG.")
    String logLevel;

    Run(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      AgentConfig loaded = agentConfig(context, config);
      Agent agent = new Agent(loaded, context.clock(), AgentMain.version());
      Thread hook = new Thread(agent::close, "agent-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      return agent.run().code;
    }
  }

  @Command(
      name = "install",
      description =
          "Install the agent on this host as a systemd service: checks the config, copies it to"
              + " /etc/ct-ops/agent.toml (mode 0600), creates the data dir and writes"
              + " /etc/systemd/system/ct-ops-agent.service, then (as root, where systemctl exists)"
              + " enables and starts it.",
      mixinStandardHelpOptions = true)
  static final class Install implements Callable<Integer> {
    private final CliContext context;
    @Spec CommandSpec spec;

    @Option(
        names = "--config",
        required = true,
        paramLabel = "FILE",
        description = "The agent's TOML config.")
    Path config;

    @Option(
        names = "--root",
        paramLabel = "DIR",
        defaultValue = "/",
        description = "Install under this directory instead of / (packaging, tests). Default: /.")
    Path root;

    @Option(
        names = "--no-start",
        description = "Write the files but do not enable or start the service.")
    boolean noStart;

    Install(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() throws Exception {
      AgentConfig agent = agentConfig(context, config);
      boolean real = root.toAbsolutePath().normalize().equals(Path.of("/"));
      if (real && !isRoot()) {
        throw new UserError("installing the service needs root; run with sudo (or use --root DIR)");
      }
      Path launcher = launcher(context);
      PrintWriter out = spec.commandLine().getOut();
      for (String line : new ServiceInstaller(root).install(config, launcher, agent.dataDir())) {
        out.println(line);
      }
      if (real && !noStart && hasSystemctl()) {
        run("systemctl", "daemon-reload");
        run("systemctl", "enable", "--now", ServiceInstaller.UNIT_NAME);
        out.println("enabled and started " + ServiceInstaller.UNIT_NAME);
      } else if (real && !hasSystemctl()) {
        out.println(
            "no systemd on this host: run '"
                + launcher
                + " agent run --config /etc/ct-ops/agent.toml'"
                + " under your service manager");
      } else {
        out.println(
            "start it with: systemctl daemon-reload && systemctl enable --now "
                + ServiceInstaller.UNIT_NAME);
      }
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "uninstall",
      description =
          "Stop and remove the agent's systemd service and its config. --purge also removes the"
              + " data dir (the agent's identity and unsent samples).",
      mixinStandardHelpOptions = true)
  static final class Uninstall implements Callable<Integer> {
    private final CliContext context;
    @Spec CommandSpec spec;

    @Option(
        names = "--root",
        paramLabel = "DIR",
        defaultValue = "/",
        description = "As for install. Default: /.")
    Path root;

    @Option(
        names = "--data-dir",
        paramLabel = "DIR",
        defaultValue = "/var/lib/ct-ops/agent",
        description = "The agent's data dir. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--purge", description = "Also delete the data dir.")
    boolean purge;

    Uninstall(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() throws Exception {
      boolean real = root.toAbsolutePath().normalize().equals(Path.of("/"));
      if (real && !isRoot()) {
        throw new UserError("removing the service needs root; run with sudo (or use --root DIR)");
      }
      PrintWriter out = spec.commandLine().getOut();
      if (real && hasSystemctl()) {
        run("systemctl", "disable", "--now", ServiceInstaller.UNIT_NAME);
      }
      for (String line : new ServiceInstaller(root).uninstall(dataDir, purge)) {
        out.println(line);
      }
      out.flush();
      return 0;
    }
  }

  static AgentConfig agentConfig(CliContext context, Path file) {
    try {
      return AgentConfig.load(Optional.ofNullable(file), context.environment().variables());
    } catch (AgentConfig.InvalidConfigException e) {
      throw new UserError(e.getMessage());
    }
  }

  /** The ctops launcher the service will run: the one running now (bin/ctops sets CT_OPS_HOME). */
  private static Path launcher(CliContext context) {
    return context
        .environment()
        .text("CT_OPS_HOME")
        .map(home -> Path.of(home, "bin", "ctops"))
        .orElseThrow(() -> new UserError("run this through the ctops launcher (bin/ctops)"));
  }

  private static boolean isRoot() throws IOException {
    return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
  }

  private static boolean hasSystemctl() {
    return Files.isExecutable(Path.of("/usr/bin/systemctl"))
        || Files.isExecutable(Path.of("/bin/systemctl"));
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).inheritIO().start();
    if (process.waitFor() != 0) {
      throw new UserError(String.join(" ", command) + " failed (exit " + process.exitValue() + ")");
    }
  }
}
