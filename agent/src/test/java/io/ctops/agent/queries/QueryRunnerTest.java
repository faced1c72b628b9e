package io.ctops.agent.queries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.ctops.agent.host.HostTools;
import io.ctops.agent.tasks.SentToServer;
import io.ctops.agent.tasks.TaskOutbox;
import io.ctops.agent.testing.StandInHost;
import io.ctops.protocol.v1.AgentQuery;
import io.ctops.protocol.v1.AgentQueryResult;
import io.ctops.protocol.v1.PortInfo;
import io.ctops.protocol.v1.ServiceInfo;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Queries answered on the host: a stand-in systemd, the real /proc of this machine. */
class QueryRunnerTest {
  @TempDir Path dir;
  private final TaskOutbox outbox = new TaskOutbox();
  private final SentToServer server = new SentToServer(outbox);
  private QueryRunner runner;

  @AfterEach
  void stop() {
    if (runner != null) {
      runner.close();
    }
  }

  @Test
  void listsTheServicesOfASystemdHostWithTheirStatesAndMainPids() throws Exception {
    StandInHost host = StandInHost.in(dir);
    start(host.tools());

    runner.arrived(query("q-1", "list_services"));

    AgentQueryResult result = awaitAnswer("q-1");
    assertThat(result.getStatus()).isEqualTo("ok");
    assertThat(result.getQueryType()).isEqualTo("list_services");
    assertThat(result.getError()).isEmpty();
    assertThat(result.getServicesList())
        .filteredOn(service -> service.getName().equals("nginx.service"))
        .containsExactly(
            ServiceInfo.newBuilder()
                .setName("nginx.service")
                .setLoadState("loaded")
                .setActiveSub("active/running")
                .setUnitFileState("enabled")
                .setDescription("A high performance web server and a reverse proxy server")
                .setMainPid(20213)
                .build());
    assertThat(result.getServicesCount()).isEqualTo(38);
    assertThat(host.systemctlCalls())
        .hasSize(4)
        .startsWith(
            "is-system-running",
            "list-units --type=service --all --plain --no-legend --no-pager",
            "list-unit-files --type=service --plain --no-legend --no-pager");
    assertThat(host.systemctlCalls().get(3))
        .startsWith(
            "show --property=Id,MainPID --no-pager -- cron.service ct-ops-agent.service dbus.service")
        .doesNotContain("apparmor.service", "rsync.service", "postgresql@15-main.service");
  }

  @Test
  void aDegradedSystemdStillRunsSystemd() throws Exception {
    start(StandInHost.in(dir).systemState("degraded").tools());

    runner.arrived(query("q-1", "list_services"));

    assertThat(awaitAnswer("q-1").getStatus()).isEqualTo("ok");
  }

  @Test
  void aHostWhereSystemdIsOfflineSaysItDoesNotRunSystemd() throws Exception {
    StandInHost host = StandInHost.in(dir).systemState("offline");
    start(host.tools());

    runner.arrived(query("q-1", "list_services"));

    AgentQueryResult result = awaitAnswer("q-1");
    assertThat(result.getStatus()).isEqualTo("error");
    assertThat(result.getError()).isEqualTo("this host does not run systemd");
    assertThat(result.getServicesList()).isEmpty();
    assertThat(host.systemctlCalls()).containsExactly("is-system-running");
  }

  @Test
  void aHostWithoutSystemctlSaysItDoesNotRunSystemd() throws Exception {
    start(new HostTools(List.of(Files.createDirectories(dir.resolve("empty")))));

    runner.arrived(query("q-1", "list_services"));

    assertThat(awaitAnswer("q-1").getError()).isEqualTo("this host does not run systemd");
  }

  @Test
  void thisMachinesOwnSystemctlWithoutSystemdAsInitSaysItDoesNotRunSystemd() throws Exception {
    Optional<Path> systemctl = new HostTools(HostTools.DEFAULT_PATH).find("systemctl");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        systemctl.isPresent() && !Files.isDirectory(Path.of("/run/systemd/system")),
        "needs a machine with systemctl installed but not booted with systemd");
    start(new HostTools(HostTools.DEFAULT_PATH));

    runner.arrived(query("q-1", "list_services"));

    assertThat(awaitAnswer("q-1").getError()).isEqualTo("this host does not run systemd");
  }

  @Test
  void listsThePortsThisMachineListensOn() throws Exception {
    start(new HostTools(HostTools.DEFAULT_PATH));
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      runner.arrived(query("q-1", "list_ports"));

      AgentQueryResult result = awaitAnswer("q-1");
      assertThat(result.getStatus()).isEqualTo("ok");
      assertThat(result.getPortsList())
          .filteredOn(port -> port.getPort() == socket.getLocalPort())
          .extracting(PortInfo::getPid)
          .containsOnly((int) ProcessHandle.current().pid());
    }
  }

  @Test
  void anUnknownQueryTypeIsAnsweredWithAnError() throws Exception {
    start(new HostTools(HostTools.DEFAULT_PATH));

    runner.arrived(query("q-1", "list_users"));

    AgentQueryResult result = awaitAnswer("q-1");
    assertThat(result)
        .isEqualTo(
            AgentQueryResult.newBuilder()
                .setQueryId("q-1")
                .setQueryType("list_users")
                .setStatus("error")
                .setError("unknown query type list_users")
                .build());
  }

  @Test
  void aQuerySentAgainIsAnsweredOnce() throws Exception {
    StandInHost host = StandInHost.in(dir);
    start(host.tools());

    runner.arrived(query("q-1", "list_services"));
    awaitAnswer("q-1");
    runner.arrived(query("q-1", "list_services"));
    runner.arrived(query("q-2", "list_ports"));
    awaitAnswer("q-2");

    assertThat(server.queryResults())
        .extracting(AgentQueryResult::getQueryId)
        .containsExactly("q-1", "q-2");
    assertThat(host.systemctlCalls()).hasSize(4);
  }

  private void start(HostTools tools) {
    runner = new QueryRunner(tools, Path.of("/proc"), outbox, Clock.systemUTC());
    runner.start();
  }

  private static AgentQuery query(String id, String type) {
    return AgentQuery.newBuilder().setQueryId(id).setQueryType(type).build();
  }

  private AgentQueryResult awaitAnswer(String id) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(20);
    while (Instant.now().isBefore(deadline)) {
      Optional<AgentQueryResult> answer =
          server.queryResults().stream().filter(r -> r.getQueryId().equals(id)).findFirst();
      if (answer.isPresent()) {
        return answer.get();
      }
      Thread.sleep(20);
    }
    return fail("no answer to " + id);
  }
}
