package io.ctops.server.metrics;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * A host's metric history for charts, downsampled in SQL with {@code date_bin} so that any range,
 * from an hour to a month, returns at most about {@link #MAX_POINTS} points per series: averages
 * per bucket for the percentages and the network rates.
 */
public final class MetricSeriesQuery {
  public static final int MAX_POINTS = 1000;

  private final Jdbi jdbi;

  public MetricSeriesQuery(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** Columns in uPlot's order: times (unix seconds), then one value list per series. */
  public record Series(
      Instant from,
      Instant to,
      long bucketSeconds,
      List<Long> times,
      List<Float> cpu,
      List<Float> memory,
      List<Float> disk,
      List<Long> netRx,
      List<Long> netTx) {}

  public static long bucketSeconds(Duration range) {
    return Math.max(1, (range.toSeconds() + MAX_POINTS - 1) / MAX_POINTS);
  }

  public Series read(UUID hostId, Instant from, Instant to) {
    long bucket = bucketSeconds(Duration.between(from, to));
    List<Long> times = new ArrayList<>();
    List<Float> cpu = new ArrayList<>();
    List<Float> memory = new ArrayList<>();
    List<Float> disk = new ArrayList<>();
    List<Long> rx = new ArrayList<>();
    List<Long> tx = new ArrayList<>();
    jdbi.useHandle(
        handle ->
            handle
                .createQuery(
                    """
                    SELECT extract(epoch FROM date_bin(make_interval(secs => :bucket), ts, :from))
                               AS t,
                           avg(cpu_percent) AS cpu, avg(memory_percent) AS memory,
                           avg(disk_percent) AS disk,
                           round(avg(net_rx_bytes_per_sec)) AS rx,
                           round(avg(net_tx_bytes_per_sec)) AS tx
                      FROM host_metrics
                     WHERE host_id = :host AND ts >= :from AND ts < :to
                     GROUP BY 1 ORDER BY 1
                    """)
                .bind("bucket", (double) bucket)
                .bind("host", hostId)
                .bind("from", Timestamp.from(from))
                .bind("to", Timestamp.from(to))
                .map(
                    (rs, ctx) -> {
                      times.add(rs.getBigDecimal("t").longValue());
                      cpu.add(floatOrNull(rs.getObject("cpu")));
                      memory.add(floatOrNull(rs.getObject("memory")));
                      disk.add(floatOrNull(rs.getObject("disk")));
                      rx.add(longOrNull(rs.getObject("rx")));
                      tx.add(longOrNull(rs.getObject("tx")));
                      return 0;
                    })
                .list());
    return new Series(from, to, bucket, times, cpu, memory, disk, rx, tx);
  }

  private static Float floatOrNull(Object value) {
    return value == null ? null : ((Number) value).floatValue();
  }

  private static Long longOrNull(Object value) {
    return value == null ? null : ((Number) value).longValue();
  }
}
