package io.ctops.server.checks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
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
 * acknowledged, so the agent sends its results again. A full queue refuses new results the same way
 * instead of dropping any.
 */
public final class CheckResultWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CheckResultWriter.class);

  private record Pending(List<IncomingResult> results, CompletableFuture<Void> stored) {}

  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger depth = new AtomicInteger();
  private final CheckResults results;
  private final int capacity;
  private final int maxBatch;
  private final Duration linger;
  private final Timer writeLatency;
  private final Counter stored;
  private final Counter failures;
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
    registry.gauge("ctops_check_results_queue_depth", depth);
  }

  public CheckResultWriter start() {
    writer = Thread.ofPlatform().name("check-result-writer").daemon().start(this::run);
    return this;
  }

  /** Stores the results; completes once they are committed (at once for none). */
  public CompletableFuture<Void> publish(List<IncomingResult> incoming) {
    if (incoming.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    if (!running || depth.addAndGet(incoming.size()) > capacity) {
      if (running) {
        depth.addAndGet(-incoming.size());
      }
      return CompletableFuture.failedFuture(
          new IllegalStateException("the check result queue is full"));
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    queue.add(new Pending(incoming, done));
    return done;
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
    running = false;
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
