package io.ctops.server.platform.config;

import io.ctops.server.platform.pki.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything {@code ctops server} (the single profile) is configured with, read and checked once at
 * start. A bad value stops startup with one line naming the variable.
 */
public record ServerSettings(
    DatabaseSettings database,
    int grpcPort,
    int ingestHttpPort,
    int webHttpPort,
    Optional<TlsFiles> tls,
    Path jwtKeyFile,
    String agentDownloadBaseUrl,
    int metricsRetentionDays) {

  public static final String GRPC_PORT = "INGEST_GRPC_PORT";
  public static final String INGEST_HTTP_PORT = "INGEST_HTTP_PORT";
  public static final String WEB_HTTP_PORT = "WEB_HTTP_PORT";
  public static final String TLS_CERT = "INGEST_TLS_CERT";
  public static final String TLS_KEY = "INGEST_TLS_KEY";
  public static final String JWT_KEY_FILE = "INGEST_JWT_KEY_FILE";
  public static final String DOWNLOAD_BASE_URL = "INGEST_AGENT_DOWNLOAD_BASE_URL";
  public static final String METRICS_RETENTION_DAYS = "METRICS_RETENTION_DAYS";

  /** The server's TLS certificate chain and private key, both checked to parse. */
  public record TlsFiles(Path certificate, Path privateKey) {}

  public static ServerSettings from(Environment env) {
    DatabaseSettings database = DatabaseSettings.from(env);
    int grpcPort = env.port(GRPC_PORT, 9443);
    int ingestHttpPort = env.port(INGEST_HTTP_PORT, 8080);
    int webHttpPort = env.port(WEB_HTTP_PORT, 3000);
    requireDistinct(GRPC_PORT, grpcPort, INGEST_HTTP_PORT, ingestHttpPort);
    requireDistinct(GRPC_PORT, grpcPort, WEB_HTTP_PORT, webHttpPort);
    requireDistinct(INGEST_HTTP_PORT, ingestHttpPort, WEB_HTTP_PORT, webHttpPort);
    Optional<TlsFiles> tls = tlsFiles(env);
    Path jwtKeyFile = env.path(JWT_KEY_FILE, database.dataDir().resolve("jwt_key.pem"));
    if (Files.exists(jwtKeyFile)) {
      Environment.requireReadable(JWT_KEY_FILE, jwtKeyFile);
      Pem.requirePrivateKey(JWT_KEY_FILE, jwtKeyFile);
    }
    String downloadBaseUrl = env.httpUrl(DOWNLOAD_BASE_URL, "http://localhost:3000");
    int retention = env.positiveInteger(METRICS_RETENTION_DAYS, 30);
    return new ServerSettings(
        database,
        grpcPort,
        ingestHttpPort,
        webHttpPort,
        tls,
        jwtKeyFile,
        downloadBaseUrl,
        retention);
  }

  private static Optional<TlsFiles> tlsFiles(Environment env) {
    Optional<Path> cert = env.readableFile(TLS_CERT);
    Optional<Path> key = env.readableFile(TLS_KEY);
    if (cert.isPresent() != key.isPresent()) {
      String missing = cert.isPresent() ? TLS_KEY : TLS_CERT;
      String present = cert.isPresent() ? TLS_CERT : TLS_KEY;
      throw new ConfigException(missing, "is required when " + present + " is set");
    }
    if (cert.isEmpty()) {
      return Optional.empty();
    }
    Pem.requireCertificates(TLS_CERT, cert.get());
    Pem.requirePrivateKey(TLS_KEY, key.get());
    return Optional.of(new TlsFiles(cert.get(), key.get()));
  }

  private static void requireDistinct(String a, int portA, String b, int portB) {
    if (portA == portB) {
      throw new ConfigException(b, "uses port " + portB + ", which " + a + " already uses");
    }
  }
}
