package io.ctops.server.metrics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Writes samples to {@code host_metrics} in one transaction per batch: one {@code INSERT ... SELECT
 * FROM unnest(...) ON CONFLICT DO NOTHING} with a column per array, which is what makes re-sent
 * samples land exactly once. (A batch is a few dozen samples at a steady 3,000 per second: one
 * statement costs PostgreSQL less than half of what staging them in a temporary table did.) Samples
 * older than the oldest partition (past the retention) are skipped: there is nowhere to keep them.
 */
final class MetricWriter {
  private static final String INSERT =
      """
      INSERT INTO host_metrics (host_id, ts, cpu_percent, memory_percent, disk_percent,
                                net_rx_bytes_per_sec, net_tx_bytes_per_sec)
      SELECT u.host_id, to_timestamp(u.ts), u.cpu, u.memory, u.disk, u.rx, u.tx
        FROM unnest(CAST(? AS uuid[]), CAST(? AS int8[]), CAST(? AS float4[]),
                    CAST(? AS float4[]), CAST(? AS float4[]), CAST(? AS int8[]),
                    CAST(? AS int8[])) AS u(host_id, ts, cpu, memory, disk, rx, tx)
      ON CONFLICT (host_id, ts) DO NOTHING
      """;

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
      try {
        long oldest = oldestPartitionStart(connection);
        List<MetricSample> kept =
            samples.stream().filter(sample -> sample.timestampUnix() >= oldest).toList();
        int n = kept.size();
        UUID[] hosts = new UUID[n];
        Long[] timestamps = new Long[n];
        Float[] cpu = new Float[n];
        Float[] memory = new Float[n];
        Float[] disk = new Float[n];
        Long[] rx = new Long[n];
        Long[] tx = new Long[n];
        for (int i = 0; i < n; i++) {
          MetricSample sample = kept.get(i);
          hosts[i] = sample.hostId();
          timestamps[i] = sample.timestampUnix();
          cpu[i] = sample.cpuPercent();
          memory[i] = sample.memoryPercent();
          disk[i] = sample.diskPercent();
          rx[i] = sample.netRxBytesPerSecond();
          tx[i] = sample.netTxBytesPerSecond();
        }
        int inserted = 0;
        if (n > 0) {
          try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            insert.setArray(1, connection.createArrayOf("uuid", hosts));
            insert.setArray(2, connection.createArrayOf("int8", timestamps));
            insert.setArray(3, connection.createArrayOf("float4", cpu));
            insert.setArray(4, connection.createArrayOf("float4", memory));
            insert.setArray(5, connection.createArrayOf("float4", disk));
            insert.setArray(6, connection.createArrayOf("int8", rx));
            insert.setArray(7, connection.createArrayOf("int8", tx));
            inserted = insert.executeUpdate();
          }
        }
        connection.commit();
        return inserted;
      } catch (SQLException | RuntimeException e) {
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
  private long oldestPartitionStart(Connection connection) throws SQLException {
    long now = System.currentTimeMillis();
    if (now - oldestPartitionCheckedAtMillis > 60_000) {
      try (Statement statement = connection.createStatement();
          ResultSet rs =
              statement.executeQuery(
                  "SELECT min(child.relname) FROM pg_inherits"
                      + " JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
                      + " WHERE pg_inherits.inhparent = 'host_metrics'::regclass")) {
        rs.next();
        String name = rs.getString(1);
        oldestPartitionStartUnix =
            MetricPartitions.dayOf("host_metrics", name == null ? "" : name)
                .map(LocalDate::atStartOfDay)
                .map(start -> start.toEpochSecond(ZoneOffset.UTC))
                .orElse(Long.MIN_VALUE);
      }
      oldestPartitionCheckedAtMillis = now;
    }
    return oldestPartitionStartUnix;
  }
}
