package io.ctops.server.metrics;

import io.ctops.server.platform.lifecycle.PeriodicJob;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link MetricPartitions} for samples and for check results now and then every hour. Every
 * role that writes samples runs it; instances serialise on an advisory lock, so running it on many
 * is harmless.
 */
public final class PartitionMaintenance implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PartitionMaintenance.class);
  static final Duration EVERY = Duration.ofHours(1);

  /** Every check result is kept a week; changes of status are kept apart for longer. */
  public static final int CHECK_RESULT_DAYS = 7;

  private final PeriodicJob job;

  private PartitionMaintenance(PeriodicJob job) {
    this.job = job;
  }

  /** Maintains the partitions once (samples and results need today's) and then every hour. */
  public static PartitionMaintenance start(Jdbi jdbi, int retentionDays, Clock clock) {
    List<MetricPartitions> tables =
        List.of(
            new MetricPartitions(jdbi, "host_metrics", retentionDays, clock),
            new MetricPartitions(jdbi, "check_results", CHECK_RESULT_DAYS, clock));
    Runnable maintain = () -> tables.forEach(PartitionMaintenance::maintain);
    maintain.run();
    return new PartitionMaintenance(
        new PeriodicJob("partition-maintenance", EVERY, maintain).start());
  }

  private static void maintain(MetricPartitions partitions) {
    MetricPartitions.Outcome outcome = partitions.maintain();
    if (!outcome.created().isEmpty() || !outcome.dropped().isEmpty()) {
      log.info(
          "event=partitions_maintained table={} created={} dropped={}",
          partitions.table(),
          outcome.created(),
          outcome.dropped());
    }
  }

  @Override
  public void close() {
    job.close();
  }
}
