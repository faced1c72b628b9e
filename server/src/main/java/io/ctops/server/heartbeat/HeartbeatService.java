package io.ctops.server.heartbeat;

import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.server.agentca.AgentCertificateAuthority;
import io.ctops.server.enrolment.AgentAuthentication;
import io.ctops.server.enrolment.AgentAuthentication.AuthenticatedAgent;
import io.ctops.server.enrolment.ClientCertificates;
import io.ctops.server.inventory.ScanDispatch;
import io.ctops.server.metrics.MetricQueue;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Heartbeat streams of this ingest instance: opens them, keeps the registry of connected agents,
 * and every {@code recheckEvery} ends the streams of agents that were revoked or deleted meanwhile
 * ({@code PERMISSION_DENIED} / {@code NOT_FOUND}). Also runs the stale-host sweeper.
 */
public final class HeartbeatService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HeartbeatService.class);

  /** Tunables, all with production defaults; tests shorten them. */
  public record Options(
      Duration vitalsFlushInterval,
      Duration ackWait,
      Duration recheckEvery,
      Duration sweepEvery,
      String latestAgentVersion,
      String downloadBaseUrl) {}

  private final Jdbi jdbi;
  private final AgentAuthentication authentication;
  private final AgentCertificateAuthority authority;
  private final MetricQueue queue;
  private final Clock clock;
  private final Options options;
  private final HostStatus hostStatus;
  private final HostVitalsBatcher vitals;
  private final StaleHostSweeper sweeper;
  private final ScanDispatch scanDispatch;

  /** Connected agents checked per query by the recheck. */
  static final int RECHECK_BATCH = 10_000;

  /** A recheck looks at every connected agent in full at least once in this many runs. */
  static final int RECHECK_ROUNDS = 6;

  private final RecheckRotation rotation = new RecheckRotation(RECHECK_BATCH, RECHECK_ROUNDS);
  private Instant lastRecheck;

  private final Map<UUID, HeartbeatStream> connected = new ConcurrentHashMap<>();
  private final ScheduledExecutorService background;
  private final Counter heartbeats;

  public HeartbeatService(
      Jdbi jdbi,
      AgentAuthentication authentication,
      AgentCertificateAuthority authority,
      MetricQueue queue,
      Clock clock,
      MeterRegistry registry,
      Options options) {
    this.jdbi = jdbi;
    this.authentication = authentication;
    this.authority = authority;
    this.queue = queue;
    this.clock = clock;
    this.options = options;
    this.hostStatus = new HostStatus(jdbi, clock);
    this.vitals = new HostVitalsBatcher(jdbi, clock, options.vitalsFlushInterval(), registry);
    this.sweeper = new StaleHostSweeper(jdbi, clock, vitals::writtenThrough);
    this.scanDispatch = new ScanDispatch(jdbi, clock);
    this.heartbeats =
        Counter.builder("ctops_heartbeats_received_total")
            .description("Heartbeat messages received")
            .register(registry);
    registry.gaugeMapSize("ctops_connected_agents", List.of(), connected);
    this.background =
        Executors.newScheduledThreadPool(
            1,
            runnable -> Thread.ofPlatform().name("heartbeat-upkeep").daemon().unstarted(runnable));
    background.scheduleWithFixedDelay(
        quietly("recheck", this::recheckConnected),
        options.recheckEvery().toMillis(),
        options.recheckEvery().toMillis(),
        TimeUnit.MILLISECONDS);
    background.scheduleWithFixedDelay(
        quietly("sweep", sweeper::sweep),
        options.sweepEvery().toMillis(),
        options.sweepEvery().toMillis(),
        TimeUnit.MILLISECONDS);
    long dispatchEvery = Math.min(2000, options.recheckEvery().toMillis());
    background.scheduleWithFixedDelay(
        quietly("dispatch scans", this::dispatchScans),
        dispatchEvery,
        dispatchEvery,
        TimeUnit.MILLISECONDS);
    background.scheduleWithFixedDelay(
        quietly("queue due scans", scanDispatch::sweep),
        Math.min(60_000, options.sweepEvery().toMillis() * 4),
        60_000,
        TimeUnit.MILLISECONDS);
  }

  public StreamObserver<HeartbeatRequest> open(StreamObserver<HeartbeatResponse> responses) {
    return new HeartbeatStream(this, responses);
  }

  void opened(HeartbeatStream stream, AuthenticatedAgent agent, UUID streamId, String version) {
    HeartbeatStream previous = connected.put(agent.agentId(), stream);
    if (previous != null && previous != stream) {
      previous.terminate(
          Status.CANCELLED.withDescription("replaced by a newer stream of the agent"));
    }
    hostStatus.streamOpened(agent.agentId(), agent.hostId(), streamId, version);
    log.debug("event=heartbeat_stream_opened agent_id={} stream_id={}", agent.agentId(), streamId);
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

  /**
   * Ends the streams of agents that were revoked, un-approved or deleted since they connected.
   * Revocations and host deletions since the last run are acted on at once; besides, each run looks
   * at a share of the connected agents in full (all of them up to {@link #RECHECK_BATCH}, a {@link
   * #RECHECK_ROUNDS}-th of a larger fleet), which catches every other way out.
   */
  void recheckConnected() {
    Instant started = clock.instant();
    Set<UUID> suspects = new HashSet<>();
    if (lastRecheck != null) {
      // with a margin for clocks and for transactions that committed while the last run read
      suspects.addAll(authentication.disallowedSince(lastRecheck.minus(options.recheckEvery())));
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
    Optional<AuthenticatedAgent> current = authentication.load(agentId);
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

  /** A client certificate for an agent approved after it sent its CSR, for the first response. */
  HeartbeatResponse.Builder pendingCertificate(AuthenticatedAgent agent) {
    if (agent.hasClientCertificate() || agent.pendingCsr().isEmpty()) {
      return null;
    }
    try {
      AgentCertificateAuthority.IssuedCertificate issued =
          authority.sign(agent.agentId(), agent.pendingCsr().get(), agent.publicKey().key());
      jdbi.useHandle(handle -> ClientCertificates.store(handle, agent.agentId(), issued));
      return HeartbeatResponse.newBuilder()
          .setPendingClientCertPem(issued.pem())
          .setPendingClientCertNotAfterUnix(issued.notAfter().getEpochSecond())
          .setAgentCaCertPem(authority.certificatePem());
    } catch (AgentCertificateAuthority.InvalidCsrException e) {
      log.warn("event=stored_csr_rejected agent_id={} error={}", agent.agentId(), e.getMessage());
      return null;
    }
  }

  /** The answer for an agent of this version on this platform ({@code os} empty: unknown). */
  HeartbeatResponse.Builder responseFor(String agentVersion, String os, String arch) {
    String latest = options.latestAgentVersion();
    HeartbeatResponse.Builder response =
        HeartbeatResponse.newBuilder().setOk(true).setLatestVersion(latest);
    if (!agentVersion.isEmpty() && AgentVersions.isOlder(agentVersion, latest)) {
      response
          .setUpdateAvailable(true)
          .setDownloadUrl(
              options.downloadBaseUrl()
                  + "/api/agent/download?version="
                  + encode(latest)
                  + (os.isEmpty() ? "" : "&os=" + encode(os) + "&arch=" + encode(arch)));
    }
    return response;
  }

  /** What an agent reported about a task it ran; a failed inventory scan fails its scan row. */
  void taskResult(AuthenticatedAgent agent, io.ctops.protocol.v1.AgentTaskResult result) {
    if (result.getTaskType().equals(ScanDispatch.TASK_TYPE) && result.getExitCode() != 0) {
      try {
        scanDispatch.failedOnAgent(agent.hostId(), result.getTaskId(), result.getError());
      } catch (RuntimeException e) {
        log.warn(
            "event=task_result_not_recorded agent_id={} error={}", agent.agentId(), e.toString());
      }
    }
  }

  /** Pushes queued scans to the agents connected here. */
  int dispatchScans() {
    return scanDispatch.dispatch(
        connected::containsKey,
        (agentId, scanId) -> {
          HeartbeatStream stream = connected.get(agentId);
          return stream != null
              && stream.offer(
                  io.ctops.protocol.v1.AgentTask.newBuilder()
                      .setTaskId(scanId.toString())
                      .setTaskType(ScanDispatch.TASK_TYPE)
                      .setConfigJson("{}")
                      .build());
        });
  }

  void heartbeatReceived() {
    heartbeats.increment();
  }

  Clock clock() {
    return clock;
  }

  HostVitalsBatcher vitals() {
    return vitals;
  }

  MetricQueue queue() {
    return queue;
  }

  AgentAuthentication authentication() {
    return authentication;
  }

  Duration ackWait() {
    return options.ackWait();
  }

  private static Runnable quietly(String what, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.warn("event=heartbeat_upkeep_failed task={} error={}", what, e.toString());
      }
    };
  }

  private static Runnable quietly(String what, java.util.function.IntSupplier task) {
    return quietly(what, (Runnable) task::getAsInt);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    background.shutdownNow();
    for (HeartbeatStream stream : List.copyOf(connected.values())) {
      stream.terminate(Status.UNAVAILABLE.withDescription("the server is shutting down"));
    }
    vitals.close();
    hostStatus.close();
  }
}
