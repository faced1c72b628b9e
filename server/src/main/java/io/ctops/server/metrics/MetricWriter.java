package io.ctops.server.metrics;

import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * Writes samples to {@code host_metrics} in one transaction per batch: {@code COPY} into a
 * temporary staging table, then one {@code INSERT ... ON CONFLICT DO NOTHING}, which is what makes
 * re-sent samples land exactly once. Samples older than the oldest partition (past the retention)
 * are skipped: there is nowhere to keep them.
 */
final class MetricWriter {
  private final DataSource dataSource;
  private volatile long oldestPartitionStartUnix = Long.MIN_VALUE;
  private volatile long oldestPartitionCheckedAtMillis;

  MetricWriter(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Returns how many samples were new rows. */
  int write(List<MetricSample> samples) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        statement.execute(
            "CREATE TEMP TABLE IF NOT EXISTS metric_staging"
                + " (LIKE host_metrics INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
        long oldest = oldestPartitionStart(statement);
        StringBuilder rows = new StringBuilder(samples.size() * 96);
        // A batch holds a few distinct seconds: each is formatted once, not once per sample.
        Map<Long, String> timestamps = new HashMap<>();
        for (MetricSample sample : samples) {
          if (sample.timestampUnix() < oldest) {
            continue;
          }
          rows.append(sample.hostId())
              .append('\t')
              .append(
                  timestamps.computeIfAbsent(
                      sample.timestampUnix(), second -> Instant.ofEpochSecond(second).toString()))
              .append('\t')
              .append(sample.cpuPercent())
              .append('\t')
              .append(sample.memoryPercent())
              .append('\t')
              .append(sample.diskPercent())
              .append('\t')
              .append(sample.netRxBytesPerSecond())
              .append('\t')
              .append(sample.netTxBytesPerSecond())
              .append('\n');
        }
        connection
            .unwrap(PGConnection.class)
            .getCopyAPI()
            .copyIn(
                "COPY metric_staging (host_id, ts, cpu_percent, memory_percent, disk_percent,"
                    + " net_rx_bytes_per_sec, net_tx_bytes_per_sec) FROM STDIN",
                new StringReader(rows.toString()));
        int inserted =
            statement.executeUpdate(
                "INSERT INTO host_metrics SELECT * FROM metric_staging"
                    + " ON CONFLICT (host_id, ts) DO NOTHING");
        connection.commit();
        return inserted;
      } catch (SQLException | IOException | RuntimeException e) {
        try {
          connection.rollback();
        } catch (SQLException ignored) {
          // the connection is broken; the pool discards it
        }
        throw e instanceof SQLException sql ? sql : new SQLException(e);
      }
    }
  }

  /** Start of the oldest day partition, re-read at most once a minute. */
  private long oldestPartitionStart(Statement statement) throws SQLException {
    long now = System.currentTimeMillis();
    if (now - oldestPartitionCheckedAtMillis > 60_000) {
      try (ResultSet rs =
          statement.executeQuery(
              "SELECT min(child.relname) FROM pg_inherits"
                  + " JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
                  + " WHERE pg_inherits.inhparent = 'host_metrics'::regclass")) {
        rs.next();
        String name = rs.getString(1);
        oldestPartitionStartUnix =
            MetricPartitions.dayOf(name == null ? "" : name)
                .map(LocalDate::atStartOfDay)
                .map(start -> start.toEpochSecond(ZoneOffset.UTC))
                .orElse(Long.MIN_VALUE);
      }
      oldestPartitionCheckedAtMillis = now;
    }
    return oldestPartitionStartUnix;
  }
}
