package io.ctops.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-box queue: samples wait in memory and {@link #WRITERS} writer threads commit them to
 * PostgreSQL in batches (while one waits for its commit to reach the disk, the other writes). The
 * writer takes everything that has arrived (after a short linger, at most {@code maxBatch}
 * samples), so batches grow with load and stay small and quick when the fleet is quiet. While
 * PostgreSQL is down the writer retries the same batch with backoff; nothing is acknowledged
 * meanwhile, and a full queue refuses new samples (the agents keep them) instead of dropping any. A
 * committed batch is acknowledged on a thread of its own (the streams answer their agents there),
 * so the writer goes on to the next batch at once.
 */
public final class InProcessMetricQueue implements MetricQueue {
  private static final Logger log = LoggerFactory.getLogger(InProcessMetricQueue.class);

  private record Pending(List<MetricSample> samples, CompletableFuture<Void> durable) {}

  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger depth = new AtomicInteger();
  private final MetricWriter writer;
  private final int capacity;
  private final int maxBatch;
  private final Duration linger;

  /** Writer threads, each with its own connection and batch. */
  static final int WRITERS = 2;

  private final List<Thread> writers = new ArrayList<>();
  private final ExecutorService acknowledger =
      Executors.newSingleThreadExecutor(
          runnable -> Thread.ofPlatform().name("metric-acks").daemon().unstarted(runnable));
  private final Timer writeLatency;
  private final DistributionSummary batchSize;
  private final Counter writeFailures;
  private volatile boolean running = true;

  public InProcessMetricQueue(
      DataSource dataSource, MeterRegistry registry, int capacity, int maxBatch, Duration linger) {
    this.writer = new MetricWriter(dataSource);
    this.capacity = capacity;
    this.maxBatch = maxBatch;
    this.linger = linger;
    this.writeLatency =
        Timer.builder("ctops_metrics_write_seconds")
            .description("Time to commit one batch of metric samples")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    this.batchSize =
        DistributionSummary.builder("ctops_metrics_write_batch_samples")
            .description("Samples per committed batch")
            .register(registry);
    this.writeFailures =
        Counter.builder("ctops_metrics_write_failures_total")
            .description("Batches that failed to commit and were retried")
            .register(registry);
    registry.gauge("ctops_metrics_queue_depth", depth);
  }

  /** Starts the writer threads; returns this. */
  public InProcessMetricQueue start() {
    for (int i = 1; i <= WRITERS; i++) {
      writers.add(Thread.ofPlatform().name("metric-writer-" + i).daemon().start(this::run));
    }
    return this;
  }

  @Override
  public CompletableFuture<Void> publish(List<MetricSample> samples) {
    if (samples.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    if (!running || depth.get() + samples.size() > capacity) {
      return CompletableFuture.failedFuture(new IllegalStateException("metric queue full"));
    }
    CompletableFuture<Void> durable = new CompletableFuture<>();
    depth.addAndGet(samples.size());
    queue.add(new Pending(samples, durable));
    return durable;
  }

  @Override
  public int depth() {
    return depth.get();
  }

  private void run() {
    Duration backoff = Duration.ofMillis(100);
    List<Pending> batch = new ArrayList<>();
    while (running || !queue.isEmpty()) {
      try {
        if (batch.isEmpty()) {
          Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          batch.add(first);
          if (!linger.isZero()) {
            Thread.sleep(linger);
          }
          int count = first.samples().size();
          Pending next;
          while (count < maxBatch && (next = queue.poll()) != null) {
            batch.add(next);
            count += next.samples().size();
          }
        }
        List<MetricSample> samples = new ArrayList<>();
        batch.forEach(pending -> samples.addAll(pending.samples()));
        long started = System.nanoTime();
        writer.write(samples);
        writeLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        batchSize.record(samples.size());
        depth.addAndGet(-samples.size());
        List<Pending> committed = List.copyOf(batch);
        acknowledger.execute(() -> committed.forEach(pending -> pending.durable().complete(null)));
        batch.clear();
        backoff = Duration.ofMillis(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (Exception e) {
        writeFailures.increment();
        if (isDataError(e)) {
          // Retrying cannot help a batch PostgreSQL rejects for its content; fail it so the
          // agents' copies are re-sent (and rejected on their own) instead of blocking the queue.
          log.error("event=metric_batch_rejected samples={} error={}", depth.get(), e.toString());
          failBatch(batch);
          continue;
        }
        log.warn(
            "event=metric_write_failed samples_waiting={} retry_in_ms={} error={}",
            depth.get(),
            backoff.toMillis(),
            e.toString());
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          break;
        }
        backoff =
            backoff.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0
                ? Duration.ofSeconds(5)
                : backoff.multipliedBy(2);
      }
    }
    // Whatever is left was never acknowledged; failing it tells the streams so.
    batch.forEach(
        pending -> pending.durable().completeExceptionally(new IllegalStateException("stopped")));
    Pending left;
    while ((left = queue.poll()) != null) {
      left.durable().completeExceptionally(new IllegalStateException("stopped"));
    }
  }

  private void failBatch(List<Pending> batch) {
    for (Pending pending : batch) {
      depth.addAndGet(-pending.samples().size());
      pending
          .durable()
          .completeExceptionally(new IllegalStateException("rejected by the database"));
    }
    batch.clear();
  }

  private static boolean isDataError(Exception e) {
    String state = e instanceof SQLException sql ? sql.getSQLState() : null;
    return state != null && (state.startsWith("22") || state.startsWith("23"));
  }

  @Override
  public void close() {
    running = false;
    try {
      for (Thread writer : writers) {
        writer.join(Duration.ofSeconds(10));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writers.stream().filter(Thread::isAlive).forEach(Thread::interrupt);
    acknowledger.shutdown();
    try {
      acknowledger.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
