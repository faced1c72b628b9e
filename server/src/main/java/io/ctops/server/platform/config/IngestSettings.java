package io.ctops.server.platform.config;

import io.ctops.server.platform.pki.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** How the ingest role listens, authenticates agents and signs for them. */
public record IngestSettings(
    String listenAddress,
    int grpcPort,
    int httpPort,
    Optional<TlsFiles> tls,
    Path jwtKeyFile,
    Path caKekFile,
    String agentDownloadBaseUrl,
    int maxMessageBytes,
    int registerRatePerSecond,
    String relayHost,
    Duration terminalGrace,
    Duration terminalIdle,
    long terminalRecordingMaxBytes,
    Duration terminalRecordingRetention) {

  public static final String LISTEN_ADDRESS = "INGEST_LISTEN_ADDRESS";
  public static final String GRPC_PORT = "INGEST_GRPC_PORT";
  public static final String HTTP_PORT = "INGEST_HTTP_PORT";
  public static final String TLS_CERT = "INGEST_TLS_CERT";
  public static final String TLS_KEY = "INGEST_TLS_KEY";
  public static final String JWT_KEY_FILE = "INGEST_JWT_KEY_FILE";
  public static final String CA_KEK_FILE = "INGEST_CA_KEK_FILE";
  public static final String DOWNLOAD_BASE_URL = "INGEST_AGENT_DOWNLOAD_BASE_URL";
  public static final String MAX_MESSAGE_BYTES = "INGEST_MAX_MESSAGE_BYTES";
  public static final String REGISTER_RATE_LIMIT = "INGEST_REGISTER_RATE_LIMIT";
  public static final String RELAY_HOST = "INGEST_RELAY_HOST";
  public static final String TERMINAL_GRACE_SECONDS = "TERMINAL_GRACE_SECONDS";
  public static final String TERMINAL_IDLE_MINUTES = "TERMINAL_IDLE_MINUTES";
  public static final String TERMINAL_RECORDING_MAX_MIB = "TERMINAL_RECORDING_MAX_MIB";
  public static final String TERMINAL_RECORDING_RETENTION_DAYS =
      "TERMINAL_RECORDING_RETENTION_DAYS";

  /** The server's TLS certificate chain and private key, both checked to parse. */
  public record TlsFiles(Path certificate, Path privateKey) {}

  static IngestSettings from(Environment env, Path dataDir) {
    String listen = env.text(LISTEN_ADDRESS, "0.0.0.0");
    int grpcPort = env.port(GRPC_PORT, 9443);
    int httpPort = env.port(HTTP_PORT, 8080);
    if (grpcPort == httpPort) {
      throw new ConfigException(
          HTTP_PORT, "uses port " + httpPort + ", which " + GRPC_PORT + " already uses");
    }
    Optional<TlsFiles> tls = tlsFiles(env);
    Path jwtKeyFile = env.path(JWT_KEY_FILE, dataDir.resolve("jwt_key.pem"));
    if (Files.exists(jwtKeyFile)) {
      Environment.requireReadable(JWT_KEY_FILE, jwtKeyFile);
      Pem.requirePrivateKey(JWT_KEY_FILE, jwtKeyFile);
    }
    Path kek = env.path(CA_KEK_FILE, dataDir.resolve("agent_ca.kek"));
    if (Files.exists(kek)) {
      Environment.requireReadable(CA_KEK_FILE, kek);
    }
    String downloadBaseUrl = env.httpUrl(DOWNLOAD_BASE_URL, "http://localhost:3000");
    int maxMessageBytes = env.integer(MAX_MESSAGE_BYTES, 4 * 1024 * 1024);
    if (maxMessageBytes < 64 * 1024 || maxMessageBytes > 64 * 1024 * 1024) {
      throw new ConfigException(
          MAX_MESSAGE_BYTES, "must be between 65536 and 67108864 bytes, got " + maxMessageBytes);
    }
    int rate = env.integer(REGISTER_RATE_LIMIT, 20);
    if (rate < 0) {
      throw new ConfigException(REGISTER_RATE_LIMIT, "must be 0 (off) or more, got " + rate);
    }
    // the name web instances reach this instance by, for terminals: one its certificate holds
    String relayHost = env.text(RELAY_HOST, "localhost");
    int grace = env.integer(TERMINAL_GRACE_SECONDS, 300);
    if (grace < 0 || grace > 86_400) {
      throw new ConfigException(
          TERMINAL_GRACE_SECONDS, "must be between 0 and 86400 seconds, got " + grace);
    }
    int idle = env.integer(TERMINAL_IDLE_MINUTES, 30);
    if (idle < 1 || idle > 10_080) {
      throw new ConfigException(
          TERMINAL_IDLE_MINUTES, "must be between 1 and 10080 minutes, got " + idle);
    }
    int recordingMib = env.integer(TERMINAL_RECORDING_MAX_MIB, 50);
    if (recordingMib < 0 || recordingMib > 10_240) {
      throw new ConfigException(
          TERMINAL_RECORDING_MAX_MIB, "must be between 0 and 10240 MiB, got " + recordingMib);
    }
    int recordingDays = env.integer(TERMINAL_RECORDING_RETENTION_DAYS, 90);
    if (recordingDays < 1 || recordingDays > 36_500) {
      throw new ConfigException(
          TERMINAL_RECORDING_RETENTION_DAYS,
          "must be between 1 and 36500 days, got " + recordingDays);
    }
    return new IngestSettings(
        listen,
        grpcPort,
        httpPort,
        tls,
        jwtKeyFile,
        kek,
        downloadBaseUrl,
        maxMessageBytes,
        rate,
        relayHost,
        Duration.ofSeconds(grace),
        Duration.ofMinutes(idle),
        recordingMib * 1024L * 1024L,
        Duration.ofDays(recordingDays));
  }

  private static Optional<TlsFiles> tlsFiles(Environment env) {
    return tlsFiles(env, TLS_CERT, TLS_KEY);
  }

  /**
   * A certificate and key named by two variables: both or neither, each readable and parsed, every
   * error naming its variable.
   */
  static Optional<TlsFiles> tlsFiles(Environment env, String certVariable, String keyVariable) {
    Optional<Path> cert = env.readableFile(certVariable);
    Optional<Path> key = env.readableFile(keyVariable);
    if (cert.isPresent() != key.isPresent()) {
      String missing = cert.isPresent() ? keyVariable : certVariable;
      String present = cert.isPresent() ? certVariable : keyVariable;
      throw new ConfigException(missing, "is required when " + present + " is set");
    }
    if (cert.isEmpty()) {
      return Optional.empty();
    }
    Pem.requireCertificates(certVariable, cert.get());
    Pem.requirePrivateKey(keyVariable, key.get());
    return Optional.of(new TlsFiles(cert.get(), key.get()));
  }

  /** {@code ctops ingest} runs without the single profile's conveniences: TLS must be given. */
  public IngestSettings requireTls() {
    if (tls.isEmpty()) {
      throw new ConfigException(TLS_CERT, "is required for ctops ingest (and " + TLS_KEY + ")");
    }
    return this;
  }
}
