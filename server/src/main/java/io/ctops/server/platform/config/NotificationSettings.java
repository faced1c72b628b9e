package io.ctops.server.platform.config;

import java.time.Duration;
import java.util.Optional;

/**
 * How alert notifications go out: how long notices of one rule gather before they become one
 * message, and the SMTP settings the environment imposes over those saved in the web app (each set
 * variable wins over its field; unset ones leave the saved value).
 */
public record NotificationSettings(
    Duration groupWindow,
    Optional<String> smtpHost,
    Optional<Integer> smtpPort,
    Optional<String> smtpSecurity,
    Optional<String> smtpUsername,
    Optional<String> smtpPassword,
    Optional<String> smtpFrom) {

  public static final String GROUP_WINDOW_SECONDS = "NOTIFY_GROUP_WINDOW_SECONDS";
  public static final String SMTP_HOST = "CTOPS_SMTP_HOST";
  public static final String SMTP_PORT = "CTOPS_SMTP_PORT";
  public static final String SMTP_SECURITY = "CTOPS_SMTP_SECURITY";
  public static final String SMTP_USERNAME = "CTOPS_SMTP_USERNAME";
  public static final String SMTP_PASSWORD = "CTOPS_SMTP_PASSWORD";
  public static final String SMTP_FROM = "CTOPS_SMTP_FROM";

  static final Duration DEFAULT_GROUP_WINDOW = Duration.ofSeconds(30);

  public static NotificationSettings defaults() {
    return new NotificationSettings(
        DEFAULT_GROUP_WINDOW,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty());
  }

  public static NotificationSettings from(Environment env) {
    int window = env.positiveInteger(GROUP_WINDOW_SECONDS, 30);
    if (window > 3600) {
      throw new ConfigException(GROUP_WINDOW_SECONDS, "must be at most 3600, got " + window);
    }
    Optional<Integer> port =
        env.text(SMTP_PORT).isPresent() ? Optional.of(env.port(SMTP_PORT, 25)) : Optional.empty();
    Optional<String> security = env.text(SMTP_SECURITY);
    if (security.isPresent() && !security.get().matches("starttls|tls|none")) {
      throw new ConfigException(
          SMTP_SECURITY, "must be starttls, tls or none, got '" + security.get() + "'");
    }
    Optional<String> from = env.text(SMTP_FROM);
    if (from.isPresent() && !from.get().matches("[^@\\s]+@[^@\\s]+")) {
      throw new ConfigException(SMTP_FROM, "must be an email address, got '" + from.get() + "'");
    }
    return new NotificationSettings(
        Duration.ofSeconds(window),
        env.text(SMTP_HOST),
        port,
        security,
        env.text(SMTP_USERNAME),
        // a password may be spaces only; only unset means "not overridden"
        Optional.ofNullable(env.variables().get(SMTP_PASSWORD)).filter(p -> !p.isEmpty()),
        from);
  }
}
