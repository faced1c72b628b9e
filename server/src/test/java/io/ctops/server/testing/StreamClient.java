package io.ctops.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One bidirectional gRPC stream from the test's side, whatever its messages: send, read the answers
 * in order (or skip to the one wanted), see how it ended.
 */
public final class StreamClient<Q, A> implements AutoCloseable {
  private final BlockingQueue<A> answers = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> ended = new CompletableFuture<>();
  private final StreamObserver<Q> requests;

  /**
   * {@code call} opens the stream with the observer of its answers, e.g. {@code stub::terminal}.
   */
  public StreamClient(Function<StreamObserver<A>, StreamObserver<Q>> call) {
    requests =
        call.apply(
            new StreamObserver<>() {
              @Override
              public void onNext(A answer) {
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
            });
  }

  /** The answers received and not read yet, oldest first. */
  public List<A> unread() {
    return List.copyOf(answers);
  }

  public StreamClient<Q, A> send(Q request) {
    requests.onNext(request);
    return this;
  }

  /** The next answer; fails the test after 15 s without one. */
  public A next() {
    try {
      A answer = answers.poll(15, TimeUnit.SECONDS);
      assertThat(answer).as("an answer (stream ended: %s)", ended.getNow(null)).isNotNull();
      return answer;
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first answer that matches, skipping the others. */
  public A next(Predicate<A> wanted) {
    while (true) {
      A answer = next();
      if (wanted.test(answer)) {
        return answer;
      }
    }
  }

  public Status awaitEnd(Duration timeout) {
    return ended.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
  }

  /** Ends the test's side: completes the stream. */
  public void complete() {
    requests.onCompleted();
  }

  /** Breaks the stream as a lost connection would. */
  public void fail() {
    requests.onError(Status.CANCELLED.withDescription("dropped by the test").asRuntimeException());
  }

  @Override
  public void close() {
    try {
      requests.onCompleted();
    } catch (RuntimeException alreadyEnded) {
      // nothing to close
    }
  }
}
