package io.ctops.agent.testing;

import static org.assertj.core.api.Assertions.fail;

import io.ctops.protocol.v1.CertificateScanAck;
import io.ctops.protocol.v1.CertificateScanChunk;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An ingest on localhost that takes {@code SubmitCertificates} streams as ours does: it answers
 * once the stream is complete with the number of certificates received, or refuses every scan with
 * INVALID_ARGUMENT when told to.
 */
public final class CertificateIngest implements AutoCloseable {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private final List<List<CertificateScanChunk>> scans = new CopyOnWriteArrayList<>();
  private final Server server;
  private final ManagedChannel channel;
  private volatile String refusal = "";

  public CertificateIngest() throws IOException {
    server =
        NettyServerBuilder.forPort(0)
            .addService(
                new IngestServiceGrpc.IngestServiceImplBase() {
                  @Override
                  public StreamObserver<CertificateScanChunk> submitCertificates(
                      StreamObserver<CertificateScanAck> ack) {
                    return new Upload(ack);
                  }
                })
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("localhost", server.getPort()).usePlaintext().build();
  }

  private final class Upload implements StreamObserver<CertificateScanChunk> {
    private final StreamObserver<CertificateScanAck> ack;
    private final List<CertificateScanChunk> chunks = new ArrayList<>();

    Upload(StreamObserver<CertificateScanAck> ack) {
      this.ack = ack;
    }

    @Override
    public void onNext(CertificateScanChunk chunk) {
      chunks.add(chunk);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {
      scans.add(List.copyOf(chunks));
      if (!refusal.isEmpty()) {
        ack.onError(Status.INVALID_ARGUMENT.withDescription(refusal).asRuntimeException());
        return;
      }
      int received = chunks.stream().mapToInt(CertificateScanChunk::getCertificatesCount).sum();
      ack.onNext(CertificateScanAck.newBuilder().setReceived(received).build());
      ack.onCompleted();
    }
  }

  /** From now on every scan is refused with this reason. */
  public void refuse(String reason) {
    refusal = reason;
  }

  public IngestServiceGrpc.IngestServiceStub stub() {
    return IngestServiceGrpc.newStub(channel);
  }

  /** Each completed upload, its chunks in the order they came. */
  public List<List<CertificateScanChunk>> scans() {
    return List.copyOf(scans);
  }

  /** Waits until {@code count} uploads have completed. */
  public List<List<CertificateScanChunk>> awaitScans(int count) throws InterruptedException {
    Instant deadline = Instant.now().plus(PATIENCE);
    while (scans.size() < count) {
      if (Instant.now().isAfter(deadline)) {
        return fail(
            "%d certificate scans expected within %s, got %d", count, PATIENCE, scans.size());
      }
      Thread.sleep(20);
    }
    return scans();
  }

  @Override
  public void close() {
    try {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
