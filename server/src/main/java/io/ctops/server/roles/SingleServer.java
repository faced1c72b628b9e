package io.ctops.server.roles;

import io.ctops.server.enrolment.AgentDownloads;
import io.ctops.server.metrics.PartitionMaintenance;
import io.ctops.server.platform.config.IngestSettings;
import io.ctops.server.platform.config.ServerSettings;
import io.ctops.server.platform.database.Database;
import io.ctops.server.platform.lifecycle.Parts;
import io.ctops.server.platform.pki.DevelopmentCertificate;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single profile ({@code ctops server}): every role in one process on one database. This class
 * is the whole object graph, built with constructors; read it to see what runs.
 *
 * <p>It owns the database (embedded unless {@code DATABASE_URL} is set), keeps the metric
 * partitions and runs ingest and the web app; without TLS settings ingest uses a self-signed
 * certificate kept in {@code <data dir>/tls/}, which agents trust as their CA file.
 */
public final class SingleServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SingleServer.class);

  private final Parts parts;
  private final Database database;
  private final IngestRole ingest;
  private final WebRole web;

  private SingleServer(Parts parts, Database database, IngestRole ingest, WebRole web) {
    this.parts = parts;
    this.database = database;
    this.ingest = ingest;
    this.web = web;
  }

  public static SingleServer start(ServerSettings settings, Clock clock) {
    return start(settings, clock, IngestRole.Tuning.DEFAULT);
  }

  public static SingleServer start(ServerSettings settings, Clock clock, IngestRole.Tuning tuning) {
    Parts parts = new Parts();
    try {
      Database database =
          parts.add(Database.open(settings.database(), Database.Access.EXCLUSIVE, "server"));
      parts.add(
          PartitionMaintenance.start(database.jdbi(), settings.metricsRetentionDays(), clock));
      IngestSettings.TlsFiles tls =
          settings.ingest().tls().orElseGet(() -> developmentTls(settings.database().dataDir()));
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      IngestRole ingest =
          parts.add(IngestRole.start(settings.ingest(), tls, database, registry, clock, tuning));
      AgentDownloads downloads =
          new AgentDownloads(
              settings.web().agentBundle(),
              Optional.of(tls.certificate()),
              settings.ingest().agentDownloadBaseUrl());
      WebRole web = parts.add(WebRole.start(settings.web(), database, clock, downloads));
      log.info(
          "event=server_ready database={} data_dir={} grpc_port={} web_port={} agents_ca_file={}",
          database.description(),
          settings.database().dataDir(),
          ingest.grpcPort(),
          web.port(),
          tls.certificate());
      return new SingleServer(parts, database, ingest, web);
    } catch (RuntimeException e) {
      parts.close();
      throw e;
    }
  }

  /** The single profile's own server certificate, created once and reused. */
  static IngestSettings.TlsFiles developmentTls(Path dataDir) {
    Path certificate = dataDir.resolve("tls").resolve("server.crt");
    Path key = dataDir.resolve("tls").resolve("server.key");
    if (!Files.exists(certificate) || !Files.exists(key)) {
      try {
        DevelopmentCertificate.create(DevelopmentCertificate.defaultHostnames())
            .writeTo(certificate, key);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + certificate, e);
      }
      log.info(
          "event=self_signed_tls_created certificate={} note=\"agents trust it with ca_cert_file;"
              + " set INGEST_TLS_CERT and INGEST_TLS_KEY to use your own\"",
          certificate);
    }
    return new IngestSettings.TlsFiles(certificate, key);
  }

  public Database database() {
    return database;
  }

  public IngestRole ingest() {
    return ingest;
  }

  public WebRole web() {
    return web;
  }

  @Override
  public void close() {
    parts.close();
    log.info("event=server_stopped");
  }
}
