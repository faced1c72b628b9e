package io.ctops.server.platform.config;

import java.nio.file.Path;

/**
 * Everything the server roles are configured with, read and checked once at start. A bad value
 * stops startup with one line naming the variable.
 */
public record ServerSettings(
    DatabaseSettings database, IngestSettings ingest, WebSettings web, int metricsRetentionDays) {

  public static final String WEB_HTTP_PORT = WebSettings.HTTP_PORT;
  public static final String METRICS_RETENTION_DAYS = "METRICS_RETENTION_DAYS";

  public static ServerSettings from(Environment env) {
    DatabaseSettings database = DatabaseSettings.from(env);
    IngestSettings ingest = IngestSettings.from(env, database.dataDir());
    WebSettings web = WebSettings.from(env, ingest.grpcPort());
    int webHttpPort = web.httpPort();
    if (webHttpPort == ingest.grpcPort() || webHttpPort == ingest.httpPort()) {
      String other =
          webHttpPort == ingest.grpcPort() ? IngestSettings.GRPC_PORT : IngestSettings.HTTP_PORT;
      throw new ConfigException(
          WEB_HTTP_PORT, "uses port " + webHttpPort + ", which " + other + " already uses");
    }
    int retention = env.positiveInteger(METRICS_RETENTION_DAYS, 30);
    return new ServerSettings(database, ingest, web, retention);
  }

  /**
   * The server's key-encryption key file ({@value IngestSettings#CA_KEK_FILE}): ingest seals the
   * agent CA's key with it, the web app the directory bind passwords, so every instance of every
   * role must read the same file.
   */
  public Path kekFile() {
    return ingest.caKekFile();
  }

  /**
   * {@code ctops ingest}: ingest alone, one of possibly many instances, so no embedded database and
   * no generated certificate.
   */
  public static ServerSettings forIngestOnly(Environment env) {
    ServerSettings settings = from(env);
    if (settings.database().isEmbedded()) {
      throw new ConfigException(
          DatabaseSettings.DATABASE_URL,
          "is required for ctops ingest (use ctops server for one box)");
    }
    settings.ingest().requireTls();
    return settings;
  }

  /** {@code ctops web}: the web app alone, on a database another process owns. */
  public static ServerSettings forWebOnly(Environment env) {
    ServerSettings settings = from(env);
    if (settings.database().isEmbedded()) {
      throw new ConfigException(
          DatabaseSettings.DATABASE_URL,
          "is required for ctops web (use ctops server for one box)");
    }
    return settings;
  }
}
