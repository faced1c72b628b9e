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
 * how often alert rules are evaluated, and how alert notifications go out.
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
    Duration alertEvaluationEvery,
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
  public static final String ALERT_EVALUATION_SECONDS = "ALERT_EVALUATION_SECONDS";
  static final Duration DEFAULT_ALERT_EVALUATION = Duration.ofSeconds(15);

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
    int evaluateEvery = env.positiveInteger(ALERT_EVALUATION_SECONDS, 15);
    if (evaluateEvery > 3600) {
      throw new ConfigException(
          ALERT_EVALUATION_SECONDS, "must be at most 3600 (an hour), got " + evaluateEvery);
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
        Duration.ofSeconds(evaluateEvery),
        NotificationSettings.from(env));
  }

  /**
   * Settings behind no reverse proxy, with the default audit retention, evaluation period and
   * notification settings.
   */
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
        DEFAULT_ALERT_EVALUATION,
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
        alertEvaluationEvery,
        notifications);
  }

  /** The same settings with alert rules evaluated this often (tests: every second). */
  public WebSettings withAlertEvaluationEvery(Duration every) {
    return new WebSettings(
        listenAddress,
        httpPort,
        tls,
        sessionIdle,
        agentIngestAddress,
        agentBundle,
        trustedProxies,
        auditRetention,
        every,
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
