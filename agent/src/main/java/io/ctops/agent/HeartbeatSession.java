package io.ctops.agent;

import io.ctops.agent.buffer.SampleBuffer;
import io.ctops.agent.checks.CheckOutbox;
import io.ctops.agent.collect.VitalsCollector.Vitals;
import io.ctops.agent.tasks.TaskOutbox;
import io.ctops.protocol.v1.AgentQuery;
import io.ctops.protocol.v1.AgentTask;
import io.ctops.protocol.v1.BufferedSample;
import io.ctops.protocol.v1.CheckDefinition;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc.IngestServiceStub;
import io.ctops.protocol.v1.TerminalSessionRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One heartbeat stream: each heartbeat carries the newest vitals, the buffered samples the server
 * has not acknowledged, whatever task progress and results are waiting and check results; each
 * answer's {@code acked_through_unix} drops those samples from the buffer and those check results
 * from their outbox. Ends with the stream's status. What the server pushes (a client certificate, a
 * task, a cancel, queries, terminal sessions and their cancels, checks) goes to the {@link
 * Listener}.
 */
final class HeartbeatSession {
  static final int MAX_SAMPLES_PER_HEARTBEAT = 1000;

  /** What the server pushes on the stream; called on a gRPC thread, so it must not block. */
  interface Listener {
    void answered();

    void certificateArrived(HeartbeatResponse response);

    void taskArrived(AgentTask task);

    void taskCancelled(String taskId);

    void queryArrived(AgentQuery query);

    void terminalArrived(TerminalSessionRequest request);

    void terminalCancelled(String sessionId);

    /**
     * The answer carried checks, or said the set is now empty: {@code checks} with {@code
     * checks_replace}.
     */
    void checksArrived(List<CheckDefinition> checks, boolean replace);
  }

  /** What every heartbeat says about the agent and its host. */
  record AgentFacts(String agentVersion, String os, String osVersion, String arch) {}

  private final SampleBuffer buffer;
  private final AgentFacts facts;
  private final TaskOutbox outbox;
  private final CheckOutbox.Sending checkResults;
  private final CompletableFuture<Status> ended = new CompletableFuture<>();
  private final StreamObserver<HeartbeatRequest> requests;
  private boolean halfClosed;

  HeartbeatSession(
      IngestServiceStub stub,
      SampleBuffer buffer,
      AgentFacts facts,
      TaskOutbox outbox,
      CheckOutbox checkOutbox,
      Listener listener) {
    this.buffer = buffer;
    this.facts = facts;
    this.outbox = outbox;
    this.checkResults = checkOutbox.newStream();
    this.requests =
        stub.heartbeat(
            new StreamObserver<>() {
              @Override
              public void onNext(HeartbeatResponse response) {
                buffer.acknowledge(response.getAckedThroughUnix());
                checkResults.acknowledged(response.getAckedThroughUnix());
                outbox.answered();
                listener.answered();
                if (!response.getPendingClientCertPem().isEmpty()) {
                  listener.certificateArrived(response);
                }
                for (String taskId : response.getCancelTaskIdsList()) {
                  listener.taskCancelled(taskId);
                }
                if (response.hasPendingTask()) {
                  listener.taskArrived(response.getPendingTask());
                }
                for (AgentQuery query : response.getPendingQueriesList()) {
                  listener.queryArrived(query);
                }
                for (String sessionId : response.getCancelTerminalSessionsList()) {
                  listener.terminalCancelled(sessionId);
                }
                for (TerminalSessionRequest request : response.getPendingTerminalSessionsList()) {
                  listener.terminalArrived(request);
                }
                if (response.getChecksReplace() || response.getChecksCount() > 0) {
                  listener.checksArrived(response.getChecksList(), response.getChecksReplace());
                }
              }

              @Override
              public void onError(Throwable error) {
                ended.complete(Status.fromThrowable(error));
              }

              @Override
              public void onCompleted() {
                ended.complete(Status.UNAVAILABLE.withDescription("the server closed the stream"));
              }
            });
  }

  /** The regular heartbeat: a new sample, the buffered ones before it, and waiting task news. */
  synchronized void send(Vitals vitals, long timestampUnix) {
    if (ended.isDone()) {
      return;
    }
    HeartbeatRequest.Builder request = vitals(vitals, timestampUnix);
    for (SampleBuffer.Sample sample : buffer.before(timestampUnix, MAX_SAMPLES_PER_HEARTBEAT)) {
      request.addSamples(
          BufferedSample.newBuilder()
              .setTimestampUnix(sample.timestampUnix())
              .setCpuPercent(sample.cpu())
              .setMemoryPercent(sample.memory())
              .setDiskPercent(sample.disk())
              .setNetRxBytesPerSec(sample.rxPerSecond())
              .setNetTxBytesPerSec(sample.txPerSecond()));
    }
    sendWithTaskUpdates(request);
  }

  /**
   * An extra heartbeat between the regular ones, so task progress and results and query answers
   * reach the server within a second instead of at the next interval. It repeats the last sample
   * with its own timestamp: the server stores samples once per (host, timestamp), so nothing is
   * counted twice. Returns false when this stream has ended (the updates then wait for the next
   * stream).
   */
  synchronized boolean sendTaskUpdates(Vitals lastVitals, long lastTimestampUnix) {
    if (ended.isDone()) {
      return false;
    }
    if (!outbox.isEmpty()) {
      sendWithTaskUpdates(vitals(lastVitals, lastTimestampUnix));
    }
    return !ended.isDone();
  }

  /**
   * An extra heartbeat like {@link #sendTaskUpdates}, for check results that wait beyond what the
   * regular heartbeats carry (a burst, or the backlog of an outage). Returns false when this stream
   * has ended.
   */
  synchronized boolean sendCheckResults(Vitals lastVitals, long lastTimestampUnix) {
    if (ended.isDone()) {
      return false;
    }
    if (checkResults.hasWaiting()) {
      sendWithTaskUpdates(vitals(lastVitals, lastTimestampUnix));
    }
    return !ended.isDone();
  }

  private HeartbeatRequest.Builder vitals(Vitals vitals, long timestampUnix) {
    return HeartbeatRequest.newBuilder()
        .setCpuPercent(vitals.cpuPercent())
        .setMemoryPercent(vitals.memoryPercent())
        .setDiskPercent(vitals.diskPercent())
        .setUptimeSeconds(vitals.uptimeSeconds())
        .setTimestampUnix(timestampUnix)
        .setAgentVersion(facts.agentVersion())
        .setOs(facts.os())
        .setOsVersion(facts.osVersion())
        .setArch(facts.arch())
        .addAllDisks(vitals.disks())
        .addAllNetworkInterfaces(vitals.interfaces())
        .setNetRxBytesPerSec(vitals.rxBytesPerSecond())
        .setNetTxBytesPerSec(vitals.txBytesPerSecond());
  }

  private void sendWithTaskUpdates(HeartbeatRequest.Builder request) {
    TaskOutbox.Drained drained = outbox.drainInto(request);
    // Results that do not go out stay with the outbox, which the next stream sends again.
    checkResults.attach(request, request.getTimestampUnix());
    try {
      requests.onNext(request.build());
      outbox.handedOver(drained);
    } catch (RuntimeException e) {
      outbox.putBack(drained);
      ended.complete(Status.fromThrowable(e));
    }
  }

  CompletableFuture<Status> ended() {
    return ended;
  }

  /**
   * Ends the call from our side. Also after {@link #ended()} was completed locally (a client
   * certificate arrived), so the old call does not linger until its channel is shut down.
   */
  synchronized void close() {
    if (!halfClosed) {
      halfClosed = true;
      try {
        requests.onCompleted();
      } catch (RuntimeException alreadyGone) {
        // the server ended the call first
      }
    }
    ended.complete(Status.CANCELLED.withDescription("agent stopping"));
  }
}
