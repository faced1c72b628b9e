package io.ctops.server.terminal;

import static io.ctops.server.testing.HeartbeatClient.vitals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.ctops.protocol.internal.v1.HostMessage;
import io.ctops.protocol.internal.v1.TerminalRelayGrpc;
import io.ctops.protocol.internal.v1.ViewerAttach;
import io.ctops.protocol.internal.v1.ViewerMessage;
import io.ctops.protocol.internal.v1.ViewerResize;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.protocol.v1.TerminalAgentMessage;
import io.ctops.protocol.v1.TerminalClosedMsg;
import io.ctops.protocol.v1.TerminalServerMessage;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.PasswordHashing;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.Users;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.HeartbeatClient;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.StreamClient;
import io.ctops.server.testing.TestAgent;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The ingest side of terminals over real gRPC/TLS, with the test playing the agent (its heartbeat
 * and {@code Terminal} streams) and the web instance (the relay): the agent registered with one
 * instance and heartbeats to the other, which claims the session, announces it at once, and joins
 * the two streams; bytes, resizes and the end go through, and what the session was is stored.
 */
@ExtendWith(FreshDatabase.class)
class TerminalRelayTest {
  private IngestFixture first;
  private IngestFixture second;
  private RegisterResponse registered;
  private TestAgent agent;
  private HeartbeatClient heartbeat;
  private TerminalSessions sessions;
  private UUID org;
  private UUID host;
  private ManagedChannel relayChannel;
  private Actor user;

  @BeforeEach
  void connect(DatabaseUrl database) {
    first = IngestFixture.start(database);
    second = IngestFixture.sharing(first);
    agent = new TestAgent("shell-01", "10.0.5.1");
    registered = first.blocking().register(agent.requestWithCsr(first.token(true)).build());
    heartbeat = new HeartbeatClient(agentStub());
    heartbeat.send(vitals(1, 2, 3).build()).next();
    host = UUID.fromString(second.string("SELECT CAST(id AS text) FROM hosts"));
    org = UUID.fromString(second.string("SELECT CAST(org_id AS text) FROM hosts"));
    sessions = new TerminalSessions(first.jdbi(), Clock.systemUTC());
    UUID userId =
        switch (new Users(first.jdbi(), new PasswordHashing(), Clock.systemUTC())
            .create(
                org,
                new Users.NewUser("eng@example.com", null, "correct horse battery", Role.ENGINEER),
                Actor.system("test"))) {
          case Users.Creation.Created c -> c.user().id();
          case Users.Creation.EmailTaken t -> throw new IllegalStateException();
        };
    user = Actor.user(userId, "eng@example.com", "127.0.0.1");
  }

  /** A fresh ticket of the session's user (the first one is spent by the first viewer). */
  private String ticket(TerminalSessions.Created created) {
    return sessions.ticket(created.id(), user.userId().orElseThrow()).orElseThrow();
  }

  @AfterEach
  void close() {
    if (relayChannel != null) {
      relayChannel.shutdownNow();
    }
    heartbeat.close();
    second.close();
    first.close();
  }

  private IngestServiceGrpc.IngestServiceStub agentStub() {
    return second.withJwt(
        second.channel(registered.getClientCertPem(), agent), registered.getJwtToken());
  }

  /** The session's announcement, pushed on the heartbeat stream without a heartbeat. */
  private String announced() {
    HeartbeatResponse pushed = heartbeat.next(); // the first scan's task may come first
    while (pushed.getPendingTerminalSessionsCount() == 0) {
      pushed = heartbeat.next();
    }
    return pushed.getPendingTerminalSessions(0).getSessionId();
  }

  /** The relay as a web instance opens it: to the claimed address, pinning its certificate. */
  /** {@code ticket} null: attaches with a token that is not the session's. */
  private StreamClient<ViewerMessage, HostMessage> viewer(UUID session, String ticket)
      throws SSLException {
    TerminalSessions.Relay relay = sessions.relay(session).orElseThrow();
    String[] hostAndPort = relay.address().split(":");
    relayChannel =
        NettyChannelBuilder.forAddress(hostAndPort[0], Integer.parseInt(hostAndPort[1]))
            .sslContext(
                GrpcSslContexts.forClient()
                    .trustManager(
                        new ByteArrayInputStream(
                            relay.certificatePem().getBytes(StandardCharsets.US_ASCII)))
                    .build())
            .build();
    StreamClient<ViewerMessage, HostMessage> viewer =
        new StreamClient<>(TerminalRelayGrpc.newStub(relayChannel)::relay);
    String token =
        ticket == null
            ? "not-the-token"
            : sessions
                .spendTicket(session, host, user.userId().orElseThrow(), ticket)
                .orElseThrow();
    viewer.send(
        ViewerMessage.newBuilder()
            .setAttach(
                ViewerAttach.newBuilder()
                    .setSessionId(session.toString())
                    .setToken(token)
                    .setCols(80)
                    .setRows(24))
            .build());
    return viewer;
  }

  private StreamClient<TerminalAgentMessage, TerminalServerMessage> agentTerminal(String session) {
    StreamClient<TerminalAgentMessage, TerminalServerMessage> stream =
        new StreamClient<>(agentStub()::terminal);
    stream.send(TerminalAgentMessage.newBuilder().setSessionId(session).build());
    return stream;
  }

  private static TerminalAgentMessage output(String session, String text, boolean replay) {
    return TerminalAgentMessage.newBuilder()
        .setSessionId(session)
        .setOutput(ByteString.copyFromUtf8(text))
        .setReplay(replay)
        .build();
  }

  @Test
  void bytesResizesAndTheEndGoThroughTheInstanceHoldingTheAgent() throws Exception {
    TerminalSessions.Created created = sessions.create(org, host, "shell-01", user, 120, 40);

    String id = announced();
    assertThat(id).isEqualTo(created.id().toString());
    assertThat(sessions.relay(created.id()).orElseThrow().address())
        .isEqualTo("localhost:" + second.ingest.grpcPort());
    StreamClient<ViewerMessage, HostMessage> viewer = viewer(created.id(), ticket(created));
    assertThat(viewer.next().getStatus()).isEqualTo("waiting for the host's agent");
    // typed before the shell is there: kept for it, not lost
    viewer.send(ViewerMessage.newBuilder().setInput(ByteString.copyFromUtf8("early\n")).build());

    StreamClient<TerminalAgentMessage, TerminalServerMessage> shell = agentTerminal(id);
    assertThat(viewer.next().getStatus()).isEqualTo("connected");
    assertThat(shell.next().getInput().toStringUtf8()).isEqualTo("early\n");
    shell.send(output(id, "$ ", false));
    assertThat(viewer.next().getOutput().toStringUtf8()).isEqualTo("$ ");
    viewer.send(ViewerMessage.newBuilder().setInput(ByteString.copyFromUtf8("echo hi\n")).build());
    assertThat(shell.next().getInput().toStringUtf8()).isEqualTo("echo hi\n");
    viewer.send(
        ViewerMessage.newBuilder()
            .setResize(ViewerResize.newBuilder().setCols(100).setRows(30))
            .build());
    TerminalServerMessage resize = shell.next();
    assertThat(resize.getResize().getCols()).isEqualTo(100);
    assertThat(resize.getResize().getRows()).isEqualTo(30);
    assertThat(second.string("SELECT state FROM terminal_sessions")).isEqualTo("open");

    shell.send(
        TerminalAgentMessage.newBuilder()
            .setSessionId(id)
            .setClosed(TerminalClosedMsg.newBuilder().setExitCode(3))
            .build());

    HostMessage closed = viewer.next(HostMessage::hasClosed);
    assertThat(closed.getClosed().getExitCode()).isEqualTo(3);
    assertThat(viewer.awaitEnd(Duration.ofSeconds(10)).isOk()).isTrue();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "ended".equals(second.string("SELECT state FROM terminal_sessions")));
    assertThat(
            second.string(
                "SELECT exit_code || ' ' || bytes_in || ' ' || bytes_out FROM terminal_sessions"))
        .isEqualTo("3 14 2");
    assertThat(
            second.string(
                "SELECT string_agg(action, ',' ORDER BY id) FROM audit_entries"
                    + " WHERE action LIKE 'terminal.%'"))
        .isEqualTo("terminal.start,terminal.end");
  }

  @Test
  void aViewerThatComesBackSeesTheOutputAgainAndTheShellGoesOn() throws Exception {
    TerminalSessions.Created created = sessions.create(org, host, "shell-01", user, 80, 24);
    String id = announced();
    StreamClient<ViewerMessage, HostMessage> viewer = viewer(created.id(), ticket(created));
    StreamClient<TerminalAgentMessage, TerminalServerMessage> shell = agentTerminal(id);
    shell.send(output(id, "X=42\n", false));
    viewer.next(HostMessage::hasOutput);

    viewer.fail();
    shell.send(output(id, "printed while away\n", false));
    relayChannel.shutdownNow();
    StreamClient<ViewerMessage, HostMessage> again = viewer(created.id(), ticket(created));

    HostMessage replay = again.next(HostMessage::hasOutput);
    assertThat(replay.getReplay()).isTrue();
    assertThat(replay.getOutput().toStringUtf8()).isEqualTo("X=42\nprinted while away\n");
    again.send(ViewerMessage.newBuilder().setInput(ByteString.copyFromUtf8("echo $X\n")).build());
    assertThat(shell.next(TerminalServerMessage::hasInput).getInput().toStringUtf8())
        .isEqualTo("echo $X\n");
  }

  @Test
  void anAgentThatNeverOpensTheSessionIsReportedAsNotSupportingTerminals() throws Exception {
    TerminalSessions.Created created = sessions.create(org, host, "shell-01", user, 80, 24);
    announced();
    StreamClient<ViewerMessage, HostMessage> viewer = viewer(created.id(), ticket(created));

    HostMessage closed = viewer.next(HostMessage::hasClosed);

    assertThat(closed.getClosed().getReason()).contains("does not support terminals");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "ended".equals(second.string("SELECT state FROM terminal_sessions")));
    assertThat(second.string("SELECT outcome FROM audit_entries WHERE action = 'terminal.end'"))
        .isEqualTo("failed");
  }

  @Test
  void deletingTheHostEndsItsSessionOnBothEnds() throws Exception {
    TerminalSessions.Created created = sessions.create(org, host, "shell-01", user, 80, 24);
    String id = announced();
    StreamClient<ViewerMessage, HostMessage> viewer = viewer(created.id(), ticket(created));
    StreamClient<TerminalAgentMessage, TerminalServerMessage> shell = agentTerminal(id);
    viewer.next(message -> "connected".equals(message.getStatus()));

    first.jdbi().useHandle(h -> h.execute("UPDATE hosts SET deleted_at = now()"));

    assertThat(shell.next(TerminalServerMessage::hasClose).getClose()).isTrue();
    assertThat(viewer.next(HostMessage::hasClosed).getClosed().getReason())
        .isEqualTo("the host was deleted");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "ended".equals(second.string("SELECT state FROM terminal_sessions")));
    assertThat(second.string("SELECT end_reason FROM terminal_sessions"))
        .isEqualTo("the host was deleted");
  }

  @Test
  void anAdminsStopClosesTheShellAndTheSessionEndsWithItsExitCode() throws Exception {
    TerminalSessions.Created created = sessions.create(org, host, "shell-01", user, 80, 24);
    String id = announced();
    StreamClient<ViewerMessage, HostMessage> viewer = viewer(created.id(), ticket(created));
    StreamClient<TerminalAgentMessage, TerminalServerMessage> shell = agentTerminal(id);
    viewer.next(message -> "connected".equals(message.getStatus()));
    Actor admin = Actor.user(UUID.randomUUID(), "admin@example.com", "127.0.0.1");
    assertThat(sessions.stop(created.id(), UUID.randomUUID(), org, admin))
        .as("another host's session")
        .isEqualTo(TerminalSessions.Stop.NOT_FOUND);

    assertThat(sessions.stop(created.id(), host, org, admin))
        .isEqualTo(TerminalSessions.Stop.STOPPING);

    // told at once, not at the next periodic check
    assertThat(shell.next(TerminalServerMessage::hasClose).getClose()).isTrue();
    assertThat(viewer.next(HostMessage::hasOutput).getOutput().toStringUtf8())
        .contains("ended by admin@example.com");
    shell.send(
        TerminalAgentMessage.newBuilder()
            .setSessionId(id)
            .setClosed(TerminalClosedMsg.newBuilder().setExitCode(129).setReason("hung up"))
            .build());
    HostMessage closed = viewer.next(HostMessage::hasClosed);
    assertThat(closed.getClosed().getExitCode()).isEqualTo(129);
    assertThat(closed.getClosed().getReason()).isEqualTo("ended by admin@example.com");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "ended".equals(second.string("SELECT state FROM terminal_sessions")));
    assertThat(
            second.string(
                "SELECT string_agg(action || ' ' || actor_name, ',' ORDER BY id)"
                    + " FROM audit_entries WHERE action LIKE 'terminal.%'"))
        .isEqualTo(
            "terminal.start eng@example.com,terminal.stop admin@example.com,"
                + "terminal.end eng@example.com");
    assertThat(sessions.stop(created.id(), host, org, admin))
        .isEqualTo(TerminalSessions.Stop.NOT_RUNNING);
  }

  @Test
  void anOfflineAgentKeepsItsSessionsForTheGracePeriodButARevokedOneEndsThem() {
    TerminalSessions.Created created = sessions.create(org, host, "shell-01", user, 80, 24);
    second.jdbi().useHandle(h -> h.execute("UPDATE agents SET status = 'offline'"));
    assertThat(sessions.noLongerAllowed(List.of(created.id()))).isEmpty();

    second.jdbi().useHandle(h -> h.execute("UPDATE agents SET status = 'revoked'"));
    assertThat(sessions.noLongerAllowed(List.of(created.id())))
        .containsEntry(created.id(), new TerminalSessions.Ending("the agent was revoked", false));
  }

  @Test
  void aWrongTokenOrAnUnannouncedSessionIsRefused() throws Exception {
    TerminalSessions.Created created = sessions.create(org, host, "shell-01", user, 80, 24);
    announced();

    StreamClient<ViewerMessage, HostMessage> stranger = viewer(created.id(), null);
    assertThat(stranger.awaitEnd(Duration.ofSeconds(10)).getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
    StreamClient<TerminalAgentMessage, TerminalServerMessage> unannounced =
        agentTerminal(UUID.randomUUID().toString());
    assertThat(unannounced.awaitEnd(Duration.ofSeconds(10)).getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
  }
}
