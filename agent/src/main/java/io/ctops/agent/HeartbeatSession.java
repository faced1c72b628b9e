package io.ctops.agent;

import io.ctops.agent.buffer.SampleBuffer;
import io.ctops.agent.collect.VitalsCollector.Vitals;
import io.ctops.protocol.v1.BufferedSample;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One heartbeat stream: each heartbeat carries the newest vitals and the buffered samples the
 * server has not acknowledged; each answer's {@code acked_through_unix} drops those from the
 * buffer. Ends with the stream's status; a client certificate pushed by the server is handed to
 * {@code onCertificate}.
 */
final class HeartbeatSession {
  static final int MAX_SAMPLES_PER_HEARTBEAT = 1000;

  private final SampleBuffer buffer;
  private final CompletableFuture<Status> ended = new CompletableFuture<>();
  private final StreamObserver<HeartbeatRequest> requests;
  private final Consumer<HeartbeatResponse> onCertificate;
  private final java.util.Queue<io.ctops.protocol.v1.AgentTaskResult> taskResults;
  private final Runnable onAnswer;
  private final String agentVersion;
  private final String os;
  private final String osVersion;
  private final String arch;
  private boolean halfClosed;

  HeartbeatSession(
      IngestServiceGrpc.IngestServiceStub stub,
      SampleBuffer buffer,
      String agentVersion,
      String os,
      String osVersion,
      String arch,
      Runnable onAnswer,
      Consumer<HeartbeatResponse> onCertificate,
      Consumer<io.ctops.protocol.v1.AgentTask> onTask,
      java.util.Queue<io.ctops.protocol.v1.AgentTaskResult> taskResults) {
    this.buffer = buffer;
    this.agentVersion = agentVersion;
    this.os = os;
    this.osVersion = osVersion;
    this.arch = arch;
    this.onAnswer = onAnswer;
    this.onCertificate = onCertificate;
    this.taskResults = taskResults;
    this.requests =
        stub.heartbeat(
            new StreamObserver<>() {
              @Override
              public void onNext(HeartbeatResponse response) {
                buffer.acknowledge(response.getAckedThroughUnix());
                onAnswer.run();
                if (!response.getPendingClientCertPem().isEmpty()) {
                  onCertificate.accept(response);
                }
                if (response.hasPendingTask()) {
                  onTask.accept(response.getPendingTask());
                }
                // Other pushes (checks, queries, terminals) are not understood by this agent yet
                // and are ignored.
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

  synchronized void send(Vitals vitals, long timestampUnix) {
    if (ended.isDone()) {
      return;
    }
    HeartbeatRequest.Builder request =
        HeartbeatRequest.newBuilder()
            .setCpuPercent(vitals.cpuPercent())
            .setMemoryPercent(vitals.memoryPercent())
            .setDiskPercent(vitals.diskPercent())
            .setUptimeSeconds(vitals.uptimeSeconds())
            .setTimestampUnix(timestampUnix)
            .setAgentVersion(agentVersion)
            .setOs(os)
            .setOsVersion(osVersion)
            .setArch(arch)
            .addAllDisks(vitals.disks())
            .addAllNetworkInterfaces(vitals.interfaces())
            .setNetRxBytesPerSec(vitals.rxBytesPerSecond())
            .setNetTxBytesPerSec(vitals.txBytesPerSecond());
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
    // results of finished tasks ride on the next heartbeat
    io.ctops.protocol.v1.AgentTaskResult result;
    while ((result = taskResults.poll()) != null) {
      request.addTaskResults(result);
    }
    try {
      requests.onNext(request.build());
    } catch (RuntimeException e) {
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
