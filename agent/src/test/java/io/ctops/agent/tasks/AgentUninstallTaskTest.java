package io.ctops.agent.tasks;

import static io.ctops.agent.tasks.TestTaskTypes.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.host.HostActions;
import io.ctops.agent.host.HostTools;
import io.ctops.agent.testing.StandInHost;
import io.ctops.protocol.v1.AgentTaskResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's uninstall, end to end on this machine: the real install.sh puts the bundle under a
 * temporary root, a stand-in "agent" runs from it through the real launcher, and the task runs the
 * real uninstall.sh through a stand-in systemd-run that starts it in a session of its own.
 */
class AgentUninstallTaskTest {
  private static final Path BUNDLE_SOURCE = Path.of("..", "dist", "src", "main", "agent-bundle");
  private static final Instant NOW = Instant.parse("2026-12-02T03:00:00Z");

  @TempDir Path dir;
  private final TaskOutbox outbox = new TaskOutbox();
  private final SentToServer server = new SentToServer(outbox);
  private final CountDownLatch agentStopped = new CountDownLatch(1);
  private StandInHost host;
  private Path root;
  private Path home;
  private Process agent;
  private TaskRunner runner;

  @BeforeEach
  void install() throws Exception {
    host = StandInHost.in(Files.createDirectories(dir.resolve("host")));
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    Files.createDirectories(bundle.resolve("bin"));
    Files.createDirectories(bundle.resolve("lib"));
    Files.createDirectories(bundle.resolve("runtime/bin"));
    for (String file : List.of("install.sh", "uninstall.sh", "bin/ct-ops-agent")) {
      Files.copy(BUNDLE_SOURCE.resolve(file), bundle.resolve(file));
    }
    Files.writeString(bundle.resolve("lib/agent-jvm.options"), "-Xmx32m\n");
    // The agent's Java: a process that runs until it is stopped, under the bundle's path.
    Files.writeString(bundle.resolve("runtime/bin/java"), "#!/bin/sh\nwhile :; do sleep 1; done\n");
    bundle.resolve("runtime/bin/java").toFile().setExecutable(true);
    root = dir.resolve("root");
    run(
        "sh",
        bundle.resolve("install.sh").toString(),
        "--root",
        root.toString(),
        "--token",
        "t",
        "--address",
        "ingest.lab:9443");
    home = root.resolve("opt/ct-ops-agent");
    Files.writeString(root.resolve("var/lib/ct-ops/agent/agent_state.json"), "{}");
    agent =
        new ProcessBuilder(
                home.resolve("bin/ct-ops-agent").toString(),
                "--config",
                root.resolve("etc/ct-ops/agent.toml").toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectErrorStream(true)
            .start();
  }

  @AfterEach
  void stop() {
    if (runner != null) {
      runner.close();
    }
    agent.destroyForcibly();
  }

  @Test
  void answersScheduledFirstThenRunsTheUninstallerInATransientUnitThatRemovesTheAgent()
      throws Exception {
    start(host.tools(), Optional.of(home), true);
    server.holdAnswers();

    runner.arrived(aTask("t-1", "agent_uninstall", "{\"remove_data\": false}"));
    AgentTaskResult result = server.awaitResult("t-1");

    assertThat(result.getExitCode()).isZero();
    assertThat(result.getError()).isEmpty();
    assertThat(result.getResultJson())
        .startsWith(
            "{\"status\":\"scheduled\",\"note\":\"the uninstaller runs in the transient unit ct-ops-agent-uninstall-"
                + NOW.getEpochSecond()
                + ".service")
        .endsWith("\"remove_data\":false}");
    // Sent, but the server has not answered yet: the uninstaller waits.
    Thread.sleep(500);
    assertThat(host.systemdRunCalls()).isEmpty();
    assertThat(agent.isAlive()).isTrue();

    server.answer();

    awaitTrue("the agent stopping itself", () -> agentStopped.getCount() == 0);
    awaitTrue("the agent's process gone", () -> !agent.isAlive());
    awaitTrue("the bundle removed", () -> !Files.exists(home));
    assertThat(host.systemdRunCalls())
        .containsExactly(
            "--no-block --collect --unit=ct-ops-agent-uninstall-"
                + NOW.getEpochSecond()
                + " "
                + home.resolve("uninstall.sh")
                + " --root "
                + root);
    assertThat(root.resolve("etc/ct-ops/agent.toml")).doesNotExist();
    assertThat(root.resolve("etc/systemd/system/ct-ops-agent.service")).doesNotExist();
    assertThat(root.resolve("etc/polkit-1/rules.d/50-ct-ops-agent.rules")).doesNotExist();
    assertThat(root.resolve("var/lib/ct-ops/agent/agent_state.json")).exists();
    assertThat(server.results()).hasSize(1);
  }

  @Test
  void removeDataPurgesTheDataDirToo() throws Exception {
    start(host.tools(), Optional.of(home), true);

    runner.arrived(aTask("t-1", "agent_uninstall", "{\"remove_data\": true}"));

    assertThat(server.awaitResult("t-1").getExitCode()).isZero();
    awaitTrue("the data dir removed", () -> !Files.exists(root.resolve("var/lib/ct-ops/agent")));
    assertThat(host.systemdRunCalls())
        .containsExactly(
            "--no-block --collect --unit=ct-ops-agent-uninstall-"
                + NOW.getEpochSecond()
                + " "
                + home.resolve("uninstall.sh")
                + " --purge --root "
                + root);
    awaitTrue("the agent's process gone", () -> !agent.isAlive());
    assertThat(home).doesNotExist();
  }

  @Test
  void withoutSystemdTheUninstallerRunsInASessionOfItsOwn() throws Exception {
    host.systemState("offline");
    start(host.tools(), Optional.of(home), true);

    runner.arrived(aTask("t-1", "agent_uninstall", ""));

    AgentTaskResult result = server.awaitResult("t-1");
    assertThat(result.getResultJson())
        .contains(
            "\"status\":\"scheduled\"",
            "a session of its own (setsid " + home.resolve("uninstall.sh") + " --root " + root);
    awaitTrue("the bundle removed", () -> !Files.exists(home));
    awaitTrue("the agent's process gone", () -> !agent.isAlive());
    assertThat(host.systemdRunCalls()).isEmpty();
    assertThat(agentStopped.getCount()).isZero();
  }

  @Test
  void anAgentNotInstalledFromTheBundleSaysSoAndStays() throws Exception {
    start(host.tools(), Optional.empty(), true);

    runner.arrived(aTask("t-1", "agent_uninstall", ""));

    AgentTaskResult result = server.awaitResult("t-1");
    assertThat(result.getExitCode()).isEqualTo(1);
    assertThat(result.getError())
        .isEqualTo(
            "no uninstaller found at /opt/ct-ops-agent/uninstall.sh: this agent was not installed"
                + " from the agent bundle; remove it on the host");
    assertThat(agentStopped.getCount()).isOne();
    assertThat(home).exists();
  }

  @Test
  void aBadRemoveDataIsRefused() throws Exception {
    start(host.tools(), Optional.of(home), true);

    runner.arrived(aTask("t-1", "agent_uninstall", "{\"remove_data\": \"yes\"}"));

    assertThat(server.awaitResult("t-1").getError())
        .isEqualTo("config_json \"remove_data\" must be true or false");
    assertThat(host.systemctlCalls()).isEmpty();
    assertThat(home).exists();
  }

  @Test
  void isRefusedWhileHostActionsAreDisabled() throws Exception {
    start(host.tools(), Optional.of(home), false);

    runner.arrived(aTask("t-1", "agent_uninstall", ""));

    assertThat(server.awaitResult("t-1").getError())
        .isEqualTo(
            "host actions are disabled on this host ([actions] enabled = false in agent.toml)");
    assertThat(host.systemctlCalls()).isEmpty();
    assertThat(agentStopped.getCount()).isOne();
    assertThat(home).exists();
  }

  private void start(HostTools tools, Optional<Path> installDir, boolean enabled) {
    runner =
        new TaskRunner(
            TaskTypes.of(new AgentUninstallTask(Clock.fixed(NOW, ZoneOffset.UTC))),
            outbox,
            Clock.systemUTC(),
            () -> null,
            new HostActions(tools, installDir, enabled),
            () -> {},
            agentStopped::countDown);
    runner.start();
  }

  private static void awaitTrue(String what, BooleanSupplier condition)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (!condition.getAsBoolean()) {
      assertThat(Instant.now()).as(what).isBefore(deadline);
      Thread.sleep(50);
    }
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
  }
}
