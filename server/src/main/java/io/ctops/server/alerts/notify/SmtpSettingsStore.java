package io.ctops.server.alerts.notify;

import io.ctops.server.platform.config.NotificationSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * An organisation's SMTP settings: the saved row ({@code smtp_settings}) with each {@code
 * CTOPS_SMTP_*} environment variable that is set taking the place of its field. Email channels send
 * with {@link #effective}; the settings form shows {@link #saved} and which fields the environment
 * overrides.
 */
final class SmtpSettingsStore {
  private final Jdbi jdbi;
  private final NotificationSettings environment;

  SmtpSettingsStore(Jdbi jdbi, NotificationSettings environment) {
    this.jdbi = jdbi;
    this.environment = environment;
  }

  /** What the organisation saved, if anything. */
  Optional<SmtpSettings> saved(UUID orgId) {
    return jdbi.withHandle(handle -> saved(handle, orgId));
  }

  static Optional<SmtpSettings> saved(Handle handle, UUID orgId) {
    return handle
        .createQuery(
            """
            SELECT host, port, security, username, password, from_address
            FROM smtp_settings WHERE org_id = :org
            """)
        .bind("org", orgId)
        .map(
            (rs, ctx) ->
                new SmtpSettings(
                    rs.getString("host"),
                    rs.getInt("port"),
                    rs.getString("security"),
                    Optional.ofNullable(rs.getString("username")),
                    Optional.ofNullable(rs.getString("password")),
                    rs.getString("from_address")))
        .findOne();
  }

  /**
   * The settings mail goes out with: saved ones under the environment's; empty while neither names
   * a host and a sender address.
   */
  Optional<SmtpSettings> effective(UUID orgId) {
    Optional<SmtpSettings> saved = saved(orgId);
    Optional<String> host = environment.smtpHost().or(() -> saved.map(SmtpSettings::host));
    Optional<String> from = environment.smtpFrom().or(() -> saved.map(SmtpSettings::fromAddress));
    if (host.isEmpty() || from.isEmpty()) {
      return Optional.empty();
    }
    String security =
        environment.smtpSecurity().orElse(saved.map(SmtpSettings::security).orElse("starttls"));
    int defaultPort =
        switch (security) {
          case SmtpSettings.TLS -> 465;
          case SmtpSettings.NONE -> 25;
          default -> 587;
        };
    return Optional.of(
        new SmtpSettings(
            host.get(),
            environment.smtpPort().orElse(saved.map(SmtpSettings::port).orElse(defaultPort)),
            security,
            environment.smtpUsername().or(() -> saved.flatMap(SmtpSettings::username)),
            environment.smtpPassword().or(() -> saved.flatMap(SmtpSettings::password)),
            from.get()));
  }

  /** Whether email can be sent at all: a host is configured, saved or in the environment. */
  boolean hasHost(UUID orgId) {
    return environment.smtpHost().isPresent() || saved(orgId).isPresent();
  }

  /** The environment variables that override saved fields, for the settings form. */
  List<String> overriddenByEnvironment() {
    List<String> names = new ArrayList<>();
    environment.smtpHost().ifPresent(v -> names.add(NotificationSettings.SMTP_HOST));
    environment.smtpPort().ifPresent(v -> names.add(NotificationSettings.SMTP_PORT));
    environment.smtpSecurity().ifPresent(v -> names.add(NotificationSettings.SMTP_SECURITY));
    environment.smtpUsername().ifPresent(v -> names.add(NotificationSettings.SMTP_USERNAME));
    environment.smtpPassword().ifPresent(v -> names.add(NotificationSettings.SMTP_PASSWORD));
    environment.smtpFrom().ifPresent(v -> names.add(NotificationSettings.SMTP_FROM));
    return names;
  }

  /**
   * Saves the settings; an absent password keeps the saved one (the form never shows it back), an
   * empty one clears it.
   */
  static void save(Handle handle, UUID orgId, UUID userId, SmtpSettings settings) {
    handle
        .createUpdate(
            """
            INSERT INTO smtp_settings (org_id, host, port, security, username, password,
                                       from_address, updated_by, updated_at)
            VALUES (:org, :host, :port, :security, :username, :password, :from, :user, now())
            ON CONFLICT (org_id) DO UPDATE SET
                host = EXCLUDED.host, port = EXCLUDED.port, security = EXCLUDED.security,
                username = EXCLUDED.username,
                password = CASE WHEN :keepPassword THEN smtp_settings.password
                                ELSE EXCLUDED.password END,
                from_address = EXCLUDED.from_address, updated_by = EXCLUDED.updated_by,
                updated_at = now()
            """)
        .bind("org", orgId)
        .bind("host", settings.host())
        .bind("port", settings.port())
        .bind("security", settings.security())
        .bind("username", settings.username().orElse(null))
        .bind("password", settings.password().filter(p -> !p.isEmpty()).orElse(null))
        .bind("keepPassword", settings.password().isEmpty())
        .bind("from", settings.fromAddress())
        .bind("user", userId)
        .execute();
  }
}
