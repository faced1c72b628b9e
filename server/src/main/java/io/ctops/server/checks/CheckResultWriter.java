package io.ctops.server.checks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Check results wait in memory and one writer thread stores them in batches ({@link CheckResults}:
 * history, latest state, changes of status), many heartbeats per transaction. A heartbeat's results
 * are acknowledged with its samples once their batch committed; a batch that fails is not
 * acknowledged, so the agent sends its results again. When the queue is full, results offered wait
 * outside it, in the order they came, until the writer makes room: the heartbeat stream that
 * offered them reads nothing more meanwhile (gRPC flow control), so an overloaded server slows its
 * agents down instead of refusing their results and ending their streams.
 */
public final class CheckResultWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CheckResultWriter.class);

  private record Pending(List<IncomingResult> results, CompletableFuture<Void> stored) {}

  /**
   * Results offered: {@code accepted} completes once they are in the queue (at once when it has
   * room), {@code stored} once they are committed (exceptionally if they could not be).
   */
  public record Offer(CompletableFuture<Void> accepted, CompletableFuture<Void> stored) {}

  private record Waiting(Pending pending, CompletableFuture<Void> accepted) {}

  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();

  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger depth = new AtomicInteger();
  private final CheckResults results;
  private final int capacity;
  private final int maxBatch;
  private final Duration linger;
  private final Timer writeLatency;
  private final Counter stored;
  private final Counter failures;
  private final Counter waited;
  private final ExecutorService acknowledger =
      Executors.newSingleThreadExecutor(
          runnable -> Thread.ofPlatform().name("check-result-acks").daemon().unstarted(runnable));
  private volatile boolean running = true;
  private Thread writer;

  public CheckResultWriter(
      Jdbi jdbi, MeterRegistry registry, int capacity, int maxBatch, Duration linger) {
    this.results = new CheckResults(jdbi, registry);
    this.capacity = capacity;
    this.maxBatch = maxBatch;
    this.linger = linger;
    this.writeLatency =
        Timer.builder("ctops_check_results_write_seconds")
            .description("Time to store one batch of check results")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    this.stored =
        Counter.builder("ctops_check_results_stored_total")
            .description("Check results stored (new ones; results sent again are not counted)")
            .register(registry);
    this.failures =
        Counter.builder("ctops_check_results_write_failures_total")
            .description("Batches of check results that failed to store (sent again by agents)")
            .register(registry);
    this.waited =
        Counter.builder("ctops_check_results_waited_total")
            .description(
                "Heartbeats whose check results waited for room in a full queue (their stream"
                    + " paused meanwhile)")
            .register(registry);
    registry.gauge("ctops_check_results_queue_depth", depth);
    registry.gauge("ctops_check_results_waiting", waiting, ArrayDeque::size);
  }

  public CheckResultWriter start() {
    writer = Thread.ofPlatform().name("check-result-writer").daemon().start(this::run);
    return this;
  }

  /**
   * Stores the results: into the queue at once when it has room (or holds none yet), else once the
   * writer has made room and the results offered before these are in.
   */
  public Offer offer(List<IncomingResult> incoming) {
    if (incoming.isEmpty()) {
      return new Offer(
          CompletableFuture.completedFuture(null), CompletableFuture.completedFuture(null));
    }
    Pending pending = new Pending(incoming, new CompletableFuture<>());
    synchronized (waiting) {
      if (!running) {
        pending.stored().completeExceptionally(stopped());
        return new Offer(CompletableFuture.completedFuture(null), pending.stored());
      }
      if (waiting.isEmpty() && fits(incoming.size())) {
        enqueue(pending);
        return new Offer(CompletableFuture.completedFuture(null), pending.stored());
      }
      Waiting wait = new Waiting(pending, new CompletableFuture<>());
      waiting.add(wait);
      waited.increment();
      return new Offer(wait.accepted(), pending.stored());
    }
  }

  /** Whether results of this size go into the queue now; an empty queue takes any size. */
  private boolean fits(int size) {
    int queued = depth.get();
    return queued == 0 || queued + size <= capacity;
  }

  private void enqueue(Pending pending) {
    depth.addAndGet(pending.results().size());
    queue.add(pending);
  }

  /** After a batch: results that waited go into the queue while it has room, oldest first. */
  private void admitWaiting() {
    List<CompletableFuture<Void>> admitted = new ArrayList<>();
    synchronized (waiting) {
      Waiting next;
      while ((next = waiting.peek()) != null && fits(next.pending().results().size())) {
        waiting.poll();
        enqueue(next.pending());
        admitted.add(next.accepted());
      }
    }
    if (!admitted.isEmpty()) {
      acknowledger.execute(() -> admitted.forEach(accepted -> accepted.complete(null)));
    }
  }

  private static IllegalStateException stopped() {
    return new IllegalStateException("the check result writer has stopped");
  }

  private void run() {
    while (running || !queue.isEmpty()) {
      try {
        Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        if (!linger.isZero()) {
          Thread.sleep(linger.toMillis());
        }
        List<Pending> batch = new ArrayList<>();
        batch.add(first);
        int size = first.results().size();
        Pending next;
        while (size < maxBatch && (next = queue.poll()) != null) {
          batch.add(next);
          size += next.results().size();
        }
        write(batch, size);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void write(List<Pending> batch, int size) {
    List<IncomingResult> all = new ArrayList<>(size);
    batch.forEach(p -> all.addAll(p.results()));
    long started = System.nanoTime();
    Throwable error = null;
    try {
      stored.increment(results.store(all));
    } catch (RuntimeException e) {
      error = e;
      failures.increment();
      log.warn("event=check_results_not_stored results={} error={}", size, e.toString());
    } finally {
      depth.addAndGet(-size);
    }
    admitWaiting();
    writeLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    Throwable outcome = error;
    acknowledger.execute(
        () ->
            batch.forEach(
                p -> {
                  if (outcome == null) {
                    p.stored().complete(null);
                  } else {
                    p.stored().completeExceptionally(outcome);
                  }
                }));
  }

  @Override
  public void close() {
    List<Waiting> stranded;
    synchronized (waiting) {
      running = false;
      stranded = List.copyOf(waiting);
      waiting.clear();
    }
    // never stored: not acknowledged, so their agents send them again
    stranded.forEach(
        wait -> {
          wait.pending().stored().completeExceptionally(stopped());
          wait.accepted().complete(null);
        });
    if (writer != null) {
      try {
        writer.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    acknowledger.shutdown();
  }
}
