package io.ctops.server;

import io.ctops.server.metrics.MetricPartitions;
import io.ctops.server.platform.config.ServerSettings;
import io.ctops.server.platform.database.Database;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single profile ({@code ctops server}): every role in one process on one database. This class
 * is the whole object graph, built with constructors; read it to see what runs.
 *
 * <p>So far it owns the database (embedded unless {@code DATABASE_URL} is set), migrates it, and
 * keeps the metric partitions; ingest, web and consumers join here as they are built.
 */
public final class SingleServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SingleServer.class);
  static final Duration PARTITION_MAINTENANCE_EVERY = Duration.ofHours(1);

  private final Database database;
  private final ScheduledExecutorService maintenance;

  private SingleServer(Database database, ScheduledExecutorService maintenance) {
    this.database = database;
    this.maintenance = maintenance;
  }

  public static SingleServer start(ServerSettings settings, Clock clock) {
    Database database = Database.open(settings.database(), Database.Access.EXCLUSIVE, "server");
    ScheduledExecutorService maintenance =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> Thread.ofPlatform().name("maintenance").daemon().unstarted(runnable));
    SingleServer server = new SingleServer(database, maintenance);
    try {
      MetricPartitions partitions =
          new MetricPartitions(database.jdbi(), settings.metricsRetentionDays(), clock);
      logOutcome(partitions.maintain());
      maintenance.scheduleAtFixedRate(
          () -> {
            try {
              logOutcome(partitions.maintain());
            } catch (RuntimeException e) {
              log.error("event=partition_maintenance_failed error={}", e.toString());
            }
          },
          PARTITION_MAINTENANCE_EVERY.toMinutes(),
          PARTITION_MAINTENANCE_EVERY.toMinutes(),
          TimeUnit.MINUTES);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    log.info(
        "event=server_ready database={} data_dir={} retention_days={}",
        database.description(),
        settings.database().dataDir(),
        settings.metricsRetentionDays());
    return server;
  }

  public Database database() {
    return database;
  }

  private static void logOutcome(MetricPartitions.Outcome outcome) {
    if (!outcome.created().isEmpty() || !outcome.dropped().isEmpty()) {
      log.info(
          "event=metric_partitions created={} dropped={}", outcome.created(), outcome.dropped());
    }
  }

  @Override
  public void close() {
    maintenance.shutdownNow();
    database.close();
    log.info("event=server_stopped");
  }
}
