package io.ctops.server.platform.config;

/**
 * Everything the server roles are configured with, read and checked once at start. A bad value
 * stops startup with one line naming the variable.
 */
public record ServerSettings(
    DatabaseSettings database, IngestSettings ingest, int webHttpPort, int metricsRetentionDays) {

  public static final String WEB_HTTP_PORT = "WEB_HTTP_PORT";
  public static final String METRICS_RETENTION_DAYS = "METRICS_RETENTION_DAYS";

  public static ServerSettings from(Environment env) {
    DatabaseSettings database = DatabaseSettings.from(env);
    IngestSettings ingest = IngestSettings.from(env, database.dataDir());
    int webHttpPort = env.port(WEB_HTTP_PORT, 3000);
    if (webHttpPort == ingest.grpcPort() || webHttpPort == ingest.httpPort()) {
      String other =
          webHttpPort == ingest.grpcPort() ? IngestSettings.GRPC_PORT : IngestSettings.HTTP_PORT;
      throw new ConfigException(
          WEB_HTTP_PORT, "uses port " + webHttpPort + ", which " + other + " already uses");
    }
    int retention = env.positiveInteger(METRICS_RETENTION_DAYS, 30);
    return new ServerSettings(database, ingest, webHttpPort, retention);
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
}
