package io.ctops.agent.tasks;

import io.ctops.agent.host.HostTools.NotRun;
import io.ctops.agent.host.HostTools.Ran;
import io.ctops.agent.systemd.Systemd;
import io.ctops.agent.systemd.UnitName;
import io.ctops.agent.text.Json;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A service action ({@code service}, config {@code {"service_name", "action"}}): {@code systemctl
 * start|stop|restart -- UNIT}, then its status and whether it is active; {@code status} only
 * reports. The agent checks the parameters itself, whatever the server let through: a unit name
 * that could be an option or a path is refused before anything runs, and so is stopping the agent's
 * own unit, which would cut the host off. The result, {@code {"service_name", "action",
 * "is_active"}}, is what agents in the field answer.
 */
final class ServiceTask implements TaskType {
  static final String NAME = "service";
  static final String OWN_UNIT = "ct-ops-agent.service";
  static final List<String> ACTIONS = List.of("start", "stop", "restart", "status");

  /** A start or stop waits for its job; systemd's own default start timeout is 90 s. */
  static final Duration ACTION_TIMEOUT = Duration.ofSeconds(120);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean isHostAction() {
    return true;
  }

  @Override
  public TaskOutcome run(String configJson, TaskContext context) throws InterruptedException {
    Map<String, Object> config;
    try {
      config = TaskConfig.object(configJson);
    } catch (IllegalArgumentException e) {
      return TaskOutcome.failed(e.getMessage());
    }
    if (!(config.get("service_name") instanceof String unit)) {
      return TaskOutcome.failed("config_json needs \"service_name\", the unit to act on");
    }
    if (!(config.get("action") instanceof String action) || !ACTIONS.contains(action)) {
      return TaskOutcome.failed(
          "config_json needs \"action\": one of " + String.join(", ", ACTIONS));
    }
    Optional<String> problem = UnitName.problem(unit);
    if (problem.isPresent()) {
      return TaskOutcome.failed(problem.get());
    }
    if (action.equals("stop") && UnitName.withType(unit).equals(OWN_UNIT)) {
      return TaskOutcome.failed(
          "refusing to stop the agent's own unit "
              + OWN_UNIT
              + ": it would cut this host off; stop it on the host");
    }
    Systemd systemd = new Systemd(context.host().tools());
    if (!systemd.isRunning()) {
      return TaskOutcome.failed(Systemd.NOT_RUNNING);
    }
    if (action.equals("restart") && UnitName.withType(unit).equals(OWN_UNIT)) {
      return restartOwnUnit(context, systemd, unit);
    }
    try {
      int exitCode = 0;
      String error = "";
      if (!action.equals("status")) {
        Ran ran = shown(context, systemd, ACTION_TIMEOUT, action, "--", unit);
        exitCode = ran.exitCode();
        if (!ran.succeeded()) {
          error = failure(ran);
        }
      }
      shown(context, systemd, Systemd.QUICK, "status", "--no-pager", "--lines=10", "--", unit);
      Ran active = shown(context, systemd, Systemd.QUICK, "is-active", "--", unit);
      String state = active.stdout().strip().lines().findFirst().orElse("");
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("service_name", unit);
      result.put("action", action);
      result.put("is_active", state.equals("active"));
      result.put("active_state", state);
      result.put("exit_code", exitCode);
      return new TaskOutcome(exitCode, Json.object(result), error);
    } catch (NotRun e) {
      return TaskOutcome.failed(e.getMessage());
    }
  }

  /**
   * Restarting the agent's own unit stops this very process, and a result sent after it would be
   * lost: the result goes first, then the restart is queued without waiting for it ({@code
   * --no-block}); the agent is back within seconds.
   */
  private static TaskOutcome restartOwnUnit(TaskContext context, Systemd systemd, String unit)
      throws InterruptedException {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("service_name", unit);
    result.put("action", "restart");
    result.put("is_active", true);
    result.put("active_state", "active");
    result.put("exit_code", 0);
    result.put("note", "the agent restarts itself and reconnects within seconds");
    context.output("$ systemctl restart --no-block -- " + unit + "\n");
    context.answerFirst(TaskOutcome.succeeded(Json.object(result)), Duration.ofSeconds(5));
    try {
      Ran ran = systemd.systemctl(Systemd.QUICK, "restart", "--no-block", "--", unit);
      return ran.succeeded() ? TaskOutcome.succeeded("") : TaskOutcome.failed(failure(ran));
    } catch (NotRun e) {
      return TaskOutcome.failed(e.getMessage());
    }
  }

  /** Runs one systemctl command and shows it, and what it wrote, as the task's output. */
  private static Ran shown(TaskContext context, Systemd systemd, Duration timeout, String... args)
      throws NotRun, InterruptedException {
    context.output("$ systemctl " + String.join(" ", args) + "\n");
    Ran ran = systemd.systemctl(timeout, args);
    context.output(ran.stdout());
    context.output(ran.stderr());
    return ran;
  }

  private static String failure(Ran ran) {
    String message = ran.message();
    if (message.isEmpty()) {
      message = "systemctl exited with " + ran.exitCode();
    }
    if (message.contains("Access denied")
        || message.contains("Interactive authentication required")) {
      return "access denied: the agent's user may not manage systemd units (install.sh allows"
          + " user ct-ops through a polkit rule unless --no-host-actions was given): "
          + message;
    }
    return message;
  }
}
