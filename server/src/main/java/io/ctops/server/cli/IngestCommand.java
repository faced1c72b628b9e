package io.ctops.server.cli;

import io.ctops.server.metrics.PartitionMaintenance;
import io.ctops.server.platform.config.ServerSettings;
import io.ctops.server.platform.database.Database;
import io.ctops.server.platform.lifecycle.Parts;
import io.ctops.server.roles.IngestRole;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.Callable;
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
    Parts parts = new Parts();
    try {
      Database database =
          parts.add(Database.open(settings.database(), Database.Access.EXCLUSIVE, "ingest"));
      parts.add(
          PartitionMaintenance.start(
              database.jdbi(), settings.metricsRetentionDays(), context.clock()));
      parts.add(
          IngestRole.start(
              settings.ingest(),
              settings.ingest().tls().orElseThrow(),
              database,
              new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
              context.clock(),
              IngestRole.Tuning.DEFAULT));
    } catch (RuntimeException e) {
      parts.close();
      throw e;
    }
    UntilStopped.run(parts);
    return 0;
  }
}
