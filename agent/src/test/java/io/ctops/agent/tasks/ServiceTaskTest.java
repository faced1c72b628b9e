package io.ctops.agent.tasks;

import static io.ctops.agent.tasks.TestTaskTypes.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.host.HostActions;
import io.ctops.agent.testing.StandInHost;
import io.ctops.protocol.v1.AgentTaskResult;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Service actions against a stand-in systemctl that replays a Debian 12 host. */
class ServiceTaskTest {
  @TempDir Path dir;
  private final TaskOutbox outbox = new TaskOutbox();
  private final SentToServer server = new SentToServer(outbox);
  private StandInHost host;
  private TaskRunner runner;

  @AfterEach
  void stop() {
    runner.close();
  }

  @Test
  void restartRunsSystemctlDirectlyAndReportsTheUnitActive() throws Exception {
    start(true);

    AgentTaskResult result = run("{\"service_name\": \"nginx.service\", \"action\": \"restart\"}");

    assertThat(result.getExitCode()).isZero();
    assertThat(result.getError()).isEmpty();
    assertThat(result.getTaskType()).isEqualTo("service");
    assertThat(result.getResultJson())
        .isEqualTo(
            "{\"service_name\":\"nginx.service\",\"action\":\"restart\",\"is_active\":true,"
                + "\"active_state\":\"active\",\"exit_code\":0}");
    assertThat(host.systemctlCalls())
        .containsExactly(
            "is-system-running",
            "restart -- nginx.service",
            "status --no-pager --lines=10 -- nginx.service",
            "is-active -- nginx.service");
    assertThat(String.join("", server.output("t-1")))
        .contains("$ systemctl restart -- nginx.service\n")
        .contains("Active: active (running) since Tue 2026-12-01 09:14:03 UTC")
        .contains("$ systemctl is-active -- nginx.service\nactive\n");
  }

  @Test
  void stopThenStatusReportsTheUnitInactiveAndStatusStillSucceeds() throws Exception {
    start(true);

    AgentTaskResult stopped = run("{\"service_name\": \"nginx\", \"action\": \"stop\"}");
    runner.arrived(
        aTask("t-2", "service", "{\"service_name\": \"nginx\", \"action\": \"status\"}"));
    AgentTaskResult status = server.awaitResult("t-2");

    assertThat(stopped.getExitCode()).isZero();
    assertThat(stopped.getResultJson()).contains("\"is_active\":false");
    assertThat(status.getExitCode()).isZero();
    assertThat(status.getError()).isEmpty();
    assertThat(status.getResultJson())
        .isEqualTo(
            "{\"service_name\":\"nginx\",\"action\":\"status\",\"is_active\":false,"
                + "\"active_state\":\"inactive\",\"exit_code\":0}");
    assertThat(String.join("", server.output("t-2"))).contains("Active: inactive (dead)");
    assertThat(host.systemctlCalls()).doesNotContain("status -- nginx", "start -- nginx");
  }

  @Test
  void anUnknownUnitFailsWithSystemctlsOwnMessageAndExitCode() throws Exception {
    start(true);

    AgentTaskResult result = run("{\"service_name\": \"x.service\", \"action\": \"restart\"}");

    assertThat(result.getExitCode()).isEqualTo(5);
    assertThat(result.getError())
        .isEqualTo("Failed to restart x.service: Unit x.service not found.");
    assertThat(result.getResultJson()).contains("\"is_active\":false", "\"exit_code\":5");
  }

  @Test
  void aUserPolkitDoesNotAllowIsToldSoClearly() throws Exception {
    start(true);
    host.denyUnitChanges();

    AgentTaskResult result = run("{\"service_name\": \"nginx.service\", \"action\": \"start\"}");

    assertThat(result.getExitCode()).isEqualTo(4);
    assertThat(result.getError())
        .startsWith("access denied: the agent's user may not manage systemd units")
        .endsWith("Failed to start nginx.service: Access denied");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"service_name\": \"../x\", \"action\": \"restart\"}",
        "{\"service_name\": \"-H host\", \"action\": \"restart\"}",
        "{\"service_name\": \"a b\", \"action\": \"restart\"}",
        "{\"service_name\": \"--now\", \"action\": \"stop\"}",
        "{\"service_name\": \"nginx\", \"action\": \"reload\"}",
        "{\"service_name\": \"nginx\", \"action\": \"--force\"}",
        "{\"service_name\": 5, \"action\": \"start\"}",
        "{\"action\": \"start\"}",
        "[\"nginx\", \"start\"]",
        "not json",
        ""
      })
  void refusesBadParametersWithoutRunningSystemctl(String config) throws Exception {
    start(true);

    AgentTaskResult result = run(config);

    assertThat(result.getExitCode()).isEqualTo(1);
    assertThat(result.getError()).isNotEmpty();
    assertThat(result.getResultJson()).isEmpty();
    assertThat(host.systemctlCalls()).isEmpty();
  }

  @Test
  void refusalsNameWhatIsWrong() throws Exception {
    start(true);

    assertThat(run("{\"service_name\": \"../x\", \"action\": \"restart\"}").getError())
        .isEqualTo(
            "service_name '../x' is not a systemd unit name (letters, digits and : _ . @ \\ -"
                + " only; no spaces or '/')");
    runner.arrived(aTask("t-2", "service", "{\"service_name\": \"--now\", \"action\": \"stop\"}"));
    assertThat(server.awaitResult("t-2").getError())
        .isEqualTo("service_name '--now' starts with '-': it would be an option");
    runner.arrived(aTask("t-3", "service", "{\"service_name\": \"nginx\", \"action\": \"kill\"}"));
    assertThat(server.awaitResult("t-3").getError())
        .isEqualTo("config_json needs \"action\": one of start, stop, restart, status");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ct-ops-agent", "ct-ops-agent.service"})
  void refusesToStopTheAgentsOwnUnit(String name) throws Exception {
    start(true);

    AgentTaskResult result = run("{\"service_name\": \"" + name + "\", \"action\": \"stop\"}");

    assertThat(result.getError())
        .isEqualTo(
            "refusing to stop the agent's own unit ct-ops-agent.service: it would cut this host"
                + " off; stop it on the host");
    assertThat(host.systemctlCalls()).isEmpty();
  }

  @Test
  void restartingTheAgentsOwnUnitAnswersFirstAndDoesNotWaitForTheRestart() throws Exception {
    start(true);

    AgentTaskResult result = run("{\"service_name\": \"ct-ops-agent\", \"action\": \"restart\"}");

    assertThat(result.getExitCode()).isZero();
    assertThat(result.getResultJson())
        .startsWith(
            "{\"service_name\":\"ct-ops-agent\",\"action\":\"restart\",\"is_active\":true,");
    awaitCalls(2);
    assertThat(host.systemctlCalls())
        .containsExactly("is-system-running", "restart --no-block -- ct-ops-agent");
    assertThat(server.results()).hasSize(1);
  }

  @Test
  void aHostWithoutSystemdSaysSo() throws Exception {
    start(true);
    host.systemState("offline");

    AgentTaskResult result = run("{\"service_name\": \"nginx.service\", \"action\": \"restart\"}");

    assertThat(result.getExitCode()).isEqualTo(1);
    assertThat(result.getError()).isEqualTo("this host does not run systemd");
    assertThat(host.systemctlCalls()).containsExactly("is-system-running");
  }

  @Test
  void isRefusedWithoutRunningAnythingWhileHostActionsAreDisabled() throws Exception {
    start(false);

    AgentTaskResult result = run("{\"service_name\": \"nginx.service\", \"action\": \"restart\"}");

    assertThat(result.getExitCode()).isEqualTo(1);
    assertThat(result.getError())
        .isEqualTo(
            "host actions are disabled on this host ([actions] enabled = false in agent.toml)");
    assertThat(server.progress()).isEmpty();
    assertThat(host.systemctlCalls()).isEmpty();
  }

  private void start(boolean actionsEnabled) {
    host = StandInHost.in(dir);
    runner =
        new TaskRunner(
            TaskTypes.standard(),
            outbox,
            Clock.systemUTC(),
            () -> null,
            new HostActions(host.tools(), Optional.empty(), actionsEnabled),
            () -> {},
            () -> {});
    runner.start();
  }

  private void awaitCalls(int count) throws InterruptedException {
    for (int i = 0; i < 500 && host.systemctlCalls().size() < count; i++) {
      Thread.sleep(20);
    }
  }

  private AgentTaskResult run(String config) throws InterruptedException {
    runner.arrived(aTask("t-1", "service", config));
    return server.awaitResult("t-1");
  }
}
