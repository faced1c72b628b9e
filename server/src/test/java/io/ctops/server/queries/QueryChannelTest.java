package io.ctops.server.queries;

import static io.ctops.server.testing.HeartbeatClient.vitals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ctops.protocol.v1.AgentQuery;
import io.ctops.protocol.v1.AgentQueryResult;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.PortInfo;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.protocol.v1.ServiceInfo;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.HeartbeatClient;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.TestAgent;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Questions to agents end to end over gRPC/TLS: asked where the web app runs, sent at once by the
 * ingest instance holding the agent's stream (another instance than the one it registered with),
 * answered on the stream and stored; answers to other questions change nothing.
 */
@ExtendWith(FreshDatabase.class)
class QueryChannelTest {
  private IngestFixture first;
  private IngestFixture second;
  private HeartbeatClient stream;
  private HostQueries queries;
  private UUID host;

  @BeforeEach
  void connect(DatabaseUrl database) {
    first = IngestFixture.start(database);
    second = IngestFixture.sharing(first);
    TestAgent agent = new TestAgent("asked-01", "10.0.4.1");
    RegisterResponse registered =
        first.blocking().register(agent.requestWithCsr(first.token(true)).build());
    stream =
        new HeartbeatClient(
            second.withJwt(
                second.channel(registered.getClientCertPem(), agent), registered.getJwtToken()));
    stream.send(vitals(1, 2, 3).build()).next();
    host = UUID.fromString(second.string("SELECT CAST(id AS text) FROM hosts"));
    queries = new HostQueries(first.jdbi(), Clock.systemUTC());
  }

  @AfterEach
  void close() {
    stream.close();
    second.close();
    first.close();
  }

  private AgentQuery pushedQuery() {
    // no heartbeat is sent meanwhile: the answer carrying the question comes on its own (after
    // the one carrying the first software scan, perhaps)
    HeartbeatResponse pushed = stream.next();
    if (pushed.getPendingQueriesCount() == 0 && pushed.hasPendingTask()) {
      pushed = stream.next();
    }
    assertThat(pushed.getPendingQueriesCount()).isEqualTo(1);
    return pushed.getPendingQueries(0);
  }

  @Test
  void servicesAreAskedAtOnceAndTheAnswerIsStoredWithItsTime() {
    assertThat(queries.state(host, QueryType.SERVICES, ServiceEntry.class).requestedAt()).isNull();

    QueryState<ServiceEntry> asked = queries.ask(host, QueryType.SERVICES, ServiceEntry.class);

    assertThat(asked.waiting()).isTrue();
    AgentQuery query = pushedQuery();
    assertThat(query.getQueryType()).isEqualTo("list_services");
    stream
        .send(
            vitals(1, 2, 3)
                .addQueryResults(
                    AgentQueryResult.newBuilder()
                        .setQueryId(query.getQueryId())
                        .setQueryType("list_services")
                        .setStatus("ok")
                        .addServices(
                            ServiceInfo.newBuilder()
                                .setName("nginx.service")
                                .setLoadState("loaded")
                                .setActiveSub("active/running")
                                .setUnitFileState("enabled")
                                .setDescription("A high performance web server")
                                .setMainPid(812))
                        .addServices(
                            ServiceInfo.newBuilder()
                                .setName("backup.service")
                                .setLoadState("loaded")
                                .setActiveSub("failed")))
                .build())
        .next();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> queries.state(host, QueryType.SERVICES, ServiceEntry.class).hasAnswer());
    QueryState<ServiceEntry> answered = queries.state(host, QueryType.SERVICES, ServiceEntry.class);
    assertThat(answered.waiting()).isFalse();
    assertThat(answered.failed()).isFalse();
    assertThat(answered.items())
        .containsExactly(
            new ServiceEntry("backup.service", "loaded", "failed", "", "", "", 0),
            new ServiceEntry(
                "nginx.service",
                "loaded",
                "active",
                "running",
                "enabled",
                "A high performance web server",
                812));
    assertThat(answered.items().get(0).isFailed()).isTrue();
    assertThat(answered.items().get(1).isRunning()).isTrue();
    assertThat(second.string("SELECT sent_at IS NOT NULL FROM host_queries")).isEqualTo("t");
  }

  @Test
  void aHostWithoutSystemdIsAnAnswerAndPortsComeWithTheirProcess() {
    queries.ask(host, QueryType.SERVICES, ServiceEntry.class);
    AgentQuery services = pushedQuery();
    queries.ask(host, QueryType.PORTS, PortEntry.class);
    AgentQuery ports = pushedQuery();
    stream
        .send(
            vitals(1, 2, 3)
                .addQueryResults(
                    AgentQueryResult.newBuilder()
                        .setQueryId(services.getQueryId())
                        .setQueryType("list_services")
                        .setStatus("error")
                        .setError("this host does not run systemd"))
                .addQueryResults(
                    AgentQueryResult.newBuilder()
                        .setQueryId(ports.getQueryId())
                        .setQueryType("list_ports")
                        .setStatus("ok")
                        .addPorts(
                            PortInfo.newBuilder()
                                .setPort(22)
                                .setProtocol("tcp")
                                .setProcess("sshd")
                                .setAddress("0.0.0.0")
                                .setPid(640))
                        .addPorts(PortInfo.newBuilder().setPort(53).setProtocol("udp")))
                .build())
        .next();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> queries.state(host, QueryType.PORTS, PortEntry.class).hasAnswer());
    QueryState<ServiceEntry> noSystemd =
        queries.state(host, QueryType.SERVICES, ServiceEntry.class);
    assertThat(noSystemd.failed()).isTrue();
    assertThat(noSystemd.error()).isEqualTo("this host does not run systemd");
    assertThat(queries.state(host, QueryType.PORTS, PortEntry.class).items())
        .containsExactly(
            new PortEntry(22, "tcp", "0.0.0.0", "sshd", 640), new PortEntry(53, "udp", "", "", 0));
  }

  @Test
  void anAnswerToAnotherQuestionChangesNothing() {
    queries.ask(host, QueryType.SERVICES, ServiceEntry.class);
    pushedQuery();

    stream
        .send(
            vitals(1, 2, 3)
                .addQueryResults(
                    AgentQueryResult.newBuilder()
                        .setQueryId(UUID.randomUUID().toString())
                        .setQueryType("list_services")
                        .setStatus("ok")
                        .addServices(ServiceInfo.newBuilder().setName("forged.service")))
                .addQueryResults(
                    AgentQueryResult.newBuilder()
                        .setQueryId("not a uuid")
                        .setQueryType("list_everything")
                        .setStatus("ok"))
                .build())
        .next();
    // a later heartbeat is answered after the writer has taken the earlier one's answers
    stream.send(vitals(1, 2, 3).setTimestampUnix(System.currentTimeMillis() / 1000 + 1).build());
    stream.next();

    QueryState<ServiceEntry> state = queries.state(host, QueryType.SERVICES, ServiceEntry.class);
    assertThat(state.waiting()).isTrue();
    assertThat(state.items()).isEmpty();
  }

  @Test
  void aQuestionIsNotAskedAgainWithinTenSecondsOrWhileWaitingUnlessForced() {
    queries.ask(host, QueryType.SERVICES, ServiceEntry.class);
    String firstId = second.string("SELECT CAST(query_id AS text) FROM host_queries");

    queries.ask(host, QueryType.SERVICES, ServiceEntry.class);
    assertThat(second.string("SELECT CAST(query_id AS text) FROM host_queries"))
        .as("still waiting: not asked again")
        .isEqualTo(firstId);

    first
        .jdbi()
        .useHandle(
            h ->
                h.execute(
                    "UPDATE host_queries SET answered_query_id = query_id, answered_at = now(),"
                        + " status = 'ok'"));
    queries.ask(host, QueryType.SERVICES, ServiceEntry.class);
    assertThat(second.string("SELECT CAST(query_id AS text) FROM host_queries"))
        .as("answered a moment ago: fresh enough")
        .isEqualTo(firstId);

    first
        .jdbi()
        .useHandle(
            h ->
                HostQueries.ask(
                    h, host, QueryType.SERVICES, Clock.systemUTC().instant(), /* force */ true));
    assertThat(second.string("SELECT CAST(query_id AS text) FROM host_queries"))
        .isNotEqualTo(firstId);
  }
}
