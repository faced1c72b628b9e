package io.ctops.server.metrics;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link MetricPartitions} now and then every hour. Every role that writes samples runs it;
 * instances serialise on an advisory lock, so running it on many is harmless.
 */
public final class PartitionMaintenance implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PartitionMaintenance.class);
  static final Duration EVERY = Duration.ofHours(1);

  private final ScheduledExecutorService scheduler;

  private PartitionMaintenance(ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
  }

  public static PartitionMaintenance start(Jdbi jdbi, int retentionDays, Clock clock) {
    MetricPartitions partitions = new MetricPartitions(jdbi, retentionDays, clock);
    report(partitions.maintain());
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            runnable ->
                Thread.ofPlatform().name("partition-maintenance").daemon().unstarted(runnable));
    scheduler.scheduleAtFixedRate(
        () -> {
          try {
            report(partitions.maintain());
          } catch (RuntimeException e) {
            log.error("event=partition_maintenance_failed error={}", e.toString());
          }
        },
        EVERY.toMinutes(),
        EVERY.toMinutes(),
        TimeUnit.MINUTES);
    return new PartitionMaintenance(scheduler);
  }

  private static void report(MetricPartitions.Outcome outcome) {
    if (!outcome.created().isEmpty() || !outcome.dropped().isEmpty()) {
      log.info(
          "event=metric_partitions created={} dropped={}", outcome.created(), outcome.dropped());
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
