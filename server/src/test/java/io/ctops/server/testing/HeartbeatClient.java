package io.ctops.server.testing;

import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** One heartbeat stream from the test's side: send messages, read answers, see how it ended. */
public final class HeartbeatClient implements AutoCloseable {
  private final StreamClient<HeartbeatRequest, HeartbeatResponse> stream;

  public HeartbeatClient(IngestServiceGrpc.IngestServiceStub stub) {
    stream = new StreamClient<>(stub::heartbeat);
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
    stream.send(request);
    return this;
  }

  /** The next response; fails the test after 15 s without one. */
  public HeartbeatResponse next() {
    return stream.next();
  }

  /** The next response {@code wanted} accepts, skipping others; fails the test after 15 s. */
  public HeartbeatResponse next(java.util.function.Predicate<HeartbeatResponse> wanted) {
    return stream.next(wanted);
  }

  /** The responses received and not read yet, oldest first. */
  public List<HeartbeatResponse> answers() {
    return stream.unread();
  }

  public Status awaitEnd(Duration timeout) {
    return stream.awaitEnd(timeout);
  }

  @Override
  public void close() {
    stream.close();
  }
}
