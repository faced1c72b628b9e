package io.ctops.server.cli;

import io.ctops.server.ingest.IngestRole;
import io.ctops.server.metrics.PartitionMaintenance;
import io.ctops.server.platform.config.ServerSettings;
import io.ctops.server.platform.database.Database;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

/** {@code ctops ingest}: the ingest role alone, for deployments with several instances. */
@Command(
    name = "ingest",
    description =
        "Run the ingest service alone (gRPC/TLS for agents, HTTP for health, JWKS and metrics)"
            + " until interrupted. Needs DATABASE_URL, INGEST_TLS_CERT and INGEST_TLS_KEY; any"
            + " number of instances may share one database, JWT key file and CA key file.",
    mixinStandardHelpOptions = true)
final class IngestCommand implements Callable<Integer> {
  private final CliContext context;

  IngestCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws InterruptedException {
    ServerSettings settings = ServerSettings.forIngestOnly(context.environment());
    Database database = Database.open(settings.database(), Database.Access.EXCLUSIVE, "ingest");
    PartitionMaintenance maintenance;
    IngestRole ingest;
    try {
      maintenance =
          PartitionMaintenance.start(
              database.jdbi(), settings.metricsRetentionDays(), context.clock());
      ingest =
          IngestRole.start(
              settings.ingest(),
              settings.ingest().tls().orElseThrow(),
              database,
              new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
              context.clock(),
              IngestRole.Tuning.DEFAULT);
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  ingest.close();
                  maintenance.close();
                  database.close();
                  stopped.countDown();
                },
                "shutdown"));
    stopped.await();
    return 0;
  }
}
