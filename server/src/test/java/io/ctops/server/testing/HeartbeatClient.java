package io.ctops.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** One heartbeat stream from the test's side: send messages, read answers, see how it ended. */
public final class HeartbeatClient implements AutoCloseable {
  private final BlockingQueue<HeartbeatResponse> responses = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> ended = new CompletableFuture<>();
  private final StreamObserver<HeartbeatRequest> requests;

  public HeartbeatClient(IngestServiceGrpc.IngestServiceStub stub) {
    requests =
        stub.heartbeat(
            new StreamObserver<>() {
              @Override
              public void onNext(HeartbeatResponse response) {
                responses.add(response);
              }

              @Override
              public void onError(Throwable error) {
                ended.complete(Status.fromThrowable(error));
              }

              @Override
              public void onCompleted() {
                ended.complete(Status.OK);
              }
            });
  }

  public static HeartbeatRequest.Builder vitals(float cpu, float memory, float disk) {
    return HeartbeatRequest.newBuilder()
        .setCpuPercent(cpu)
        .setMemoryPercent(memory)
        .setDiskPercent(disk)
        .setUptimeSeconds(1000)
        .setTimestampUnix(Instant.now().getEpochSecond())
        .setAgentVersion("0.0.1")
        .setOs("linux")
        .setArch("amd64")
        .setOsVersion("Debian 12");
  }

  public HeartbeatClient send(HeartbeatRequest request) {
    requests.onNext(request);
    return this;
  }

  public HeartbeatResponse next() {
    try {
      HeartbeatResponse response = responses.poll(15, TimeUnit.SECONDS);
      assertThat(response)
          .as("a heartbeat response (stream ended: %s)", ended.getNow(null))
          .isNotNull();
      return response;
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  public Status awaitEnd(Duration timeout) {
    return ended.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
  }

  @Override
  public void close() {
    try {
      requests.onCompleted();
    } catch (RuntimeException alreadyClosed) {
      // ended by the server
    }
  }
}
