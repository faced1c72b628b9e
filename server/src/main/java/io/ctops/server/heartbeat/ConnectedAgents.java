package io.ctops.server.heartbeat;

import io.ctops.protocol.v1.AgentQuery;
import io.ctops.protocol.v1.AgentTask;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.TerminalSessionRequest;
import io.ctops.server.checks.CheckAssignments;
import io.ctops.server.checks.CheckResultWriter;
import io.ctops.server.checks.ResultIntake;
import io.ctops.server.enrolment.AgentAuthentication;
import io.ctops.server.enrolment.AgentAuthentication.AuthenticatedAgent;
import io.ctops.server.metrics.MetricQueue;
import io.ctops.server.queries.QueryAnswers;
import io.ctops.server.queries.QueryChannel;
import io.ctops.server.tasks.AgentChannel;
import io.ctops.server.tasks.TaskReports;
import io.ctops.server.terminal.TerminalHub;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents whose heartbeat streams this ingest instance holds: opens their streams, keeps one
 * stream per agent (a newer one replaces the older), carries tasks and questions to them, and every
 * {@code recheckEvery} ends the streams of agents that were revoked or deleted meanwhile ({@code
 * PERMISSION_DENIED} / {@code NOT_FOUND}).
 */
public final class ConnectedAgents
    implements AgentChannel, QueryChannel, TerminalHub.Agents, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConnectedAgents.class);

  /** Connected agents checked per query by the recheck. */
  static final int RECHECK_BATCH = 10_000;

  /** A recheck looks at every connected agent in full at least once in this many runs. */
  static final int RECHECK_ROUNDS = 6;

  /** What every stream works with; the role builds them. */
  public record StreamParts(
      Clock clock,
      AgentAuthentication authentication,
      HostVitalsBatcher vitals,
      MetricQueue queue,
      HeartbeatAnswers answers,
      TaskReports tasks,
      QueryAnswers queries,
      CheckAssignments checks,
      ResultIntake checkIntake,
      CheckResultWriter checkResults,
      Duration ackWait) {}

  private final StreamParts parts;
  private final HostStatus hostStatus;
  private final Duration recheckEvery;
  private final RecheckRotation rotation = new RecheckRotation(RECHECK_BATCH, RECHECK_ROUNDS);
  private final Map<UUID, HeartbeatStream> connected = new ConcurrentHashMap<>();
  private final Counter heartbeats;
  private final Counter streamsWithCertificate;
  private final Counter streamsWithoutCertificate;
  private Instant lastRecheck;

  public ConnectedAgents(
      StreamParts parts, HostStatus hostStatus, Duration recheckEvery, MeterRegistry registry) {
    this.parts = parts;
    this.hostStatus = hostStatus;
    this.recheckEvery = recheckEvery;
    this.heartbeats =
        Counter.builder("ctops_heartbeats_received_total")
            .description("Heartbeat messages received")
            .register(registry);
    registry.gaugeMapSize("ctops_connected_agents", List.of(), connected);
    this.streamsWithCertificate = streamsOpened(registry, "presented");
    this.streamsWithoutCertificate = streamsOpened(registry, "absent");
  }

  /** Streams opened, by whether the agent presented its client certificate (mutual TLS). */
  private static Counter streamsOpened(MeterRegistry registry, String certificate) {
    return Counter.builder("ctops_heartbeat_streams_opened_total")
        .description(
            "Heartbeat streams opened, by whether the agent presented a client certificate")
        .tag("client_certificate", certificate)
        .register(registry);
  }

  /**
   * A new heartbeat stream: the gRPC call's side that receives the agent's messages, one at a time
   * (the next is read once the current one's check results are queued).
   */
  public StreamObserver<HeartbeatRequest> open(StreamObserver<HeartbeatResponse> responses) {
    if (responses instanceof ServerCallStreamObserver<HeartbeatResponse> call) {
      call.disableAutoRequest();
      HeartbeatStream stream = new HeartbeatStream(parts, this, responses, () -> call.request(1));
      call.request(1);
      return stream;
    }
    return new HeartbeatStream(parts, this, responses, () -> {});
  }

  void opened(
      HeartbeatStream stream,
      AuthenticatedAgent agent,
      UUID streamId,
      String version,
      boolean clientCertificate) {
    (clientCertificate ? streamsWithCertificate : streamsWithoutCertificate).increment();
    HeartbeatStream previous = connected.put(agent.agentId(), stream);
    if (previous != null && previous != stream) {
      previous.terminate(
          Status.CANCELLED.withDescription("replaced by a newer stream of the agent"));
    }
    hostStatus.streamOpened(agent.agentId(), agent.hostId(), streamId, version);
    log.debug(
        "event=heartbeat_stream_opened agent_id={} stream_id={} client_certificate={}",
        agent.agentId(),
        streamId,
        clientCertificate);
  }

  void closed(HeartbeatStream stream, AuthenticatedAgent agent, UUID streamId, String reason) {
    if (agent == null) {
      return;
    }
    connected.remove(agent.agentId(), stream);
    try {
      hostStatus.streamClosed(agent.agentId(), agent.hostId(), streamId, reason);
    } catch (RuntimeException e) {
      // The sweeper marks the host offline once the database is back.
      log.warn(
          "event=stream_close_not_recorded agent_id={} error={}", agent.agentId(), e.toString());
    }
  }

  void heartbeatReceived() {
    heartbeats.increment();
  }

  @Override
  public boolean canTake(UUID agentId) {
    HeartbeatStream stream = connected.get(agentId);
    return stream != null && stream.canTakeTask();
  }

  @Override
  public boolean offer(UUID agentId, AgentTask task) {
    HeartbeatStream stream = connected.get(agentId);
    return stream != null && stream.offer(task);
  }

  @Override
  public boolean ask(UUID agentId, AgentQuery query) {
    HeartbeatStream stream = connected.get(agentId);
    return stream != null && stream.ask(query);
  }

  @Override
  public boolean announce(UUID agentId, TerminalSessionRequest session) {
    HeartbeatStream stream = connected.get(agentId);
    return stream != null && stream.announce(session);
  }

  @Override
  public boolean holds(UUID agentId) {
    return connected.containsKey(agentId);
  }

  @Override
  public boolean cancel(UUID agentId, String taskId) {
    HeartbeatStream stream = connected.get(agentId);
    return stream != null && stream.cancel(taskId);
  }

  /**
   * Ends the streams of agents that were revoked, un-approved or deleted since they connected.
   * Revocations and host deletions since the last run are acted on at once; besides, each run looks
   * at a share of the connected agents in full (all of them up to {@link #RECHECK_BATCH}, a {@link
   * #RECHECK_ROUNDS}-th of a larger fleet), which catches every other way out.
   */
  public void recheckConnected() {
    AgentAuthentication authentication = parts.authentication();
    Instant started = parts.clock().instant();
    Set<UUID> suspects = new HashSet<>();
    if (lastRecheck != null) {
      // with a margin for clocks and for transactions that committed while the last run read
      suspects.addAll(authentication.disallowedSince(lastRecheck.minus(recheckEvery)));
    }
    List<UUID> agents = rotation.next(List.copyOf(connected.keySet()));
    for (int from = 0; from < agents.size(); from += RECHECK_BATCH) {
      List<UUID> batch = agents.subList(from, Math.min(agents.size(), from + RECHECK_BATCH));
      suspects.addAll(authentication.notAllowed(batch));
    }
    for (UUID suspect : suspects) {
      HeartbeatStream stream = connected.get(suspect);
      if (stream != null) {
        recheck(suspect, stream);
      }
    }
    lastRecheck = started;
  }

  /** Ends the stream of an agent that may no longer heartbeat, with the status it deserves. */
  private void recheck(UUID agentId, HeartbeatStream stream) {
    Optional<AuthenticatedAgent> current = parts.authentication().load(agentId);
    if (current.isEmpty()) {
      stream.terminate(Status.NOT_FOUND.withDescription("agent " + agentId + " was deleted"));
      return;
    }
    try {
      AgentAuthentication.requireAllowed(current.get());
    } catch (StatusException e) {
      stream.terminate(e.getStatus());
    }
  }

  /** Ends every stream (agents reconnect to another instance). */
  @Override
  public void close() {
    for (HeartbeatStream stream : List.copyOf(connected.values())) {
      stream.terminate(Status.UNAVAILABLE.withDescription("the server is shutting down"));
    }
  }
}
