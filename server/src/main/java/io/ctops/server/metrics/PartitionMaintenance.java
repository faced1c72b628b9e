package io.ctops.server.metrics;

import io.ctops.server.platform.lifecycle.PeriodicJob;
import java.time.Clock;
import java.time.Duration;
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

  private final PeriodicJob job;

  private PartitionMaintenance(PeriodicJob job) {
    this.job = job;
  }

  /** Maintains the partitions once (samples need today's) and then every hour. */
  public static PartitionMaintenance start(Jdbi jdbi, int retentionDays, Clock clock) {
    MetricPartitions partitions = new MetricPartitions(jdbi, retentionDays, clock);
    report(partitions.maintain());
    return new PartitionMaintenance(
        new PeriodicJob("partition-maintenance", EVERY, () -> report(partitions.maintain()))
            .start());
  }

  private static void report(MetricPartitions.Outcome outcome) {
    if (!outcome.created().isEmpty() || !outcome.dropped().isEmpty()) {
      log.info(
          "event=metric_partitions created={} dropped={}", outcome.created(), outcome.dropped());
    }
  }

  @Override
  public void close() {
    job.close();
  }
}
