package io.ctops.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.IngestServiceGrpc.IngestServiceStub;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A plain-text ingest on localhost that records every heartbeat it receives and hands the test each
 * stream's answering side, so the test decides what the server says and when.
 */
final class TestIngest implements AutoCloseable {
  private final BlockingQueue<HeartbeatRequest> received = new LinkedBlockingQueue<>();
  private final BlockingQueue<StreamObserver<HeartbeatResponse>> answers =
      new LinkedBlockingQueue<>();
  private final Server server;
  private final ManagedChannel channel;

  TestIngest() throws IOException {
    server =
        NettyServerBuilder.forPort(0)
            .addService(
                new IngestServiceGrpc.IngestServiceImplBase() {
                  @Override
                  public StreamObserver<HeartbeatRequest> heartbeat(
                      StreamObserver<HeartbeatResponse> answer) {
                    answers.add(answer);
                    return new StreamObserver<>() {
                      @Override
                      public void onNext(HeartbeatRequest request) {
                        received.add(request);
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    };
                  }
                })
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("localhost", server.getPort()).usePlaintext().build();
  }

  IngestServiceStub stub() {
    return IngestServiceGrpc.newStub(channel);
  }

  /** The next heartbeat received, waiting at most 10 s. */
  HeartbeatRequest next() throws InterruptedException {
    HeartbeatRequest request = received.poll(10, TimeUnit.SECONDS);
    assertThat(request).as("a heartbeat within 10 s").isNotNull();
    return request;
  }

  /** The next heartbeat received within {@code millis}, or null. */
  HeartbeatRequest poll(long millis) throws InterruptedException {
    return received.poll(millis, TimeUnit.MILLISECONDS);
  }

  /** The answering side of the next stream opened. */
  StreamObserver<HeartbeatResponse> answers() throws InterruptedException {
    return answers.take();
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
