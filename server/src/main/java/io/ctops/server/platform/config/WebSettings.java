package io.ctops.server.platform.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The web app's settings: its port, optional TLS for browsers, how long an idle session lasts, the
 * address agents are told to use (shown in the enrolment page's ready command line), the reverse
 * proxies whose {@code X-Forwarded-For} names the client, how long the audit log keeps its entries,
 * and how alert notifications go out.
 */
public record WebSettings(
    String listenAddress,
    int httpPort,
    Optional<IngestSettings.TlsFiles> tls,
    Duration sessionIdle,
    String agentIngestAddress,
    Optional<Path> agentBundle,
    TrustedProxies trustedProxies,
    Duration auditRetention,
    NotificationSettings notifications) {

  public static final String LISTEN_ADDRESS = "WEB_LISTEN_ADDRESS";
  public static final String HTTP_PORT = "WEB_HTTP_PORT";
  public static final String TLS_CERT = "WEB_TLS_CERT";
  public static final String TLS_KEY = "WEB_TLS_KEY";
  public static final String SESSION_IDLE_MINUTES = "WEB_SESSION_IDLE_MINUTES";
  public static final String AGENT_INGEST_ADDRESS = "WEB_AGENT_INGEST_ADDRESS";
  public static final String AGENT_BUNDLE = "CT_OPS_AGENT_BUNDLE";
  public static final String TRUSTED_PROXIES = "WEB_TRUSTED_PROXIES";
  public static final String AUDIT_RETENTION_DAYS = "AUDIT_RETENTION_DAYS";
  static final Duration DEFAULT_AUDIT_RETENTION = Duration.ofDays(365);

  /** Set by the launcher: the installation's folder, where agent/ holds the agent bundle. */
  public static final String HOME = "CT_OPS_HOME";

  public static WebSettings from(Environment env, int defaultIngestGrpcPort) {
    String listen = env.text(LISTEN_ADDRESS, "0.0.0.0");
    int port = env.port(HTTP_PORT, 3000);
    Optional<IngestSettings.TlsFiles> tls = IngestSettings.tlsFiles(env, TLS_CERT, TLS_KEY);
    int idle = env.positiveInteger(SESSION_IDLE_MINUTES, 120);
    if (idle > 7 * 24 * 60) {
      throw new ConfigException(
          SESSION_IDLE_MINUTES, "must be at most 10080 (7 days), got " + idle);
    }
    String agentAddress = env.text(AGENT_INGEST_ADDRESS, "localhost:" + defaultIngestGrpcPort);
    if (!agentAddress.matches("[A-Za-z0-9.\\-\\[\\]:]+:[0-9]{1,5}")) {
      throw new ConfigException(
          AGENT_INGEST_ADDRESS, "must be host:port, got \"" + agentAddress + "\"");
    }
    Optional<Path> bundle = env.readableFile(AGENT_BUNDLE);
    if (bundle.isEmpty()) {
      bundle = shippedBundle(env.text(HOME).map(Path::of));
    }
    TrustedProxies proxies;
    try {
      proxies = env.text(TRUSTED_PROXIES).map(TrustedProxies::parse).orElse(TrustedProxies.none());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(TRUSTED_PROXIES, e.getMessage());
    }
    int auditDays = env.positiveInteger(AUDIT_RETENTION_DAYS, 365);
    if (auditDays > 36_500) {
      throw new ConfigException(
          AUDIT_RETENTION_DAYS, "must be at most 36500 (100 years), got " + auditDays);
    }
    return new WebSettings(
        listen,
        port,
        tls,
        Duration.ofMinutes(idle),
        agentAddress,
        bundle,
        proxies,
        Duration.ofDays(auditDays),
        NotificationSettings.from(env));
  }

  /** Settings behind no reverse proxy, with the default audit retention. */
  public WebSettings(
      String listenAddress,
      int httpPort,
      Optional<IngestSettings.TlsFiles> tls,
      Duration sessionIdle,
      String agentIngestAddress,
      Optional<Path> agentBundle) {
    this(
        listenAddress,
        httpPort,
        tls,
        sessionIdle,
        agentIngestAddress,
        agentBundle,
        TrustedProxies.none(),
        DEFAULT_AUDIT_RETENTION,
        NotificationSettings.defaults());
  }

  /** The same settings with other trusted proxies. */
  public WebSettings withTrustedProxies(TrustedProxies proxies) {
    return new WebSettings(
        listenAddress,
        httpPort,
        tls,
        sessionIdle,
        agentIngestAddress,
        agentBundle,
        proxies,
        auditRetention,
        notifications);
  }

  public boolean isTls() {
    return tls.isPresent();
  }

  /**
   * The bundle shipped with this installation: {@code $CT_OPS_HOME/agent/ct-ops-agent-*.zip}, as
   * the launcher and the server tarball lay it out.
   */
  static Optional<Path> shippedBundle(Optional<Path> home) {
    if (home.isEmpty() || !Files.isDirectory(home.get().resolve("agent"))) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(home.get().resolve("agent"))) {
      return files
          .filter(f -> f.getFileName().toString().matches("ct-ops-agent-.*\\.zip"))
          .findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
