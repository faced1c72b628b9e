package io.ctops.server.heartbeat;

import io.ctops.protocol.v1.AgentQuery;
import io.ctops.protocol.v1.AgentTask;
import io.ctops.protocol.v1.BufferedSample;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.TerminalSessionRequest;
import io.ctops.server.checks.CheckAssignments.CheckSet;
import io.ctops.server.checks.CheckResultWriter;
import io.ctops.server.checks.IncomingResult;
import io.ctops.server.enrolment.AgentAuthentication.AuthenticatedAgent;
import io.ctops.server.metrics.MetricSample;
import io.ctops.server.platform.grpc.AgentText;
import io.ctops.server.platform.grpc.CallIdentity;
import io.ctops.server.platform.grpc.RequestGuard;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent's heartbeat stream. The first message authenticates it (JWT from metadata, or from the
 * first message's {@code agent_id} for older agents) and brings the host online; each message then
 * updates the host's vitals (in memory, batched) and publishes its samples. A message is answered
 * once its samples are durable, or after {@code ackWait} without a new acknowledgement when the
 * database is slow or down, so the stream stays alive through an outage (the acknowledgement then
 * follows on an answer of its own as soon as they are).
 */
final class HeartbeatStream implements StreamObserver<HeartbeatRequest> {
  private static final Logger log = LoggerFactory.getLogger(HeartbeatStream.class);

  private final ConnectedAgents.StreamParts parts;
  private final ConnectedAgents registry;
  private final StreamObserver<HeartbeatResponse> responses;
  // asks gRPC for the agent's next message: once the current one's results are in the queue
  private final Runnable readNext;
  private final UUID streamId = UUID.randomUUID();
  private final Optional<String> bearer = CallIdentity.bearerToken();
  private final Optional<X509Certificate> certificate = CallIdentity.clientCertificate();
  private final AckWindow window = new AckWindow();
  private final Object lock = new Object();
  private AuthenticatedAgent agent;
  private AgentTask pendingTask;
  private final List<String> pendingCancels = new ArrayList<>();
  private final List<AgentQuery> pendingQueries = new ArrayList<>();
  private final List<TerminalSessionRequest> pendingTerminals = new ArrayList<>();
  private boolean answeredOnce;
  // check results of this stream were not stored: it answers no more and is ending
  private boolean silenced;
  private long lastAcknowledged = Long.MIN_VALUE;
  // The checks last sent to the agent (null: none yet on this stream).
  private CheckSet sentChecks;
  private long lastHeartbeatMillis = -1;
  private long lastSampleUnix = Long.MIN_VALUE;
  private int intervalSeconds = 30;
  private HeartbeatResponse.Builder firstResponseExtras;
  private boolean closed;
  private volatile boolean opened;
  private volatile String agentVersion = "";
  private volatile String os = "";
  private volatile String arch = "";
  // What the vitals flush found or wrote as this host's OS version.
  private final HostVitals.StoredOsVersion osStored = new HostVitals.StoredOsVersion();
  // What every answer carries for this agent's version and platform, built when they change.
  private volatile HeartbeatResponse answer;

  HeartbeatStream(
      ConnectedAgents.StreamParts parts,
      ConnectedAgents registry,
      StreamObserver<HeartbeatResponse> responses,
      Runnable readNext) {
    this.parts = parts;
    this.registry = registry;
    this.responses = responses;
    this.readNext = readNext;
  }

  UUID agentId() {
    return agent == null ? null : agent.agentId();
  }

  @Override
  public void onNext(HeartbeatRequest request) {
    if (isClosed()) {
      return;
    }
    Instant now = parts.clock().instant();
    boolean first = agent == null;
    try {
      if (first) {
        authenticate(request);
      }
      HeartbeatValidation.check(request, now);
      if (!first
          && !request.getAgentId().isEmpty()
          && !looksLikeJwt(request.getAgentId())
          && !request.getAgentId().equals(agent.agentId().toString())) {
        throw Status.PERMISSION_DENIED
            .withDescription(
                "agent_id '"
                    + AgentText.storable(request.getAgentId(), 60)
                    + "' is not this stream's agent")
            .asException();
      }
      if (first) {
        // Only a valid first heartbeat brings the host online: a refused stream writes nothing.
        registry.opened(this, agent, streamId, request.getAgentVersion(), certificate.isPresent());
        opened = true;
      }
    } catch (StatusException e) {
      terminate(e.getStatus());
      return;
    } catch (RuntimeException e) {
      log.warn("event=heartbeat_failed stream_id={} error={}", streamId, e.toString());
      terminate(
          Status.UNAVAILABLE.withDescription("the server cannot serve this stream right now"));
      return;
    }
    registry.heartbeatReceived();
    if (request.getTaskProgressCount() > 0 || request.getTaskResultsCount() > 0) {
      parts
          .tasks()
          .received(agent.hostId(), request.getTaskProgressList(), request.getTaskResultsList());
    }
    if (request.getQueryResultsCount() > 0) {
      parts.queries().received(agent.hostId(), request.getQueryResultsList());
    }
    // Fields of this long-lived object change only when the agent's report does: fewer pointers
    // from old objects to new ones for the collector to scan at each pause.
    if (!request.getAgentVersion().isEmpty() && !request.getAgentVersion().equals(agentVersion)) {
      agentVersion = request.getAgentVersion();
      answer = null;
    }
    if (!request.getOs().isEmpty()
        && (!request.getOs().equals(os) || !request.getArch().equals(arch))) {
      os = request.getOs();
      arch = request.getArch();
      answer = null;
    }
    long timestamp =
        request.getTimestampUnix() > 0 ? request.getTimestampUnix() : now.getEpochSecond();
    // An agent sends task news at once on an extra message that repeats its last sample's
    // timestamp: only a new sample tells how often this agent heartbeats (an interval taken from
    // the extra message would be a second, and the stale sweep would flap the host offline).
    if (timestamp > lastSampleUnix) {
      if (lastHeartbeatMillis >= 0) {
        long seconds = (now.toEpochMilli() - lastHeartbeatMillis) / 1000;
        intervalSeconds = (int) Math.max(1, Math.min(3600, seconds));
      }
      lastHeartbeatMillis = now.toEpochMilli();
      lastSampleUnix = timestamp;
    }
    parts
        .vitals()
        .offer(
            new HostVitals(
                agent.hostId(),
                request.getCpuPercent(),
                request.getMemoryPercent(),
                request.getDiskPercent(),
                request.getUptimeSeconds(),
                request.getNetRxBytesPerSec(),
                request.getNetTxBytesPerSec(),
                request.getOsVersion(),
                intervalSeconds,
                now,
                osStored));
    List<MetricSample> samples = samples(request, timestamp);
    List<Long> timestamps = samples.stream().map(MetricSample::timestampUnix).toList();
    synchronized (lock) {
      window.sent(timestamps);
    }
    // Check results are acknowledged with the heartbeat's samples: the agent drops them once the
    // watermark passes this heartbeat's timestamp, so both must be durable first.
    List<IncomingResult> results =
        parts.checkIntake().read(agent.orgId(), agent.hostId(), request.getCheckResultsList(), now);
    // Results wait for room in a full queue; until they are in, this stream reads nothing more
    // (the agent's next heartbeats wait in its own buffers), so their order is kept.
    CheckResultWriter.Offer offer = parts.checkResults().offer(results);
    offer
        .accepted()
        .thenRun(
            () -> {
              settle(samples, timestamps, offer.stored());
              readNext.run();
            });
  }

  /**
   * Settles the window once the samples and results are durable, then answers: the answer carries
   * the new watermark. The answer also goes out after ackWait without one, so a stalled database
   * never stalls the stream.
   */
  private void settle(
      List<MetricSample> samples, List<Long> timestamps, CompletableFuture<Void> resultsStored) {
    CompletableFuture<Void> settled =
        CompletableFuture.allOf(parts.queue().publish(samples), resultsStored)
            .handle(
                (ignored, error) -> {
                  boolean resultsLost = resultsStored.isCompletedExceptionally();
                  synchronized (lock) {
                    window.settled(timestamps, error == null);
                    // from here on no answer goes out: a resent sample settling this timestamp
                    // must not acknowledge the results with it
                    silenced |= resultsLost;
                  }
                  if (resultsLost) {
                    resultsNotStored();
                  }
                  return null;
                });
    CompletableFuture<Void> answer = new CompletableFuture<>();
    settled.thenRun(
        () -> {
          if (!answer.complete(null)) {
            acknowledgeLate();
          }
        });
    answer
        .completeOnTimeout(null, parts.ackWait().toMillis(), TimeUnit.MILLISECONDS)
        .thenRun(this::respond);
  }

  /**
   * The heartbeat became durable after its answer went out without it (the database took longer
   * than {@code ackWait}): the new watermark goes out now on an answer of its own, not 30 s later
   * with the next heartbeat's, so the agent's buffers empty as soon as they may.
   */
  private void acknowledgeLate() {
    synchronized (lock) {
      if (!closed && answeredOnce && window.watermark() > lastAcknowledged) {
        respond();
      }
    }
  }

  /**
   * An agent sends a check result once per stream, and drops it when the watermark passes the
   * heartbeat that carried it; it sends its samples again until then. A later heartbeat bringing
   * this one's samples again would settle its timestamp and acknowledge results that were never
   * stored. The stream answers no more and ends instead: on its next stream the agent sends every
   * result not acknowledged again (and, reconnecting with back-off, gives an overloaded server
   * room).
   */
  private void resultsNotStored() {
    terminate(
        Status.UNAVAILABLE.withDescription(
            "check results could not be stored now; send them again on a new stream"));
  }

  private List<MetricSample> samples(HeartbeatRequest request, long timestamp) {
    List<MetricSample> samples = new ArrayList<>(request.getSamplesCount() + 1);
    for (BufferedSample buffered : request.getSamplesList()) {
      samples.add(
          new MetricSample(
              agent.hostId(),
              buffered.getTimestampUnix(),
              buffered.getCpuPercent(),
              buffered.getMemoryPercent(),
              buffered.getDiskPercent(),
              buffered.hasNetRxBytesPerSec() ? buffered.getNetRxBytesPerSec() : null,
              buffered.hasNetTxBytesPerSec() ? buffered.getNetTxBytesPerSec() : null));
    }
    samples.add(
        new MetricSample(
            agent.hostId(),
            timestamp,
            request.getCpuPercent(),
            request.getMemoryPercent(),
            request.getDiskPercent(),
            request.hasNetRxBytesPerSec() ? request.getNetRxBytesPerSec() : null,
            request.hasNetTxBytesPerSec() ? request.getNetTxBytesPerSec() : null));
    return samples;
  }

  private void authenticate(HeartbeatRequest first) throws StatusException {
    String field = first.getAgentId();
    Optional<String> jwt =
        bearer.or(() -> looksLikeJwt(field) ? Optional.of(field) : Optional.empty());
    Optional<String> claimed =
        field.isEmpty() || looksLikeJwt(field) ? Optional.empty() : Optional.of(field);
    agent = parts.authentication().authenticate(jwt, claimed, certificate);
    firstResponseExtras = parts.answers().pendingCertificate(agent);
  }

  /** Whether a task offered now would go out: the stream is open and carries none yet. */
  boolean canTakeTask() {
    synchronized (lock) {
      return opened && !closed && pendingTask == null;
    }
  }

  /**
   * A task for the agent (one at a time). Once the stream has answered, it goes out at once on an
   * answer of its own (an answer's acknowledgement is a watermark, so an extra one is harmless);
   * before that it rides on the first answer.
   */
  boolean offer(AgentTask task) {
    synchronized (lock) {
      if (closed || pendingTask != null) {
        return false;
      }
      pendingTask = task;
      if (answeredOnce) {
        respond();
      }
      return true;
    }
  }

  /** Tells the agent to stop a task, at once on an answer of its own like {@link #offer}. */
  boolean cancel(String taskId) {
    synchronized (lock) {
      if (closed || !opened) {
        return false;
      }
      pendingCancels.add(taskId);
      if (answeredOnce) {
        respond();
      }
      return true;
    }
  }

  /** Asks the agent a question, at once on an answer of its own like {@link #offer}. */
  boolean ask(AgentQuery query) {
    synchronized (lock) {
      if (closed || !opened) {
        return false;
      }
      pendingQueries.add(query);
      if (answeredOnce) {
        respond();
      }
      return true;
    }
  }

  /** Announces a terminal session, at once on an answer of its own like {@link #offer}. */
  boolean announce(TerminalSessionRequest session) {
    synchronized (lock) {
      if (closed || !opened) {
        return false;
      }
      pendingTerminals.add(session);
      if (answeredOnce) {
        respond();
      }
      return true;
    }
  }

  private void respond() {
    synchronized (lock) {
      if (closed || silenced) {
        return;
      }
      HeartbeatResponse base = answer;
      if (base == null) {
        base = parts.answers().responseFor(agentVersion, os, arch).build();
        answer = base;
      }
      HeartbeatResponse.Builder response = base.toBuilder();
      if (pendingTask != null) {
        response.setPendingTask(pendingTask);
        pendingTask = null;
      }
      if (!pendingCancels.isEmpty()) {
        response.addAllCancelTaskIds(pendingCancels);
        pendingCancels.clear();
      }
      if (!pendingTerminals.isEmpty()) {
        response.addAllPendingTerminalSessions(pendingTerminals);
        pendingTerminals.clear();
      }
      if (!pendingQueries.isEmpty()) {
        response.addAllPendingQueries(pendingQueries);
        pendingQueries.clear();
      }
      CheckSet checks = parts.checks().forHost(agent.hostId());
      if (checks != sentChecks) {
        // the whole set on the stream's first answer (an agent may hold a stale one from before a
        // restart) and whenever it changed; agents that do not know checks_replace read a
        // non-empty list the same way
        response.addAllChecks(checks.definitions()).setChecksReplace(true);
        sentChecks = checks;
      }
      if (firstResponseExtras != null) {
        response.mergeFrom(firstResponseExtras.build());
        firstResponseExtras = null;
      }
      lastAcknowledged = window.watermark();
      response.setAckedThroughUnix(lastAcknowledged);
      try {
        responses.onNext(response.build());
        answeredOnce = true;
      } catch (RuntimeException e) {
        // The call was cancelled under us; onError will follow.
        log.debug("event=heartbeat_response_failed stream_id={} error={}", streamId, e.toString());
      }
    }
  }

  /** Ends the stream from the server's side with {@code status}. */
  void terminate(Status status) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        responses.onError(status.asRuntimeException());
      } catch (RuntimeException alreadyGone) {
        // the client went away first
      }
    }
    log.info(
        "event=heartbeat_stream_ended agent_id={} stream_id={} status={} reason={}",
        agentId(),
        streamId,
        status.getCode(),
        status.getDescription());
    undelivered();
    // The description may quote what the agent sent.
    registry.closed(
        this,
        opened ? agent : null,
        streamId,
        "stream ended: " + AgentText.storable(String.valueOf(status.getDescription()), 500));
  }

  @Override
  public void onError(Throwable error) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    undelivered();
    String reason =
        RequestGuard.refusal()
            .map(refused -> "stream ended: " + refused.getDescription())
            .orElse("heartbeat stream closed (" + Status.fromThrowable(error).getCode() + ")");
    registry.closed(this, opened ? agent : null, streamId, reason);
  }

  @Override
  public void onCompleted() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        responses.onCompleted();
      } catch (RuntimeException alreadyGone) {
        // nothing to tell
      }
    }
    undelivered();
    registry.closed(this, opened ? agent : null, streamId, "heartbeat stream closed by the agent");
  }

  /** A task this closed stream never sent goes back to the queue for the agent's next stream. */
  private void undelivered() {
    AgentTask unsent;
    synchronized (lock) {
      unsent = pendingTask;
      pendingTask = null;
    }
    if (unsent != null) {
      try {
        parts.tasks().undelivered(UUID.fromString(unsent.getTaskId()));
      } catch (IllegalArgumentException e) {
        // not a task id of ours
      }
    }
  }

  private boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  static boolean looksLikeJwt(String value) {
    return value.length() > 40 && value.chars().filter(c -> c == '.').count() == 2;
  }
}
