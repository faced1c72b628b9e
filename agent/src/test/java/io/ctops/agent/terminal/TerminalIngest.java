package io.ctops.agent.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.IngestServiceGrpc.IngestServiceStub;
import io.ctops.protocol.v1.TerminalAgentMessage;
import io.ctops.protocol.v1.TerminalClosedMsg;
import io.ctops.protocol.v1.TerminalResizeMsg;
import io.ctops.protocol.v1.TerminalServerMessage;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A plain-text ingest on localhost whose {@code Terminal} service records every stream the agent
 * opens and lets a test type into it, resize it, close it, break it or read it slowly.
 */
final class TerminalIngest implements AutoCloseable {
  private final Server server;
  private final ManagedChannel channel;
  private final BlockingQueue<Side> streams = new LinkedBlockingQueue<>();

  TerminalIngest() throws IOException {
    server =
        NettyServerBuilder.forPort(0)
            .addService(
                new IngestServiceGrpc.IngestServiceImplBase() {
                  @Override
                  public StreamObserver<TerminalAgentMessage> terminal(
                      StreamObserver<TerminalServerMessage> answer) {
                    Side side = new Side((ServerCallStreamObserver<TerminalServerMessage>) answer);
                    streams.add(side);
                    return side;
                  }
                })
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("localhost", server.getPort()).usePlaintext().build();
  }

  IngestServiceStub stub() {
    return IngestServiceGrpc.newStub(channel);
  }

  /** The next stream the agent opens. */
  Side nextStream() throws InterruptedException {
    Side side = streams.poll(20, TimeUnit.SECONDS);
    assertThat(side).as("a Terminal stream within 20 s").isNotNull();
    return side;
  }

  Side noStreamWithin(Duration wait) throws InterruptedException {
    return streams.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** The server's end of one stream. */
  static final class Side implements StreamObserver<TerminalAgentMessage> {
    private final ServerCallStreamObserver<TerminalServerMessage> answer;
    private final BlockingQueue<TerminalAgentMessage> attaches = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final ByteArrayOutputStream replay = new ByteArrayOutputStream();
    private final AtomicLong outputBytes = new AtomicLong();
    private final CompletableFuture<TerminalClosedMsg> closed = new CompletableFuture<>();
    private final CompletableFuture<Void> halfClosed = new CompletableFuture<>();
    private volatile boolean paused;
    private volatile boolean outputAfterClosed;

    Side(ServerCallStreamObserver<TerminalServerMessage> answer) {
      this.answer = answer;
      answer.disableAutoRequest();
      answer.request(1);
    }

    @Override
    public synchronized void onNext(TerminalAgentMessage message) {
      switch (message.getPayloadCase()) {
        case PAYLOAD_NOT_SET -> attaches.add(message);
        case OUTPUT -> {
          if (closed.isDone()) {
            outputAfterClosed = true;
          }
          (message.getReplay() ? replay : output).writeBytes(message.getOutput().toByteArray());
          outputBytes.addAndGet(message.getOutput().size());
        }
        case CLOSED -> closed.complete(message.getClosed());
      }
      if (!paused) {
        answer.request(1);
      }
    }

    @Override
    public void onError(Throwable error) {
      halfClosed.completeExceptionally(error);
    }

    @Override
    public void onCompleted() {
      halfClosed.complete(null);
      answer.onCompleted();
    }

    TerminalAgentMessage attach() throws InterruptedException {
      TerminalAgentMessage attach = attaches.poll(20, TimeUnit.SECONDS);
      assertThat(attach).as("an attach message within 20 s").isNotNull();
      return attach;
    }

    void type(String text) {
      answer.onNext(
          TerminalServerMessage.newBuilder()
              .setInput(com.google.protobuf.ByteString.copyFromUtf8(text))
              .build());
    }

    void resize(int cols, int rows) {
      answer.onNext(
          TerminalServerMessage.newBuilder()
              .setResize(TerminalResizeMsg.newBuilder().setCols(cols).setRows(rows))
              .build());
    }

    void close() {
      answer.onNext(TerminalServerMessage.newBuilder().setClose(true).build());
    }

    /** The server's side of the stream breaks (not a close). */
    void breakStream() {
      answer.onError(Status.UNAVAILABLE.withDescription("ingest went away").asException());
    }

    /** Stops asking for messages: the agent's stream stops being ready. */
    void pause() {
      paused = true;
    }

    void resume() {
      paused = false;
      answer.request(Integer.MAX_VALUE);
    }

    long outputBytes() {
      return outputBytes.get();
    }

    synchronized String output() {
      return output.toString(StandardCharsets.UTF_8);
    }

    synchronized String replay() {
      return replay.toString(StandardCharsets.UTF_8);
    }

    /** Waits until the live output contains {@code text}; returns all live output. */
    String awaitOutput(String text) throws InterruptedException {
      return await(this::output, "output", text);
    }

    /** Waits until the replayed output contains {@code text}. */
    void awaitReplay(String text) throws InterruptedException {
      await(this::replay, "replay", text);
    }

    private static String await(Supplier<String> seen, String what, String text)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (System.nanoTime() < deadline && !seen.get().contains(text)) {
        Thread.sleep(20);
      }
      assertThat(seen.get()).as(what + " within 20 s").contains(text);
      return seen.get();
    }

    TerminalClosedMsg awaitClosed(Duration wait) throws Exception {
      return closed.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The agent half-closed after its closed message (and sent no output after it). */
    void awaitHalfClosed() throws Exception {
      halfClosed.get(10, TimeUnit.SECONDS);
      assertThat(outputAfterClosed).as("no output after closed").isFalse();
    }
  }
}
