package io.ctops.agent.tasks;

import io.ctops.agent.host.HostActions;
import io.ctops.agent.host.HostTools;
import io.ctops.agent.host.HostTools.NotRun;
import io.ctops.agent.host.HostTools.Ran;
import io.ctops.agent.systemd.Systemd;
import io.ctops.agent.text.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent removes itself ({@code agent_uninstall}, config {@code {"remove_data": bool}}): it runs
 * the bundle's {@code uninstall.sh} ({@code --purge} with remove_data) detached, so that it
 * finishes after the agent is gone. The order matters: the result ({@code {"status": "scheduled"}})
 * goes out first, because once the uninstaller stops the service nothing more reaches the server;
 * then the uninstaller starts (with systemd in a transient unit, {@code systemd-run}, outside the
 * agent's own unit that it stops; otherwise in a session of its own, {@code setsid}); then the
 * agent stops itself.
 */
final class AgentUninstallTask implements TaskType {
  static final String NAME = "agent_uninstall";
  static final Path BUNDLE_DIR = Path.of("opt/ct-ops-agent");

  /** How long the result may take to reach the server before the uninstaller starts anyway. */
  static final Duration DELIVERY_PATIENCE = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger("agent");

  private final Clock clock;

  AgentUninstallTask(Clock clock) {
    this.clock = clock;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean isHostAction() {
    return true;
  }

  /** How the uninstaller will be started: the command, and what the result says of it. */
  private record Plan(String program, List<String> args, Optional<Path> log, String note) {}

  @Override
  public TaskOutcome run(String configJson, TaskContext context) throws InterruptedException {
    boolean removeData;
    try {
      Object value = TaskConfig.object(configJson).getOrDefault("remove_data", false);
      if (!(value instanceof Boolean flag)) {
        return TaskOutcome.failed("config_json \"remove_data\" must be true or false");
      }
      removeData = flag;
    } catch (IllegalArgumentException e) {
      return TaskOutcome.failed(e.getMessage());
    }
    HostActions host = context.host();
    Path home = host.installDir().orElse(Path.of("/").resolve(BUNDLE_DIR));
    Path uninstaller = home.resolve("uninstall.sh");
    if (host.installDir().isEmpty() || !Files.isRegularFile(uninstaller)) {
      return TaskOutcome.failed(
          "no uninstaller found at "
              + uninstaller
              + ": this agent was not installed from the agent bundle; remove it on the host");
    }
    Path absolute = home.toAbsolutePath().normalize();
    if (!absolute.endsWith(BUNDLE_DIR)) {
      return TaskOutcome.failed(
          "the agent is installed in "
              + absolute
              + ", not where install.sh puts it (…/"
              + BUNDLE_DIR
              + "): uninstall.sh would not find it; remove it on the host");
    }
    // Installed with install.sh --root R: R/opt/ct-ops-agent, and the uninstaller needs --root R.
    Path root = absolute.getParent().getParent();
    List<String> args = new ArrayList<>(List.of(uninstaller.toString()));
    if (removeData) {
      args.add("--purge");
    }
    if (!root.equals(absolute.getRoot())) {
      args.add("--root");
      args.add(root.toString());
    }
    Plan plan;
    try {
      plan = plan(host.tools(), args, root.equals(absolute.getRoot()));
    } catch (NotRun e) {
      return TaskOutcome.failed(e.getMessage());
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("status", "scheduled");
    result.put("note", plan.note());
    result.put("remove_data", removeData);
    boolean delivered =
        context.answerFirst(TaskOutcome.succeeded(Json.object(result)), DELIVERY_PATIENCE);
    log.info(
        "event=agent_uninstalling delivered={} command=\"{} {}\"",
        delivered,
        plan.program(),
        String.join(" ", plan.args()));
    try {
      if (plan.log().isPresent()) {
        host.tools().startDetached(plan.program(), plan.args(), plan.log().get());
      } else {
        Ran ran = host.tools().run(plan.program(), plan.args(), Systemd.QUICK);
        if (!ran.succeeded()) {
          log.error("event=agent_uninstall_failed reason=\"{}\"", ran.message());
          return TaskOutcome.failed(ran.message());
        }
      }
    } catch (NotRun e) {
      // The server already has "scheduled": the agent stays, and says why in its log.
      log.error("event=agent_uninstall_failed reason=\"{}\"", e.getMessage());
      return TaskOutcome.failed(e.getMessage());
    }
    context.stopAgentAfterwards();
    return TaskOutcome.succeeded("");
  }

  /** Checks everything the start needs before the result says it is scheduled. */
  private Plan plan(HostTools tools, List<String> uninstall, boolean realRoot)
      throws NotRun, InterruptedException {
    if (new Systemd(tools).isRunning()) {
      if (tools.find("systemd-run").isEmpty()) {
        throw new NotRun(
            "systemd-run not found on " + tools.pathText() + "; remove the agent on the host");
      }
      String unit = "ct-ops-agent-uninstall-" + clock.instant().getEpochSecond();
      List<String> args = new ArrayList<>(List.of("--no-block", "--collect", "--unit=" + unit));
      args.addAll(uninstall);
      return new Plan(
          "systemd-run",
          args,
          Optional.empty(),
          "the uninstaller runs in the transient unit "
              + unit
              + ".service ("
              + String.join(" ", uninstall)
              + ") once this result is sent; the agent then stops");
    }
    if (tools.find("setsid").isEmpty()) {
      throw new NotRun(
          "setsid not found on " + tools.pathText() + "; remove the agent on the host");
    }
    if (realRoot && !runsAsRoot()) {
      throw new NotRun(
          "without systemd the uninstaller must run as root and this agent does not; run "
              + String.join(" ", uninstall)
              + " as root on the host");
    }
    Path log =
        Path.of(System.getProperty("java.io.tmpdir"))
            .resolve("ct-ops-agent-uninstall-" + clock.instant().getEpochSecond() + ".log");
    return new Plan(
        uninstall.get(0),
        uninstall.subList(1, uninstall.size()),
        Optional.of(log),
        "the uninstaller runs in a session of its own (setsid "
            + String.join(" ", uninstall)
            + ", log "
            + log
            + ") once this result is sent; the agent then stops");
  }

  private static boolean runsAsRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
