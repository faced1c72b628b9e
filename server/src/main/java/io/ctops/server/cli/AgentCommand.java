package io.ctops.server.cli;

import io.ctops.server.enrolment.AgentApprovals;
import io.ctops.server.enrolment.AgentApprovals.AgentRow;
import io.ctops.server.enrolment.AgentApprovals.Approval;
import io.ctops.server.enrolment.AgentApprovals.Revocation;
import io.ctops.server.orgs.Organisations;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ctops agent ...}: run the agent on this host, and the administrator's view of agents. */
@Command(
    name = "agent",
    description = "Run the agent on this host; list, approve and revoke enrolled agents.",
    mixinStandardHelpOptions = true)
final class AgentCommand {

  @Command(
      name = "run",
      description =
          "Run the agent on this host until interrupted: register with the enrolment token, wait"
              + " for approval, then stream heartbeats to ingest. Settings come from the TOML file"
              + " (see config/agent.toml in the distribution) with environment overrides CT_OPS_INGEST_ADDRESS,"
              + " CT_OPS_INGEST_CA_CERT, CT_OPS_ORG_TOKEN and CT_OPS_DATA_DIR. Exit codes: 0"
              + " stopped, 1 bad configuration, 2 token rejected, 3 agent revoked.",
      mixinStandardHelpOptions = true)
  static final class Run implements Callable<Integer> {
    private final CliContext context;

    @Option(
        names = "--config",
        paramLabel = "FILE",
        description = "The agent's TOML configuration (e.g. /etc/ct-ops/agent.toml).")
    java.nio.file.Path config;

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
      io.ctops.agent.config.AgentConfig config = agentConfig(context, config());
      io.ctops.agent.Agent agent =
          new io.ctops.agent.Agent(
              config, context.clock(), io.ctops.server.platform.build.BuildInfo.version());
      Thread hook = new Thread(agent::close, "agent-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      return agent.run().code;
    }

    private java.nio.file.Path config() {
      return config;
    }
  }

  private static final Set<String> STATUSES = Set.of("pending", "active", "offline", "revoked");

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
    java.nio.file.Path config;

    @Option(
        names = "--root",
        paramLabel = "DIR",
        defaultValue = "/",
        description = "Install under this directory instead of / (packaging, tests). Default: /.")
    java.nio.file.Path root;

    @Option(
        names = "--no-start",
        description = "Write the files but do not enable or start the service.")
    boolean noStart;

    Install(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() throws Exception {
      io.ctops.agent.config.AgentConfig agent = agentConfig(context, config);
      boolean real = root.toAbsolutePath().normalize().equals(java.nio.file.Path.of("/"));
      if (real && !isRoot()) {
        throw new UserError("installing the service needs root; run with sudo (or use --root DIR)");
      }
      java.nio.file.Path launcher = launcher(context);
      PrintWriter out = spec.commandLine().getOut();
      for (String line :
          new io.ctops.agent.service.ServiceInstaller(root)
              .install(config, launcher, agent.dataDir())) {
        out.println(line);
      }
      if (real && !noStart && hasSystemctl()) {
        run("systemctl", "daemon-reload");
        run("systemctl", "enable", "--now", io.ctops.agent.service.ServiceInstaller.UNIT_NAME);
        out.println("enabled and started " + io.ctops.agent.service.ServiceInstaller.UNIT_NAME);
      } else if (real && !hasSystemctl()) {
        out.println(
            "no systemd on this host: run '"
                + launcher
                + " agent run --config /etc/ct-ops/agent.toml'"
                + " under your service manager");
      } else {
        out.println(
            "start it with: systemctl daemon-reload && systemctl enable --now "
                + io.ctops.agent.service.ServiceInstaller.UNIT_NAME);
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
    java.nio.file.Path root;

    @Option(
        names = "--data-dir",
        paramLabel = "DIR",
        defaultValue = "/var/lib/ct-ops/agent",
        description = "The agent's data dir. Default: ${DEFAULT-VALUE}.")
    java.nio.file.Path dataDir;

    @Option(names = "--purge", description = "Also delete the data dir.")
    boolean purge;

    Uninstall(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() throws Exception {
      boolean real = root.toAbsolutePath().normalize().equals(java.nio.file.Path.of("/"));
      if (real && !isRoot()) {
        throw new UserError("removing the service needs root; run with sudo (or use --root DIR)");
      }
      PrintWriter out = spec.commandLine().getOut();
      if (real && hasSystemctl()) {
        run("systemctl", "disable", "--now", io.ctops.agent.service.ServiceInstaller.UNIT_NAME);
      }
      for (String line :
          new io.ctops.agent.service.ServiceInstaller(root).uninstall(dataDir, purge)) {
        out.println(line);
      }
      out.flush();
      return 0;
    }
  }

  static io.ctops.agent.config.AgentConfig agentConfig(
      CliContext context, java.nio.file.Path file) {
    try {
      return io.ctops.agent.config.AgentConfig.load(
          Optional.ofNullable(file), context.environment().variables());
    } catch (io.ctops.agent.config.AgentConfig.InvalidConfigException e) {
      throw new UserError(e.getMessage());
    }
  }

  /** The ctops launcher the service will run: the one running now (bin/ctops sets CT_OPS_HOME). */
  private static java.nio.file.Path launcher(CliContext context) {
    return context
        .environment()
        .text("CT_OPS_HOME")
        .map(home -> java.nio.file.Path.of(home, "bin", "ctops"))
        .orElseThrow(() -> new UserError("run this through the ctops launcher (bin/ctops)"));
  }

  private static boolean isRoot() throws java.io.IOException {
    return ((Integer)
            java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid"))
        == 0;
  }

  private static boolean hasSystemctl() {
    return java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/systemctl"))
        || java.nio.file.Files.isExecutable(java.nio.file.Path.of("/bin/systemctl"));
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).inheritIO().start();
    if (process.waitFor() != 0) {
      throw new UserError(String.join(" ", command) + " failed (exit " + process.exitValue() + ")");
    }
  }

  @Command(
      name = "list",
      description = "List enrolled agents, newest first.",
      mixinStandardHelpOptions = true)
  static final class ListAgents implements Callable<Integer> {
    private final CliContext context;
    @Spec CommandSpec spec;

    @Option(names = "--org", paramLabel = "NAME", description = "Only this organisation's agents.")
    String org;

    @Option(
        names = "--status",
        paramLabel = "STATUS",
        description = "Only agents in this status: pending, active, offline or revoked.")
    String status;

    ListAgents(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      Optional<String> wanted = Optional.ofNullable(status).map(s -> s.toLowerCase(Locale.ROOT));
      if (wanted.isPresent() && !STATUSES.contains(wanted.get())) {
        throw new UserError(
            "--status must be one of pending, active, offline, revoked; got '" + status + "'");
      }
      List<AgentRow> agents =
          context.withDatabase(
              "agent list",
              database -> {
                Optional<UUID> orgId =
                    Optional.ofNullable(org)
                        .map(
                            name ->
                                new Organisations(database.jdbi()).resolve(Optional.of(name)).id());
                return new AgentApprovals(database.jdbi(), context.clock()).list(orgId, wanted);
              });
      Output table =
          new Output("ID", "ORG", "HOSTNAME", "STATUS", "VERSION", "ENROLLED", "APPROVED");
      for (AgentRow agent : agents) {
        table.row(
            agent.id().toString(),
            agent.orgName(),
            agent.hostname().orElse("-"),
            agent.status(),
            agent.version().orElse("-"),
            Output.time(agent.createdAt()),
            Output.time(agent.approvedAt()));
      }
      spec.commandLine().getOut().print(agents.isEmpty() ? "No agents.\n" : table.render());
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(
      name = "approve",
      description =
          "Approve a pending agent: it receives its credentials on its next registration poll. The duplicate-host check runs again first; a conflict is reported and nothing changes.",
      mixinStandardHelpOptions = true)
  static final class Approve implements Callable<Integer> {
    private final CliContext context;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The agent's id (see ctops agent list).")
    UUID id;

    Approve(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      Approval outcome =
          context.withDatabase(
              "agent approve",
              database ->
                  new AgentApprovals(database.jdbi(), context.clock())
                      .approve(id, "approved with ctops agent approve"));
      PrintWriter out = spec.commandLine().getOut();
      switch (outcome) {
        case Approval.Approved approved ->
            out.println(
                "Approved agent "
                    + id
                    + approved.agent().hostname().map(h -> " (" + h + ")").orElse("")
                    + ".");
        case Approval.AlreadyActive already ->
            out.println("Agent " + id + " is already approved (" + already.agent().status() + ").");
        case Approval.Refused refused -> throw new UserError("cannot approve: " + refused.reason());
        case Approval.NotFound notFound -> throw new UserError("no agent with id " + notFound.id());
      }
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "revoke",
      description = "Revoke an agent: its credentials stop working and its host shows as revoked.",
      mixinStandardHelpOptions = true)
  static final class Revoke implements Callable<Integer> {
    private final CliContext context;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The agent's id (see ctops agent list).")
    UUID id;

    Revoke(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      Revocation outcome =
          context.withDatabase(
              "agent revoke",
              database ->
                  new AgentApprovals(database.jdbi(), context.clock())
                      .revoke(id, "revoked with ctops agent revoke"));
      PrintWriter out = spec.commandLine().getOut();
      switch (outcome) {
        case Revocation.Revoked revoked -> out.println("Revoked agent " + id + ".");
        case Revocation.AlreadyRevoked already ->
            out.println("Agent " + id + " was already revoked.");
        case Revocation.NotFound notFound ->
            throw new UserError("no agent with id " + notFound.id());
      }
      out.flush();
      return 0;
    }
  }
}
