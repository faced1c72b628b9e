package io.ctops.server.roles;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Calls of the real ingest methods (by their real names) that send encoded messages as they are, so
 * a test can send what no generated stub would: bytes that do not parse.
 */
final class RawCalls {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private final Channel channel;

  RawCalls(Channel channel, String jwt) {
    if (jwt == null) {
      this.channel = channel;
    } else {
      Metadata metadata = new Metadata();
      metadata.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + jwt);
      this.channel =
          ClientInterceptors.intercept(
              channel, MetadataUtils.newAttachHeadersInterceptor(metadata));
    }
  }

  static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> real) {
    return MethodDescriptor.newBuilder(BYTES, BYTES)
        .setType(real.getType())
        .setFullMethodName(real.getFullMethodName())
        .build();
  }

  private CallOptions options() {
    return CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** A unary call: OK when answered, else the error's status. */
  Status unary(MethodDescriptor<?, ?> method, byte[] request) {
    try {
      ClientCalls.blockingUnaryCall(channel, raw(method), options(), request);
      return Status.OK;
    } catch (RuntimeException e) {
      return Status.fromThrowable(e);
    }
  }

  /** A client-streaming call with these messages, then half-closed. */
  Status clientStreaming(MethodDescriptor<?, ?> method, byte[]... requests) {
    Stream stream = new Stream(method);
    for (byte[] request : requests) {
      stream.send(request);
    }
    stream.halfClose();
    return stream.end(Duration.ofSeconds(30));
  }

  Stream stream(MethodDescriptor<?, ?> method) {
    return new Stream(method);
  }

  /** A streaming call from the client's side: send, read answers, see how it ended. */
  final class Stream {
    private final BlockingQueue<byte[]> answers = new LinkedBlockingQueue<>();
    private final CompletableFuture<Status> ended = new CompletableFuture<>();
    private final StreamObserver<byte[]> requests;

    private Stream(MethodDescriptor<?, ?> method) {
      StreamObserver<byte[]> observer =
          new StreamObserver<>() {
            @Override
            public void onNext(byte[] answer) {
              answers.add(answer);
            }

            @Override
            public void onError(Throwable error) {
              ended.complete(Status.fromThrowable(error));
            }

            @Override
            public void onCompleted() {
              ended.complete(Status.OK);
            }
          };
      var call = channel.newCall(raw(method), options());
      requests =
          method.getType() == MethodDescriptor.MethodType.CLIENT_STREAMING
              ? ClientCalls.asyncClientStreamingCall(call, observer)
              : ClientCalls.asyncBidiStreamingCall(call, observer);
    }

    void send(byte[] request) {
      requests.onNext(request);
    }

    void halfClose() {
      try {
        requests.onCompleted();
      } catch (RuntimeException alreadyEnded) {
        // the server ended it first
      }
    }

    /** OK once an answer arrives; the stream's end status if it ends first. */
    Status answerOrEnd(Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (ended.isDone()) {
          Status status = ended.join();
          return answers.isEmpty() ? status : Status.OK;
        }
        try {
          if (answers.poll(20, TimeUnit.MILLISECONDS) != null) {
            return Status.OK;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      return Status.DEADLINE_EXCEEDED.withDescription("neither an answer nor an end");
    }

    Status end(Duration timeout) {
      return ended.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
    }
  }
}
