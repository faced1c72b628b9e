package io.ctops.server.alerts.notify;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import io.ctops.server.auth.Principal;
import io.ctops.server.web.HttpProblem;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * What admins do with channels and the SMTP settings, for the pages and the API alike: each change
 * is checked ({@link ChannelSpec#check}), saved and audited in one transaction. "Send test" sends
 * at once, outside the outbox, and logs the attempt like any other.
 */
final class NotificationChannels {
  private final Jdbi jdbi;
  private final Clock clock;
  private final SelfAddress self;
  private final SmtpSettingsStore smtp;
  private final Delivery delivery;

  NotificationChannels(
      Jdbi jdbi, Clock clock, SelfAddress self, SmtpSettingsStore smtp, Delivery delivery) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.self = self;
    this.smtp = smtp;
    this.delivery = delivery;
  }

  List<StoredChannel> list(UUID orgId) {
    return jdbi.withHandle(handle -> StoredChannel.list(handle, orgId));
  }

  StoredChannel require(UUID orgId, UUID id) {
    return jdbi.withHandle(handle -> StoredChannel.find(handle, orgId, id))
        .orElseThrow(() -> HttpProblem.notFound("no such notification channel"));
  }

  UUID create(Principal admin, Actor actor, ChannelSpec spec) {
    Channel channel = spec.check(Optional.empty(), self, smtp.hasHost(admin.orgId()));
    return jdbi.inTransaction(
        handle -> {
          requireFreeName(handle, admin.orgId(), spec.name(), Optional.empty());
          UUID id =
              handle
                  .createQuery(
                      """
                      INSERT INTO notification_channels (org_id, name, kind, config, enabled,
                                                         created_by)
                      VALUES (:org, :name, :kind, CAST(:config AS jsonb), :enabled, :user)
                      RETURNING id
                      """)
                  .bind("org", admin.orgId())
                  .bind("name", spec.name())
                  .bind("kind", channel.kind())
                  .bind("config", channel.config().toString())
                  .bind("enabled", spec.enabled())
                  .bind("user", admin.userId())
                  .mapTo(UUID.class)
                  .one();
          AuditLog.record(
              handle,
              AuditEntry.of(admin.orgId(), actor, AuditAction.CHANNEL_CREATE)
                  .target(target(id, spec.name()))
                  .param("kind", channel.kind())
                  .param("enabled", spec.enabled()));
          return id;
        });
  }

  void update(Principal admin, Actor actor, StoredChannel existing, ChannelSpec spec) {
    if (!spec.kind().equals(existing.channel().kind())) {
      throw HttpProblem.badRequest(
          "a channel's kind cannot change; create a " + spec.kind() + " channel instead");
    }
    Optional<String> savedSecret =
        existing.channel() instanceof WebhookChannel w ? Optional.of(w.secret()) : Optional.empty();
    Channel channel = spec.check(savedSecret, self, smtp.hasHost(admin.orgId()));
    jdbi.useTransaction(
        handle -> {
          requireFreeName(handle, admin.orgId(), spec.name(), Optional.of(existing.id()));
          handle
              .createUpdate(
                  """
                  UPDATE notification_channels
                  SET name = :name, config = CAST(:config AS jsonb), enabled = :enabled,
                      updated_at = now()
                  WHERE org_id = :org AND id = :id
                  """)
              .bind("name", spec.name())
              .bind("config", channel.config().toString())
              .bind("enabled", spec.enabled())
              .bind("org", admin.orgId())
              .bind("id", existing.id())
              .execute();
          AuditLog.record(
              handle,
              AuditEntry.of(admin.orgId(), actor, AuditAction.CHANNEL_UPDATE)
                  .target(target(existing.id(), spec.name()))
                  .param("kind", channel.kind())
                  .param("enabled", spec.enabled())
                  .param(
                      "renamed_from", existing.name().equals(spec.name()) ? null : existing.name())
                  .param("new_signing_key", spec.secret().isPresent() ? true : null));
        });
  }

  void delete(Principal admin, Actor actor, StoredChannel existing) {
    jdbi.useTransaction(
        handle -> {
          handle
              .createUpdate("DELETE FROM notification_channels WHERE org_id = :org AND id = :id")
              .bind("org", admin.orgId())
              .bind("id", existing.id())
              .execute();
          AuditLog.record(
              handle,
              AuditEntry.of(admin.orgId(), actor, AuditAction.CHANNEL_DELETE)
                  .target(target(existing.id(), existing.name()))
                  .param("kind", existing.channel().kind()));
        });
  }

  /** Sends a test message now; logs the attempt and audits the test with its outcome. */
  DeliveryOutcome test(Principal admin, Actor actor, StoredChannel channel) {
    Instant now = clock.instant();
    String payload = channel.channel().render(Notification.test(now));
    DeliveryOutcome outcome;
    try {
      outcome = delivery.send(admin.orgId(), channel.channel(), payload);
    } catch (Delivery.Interrupted e) {
      throw new IllegalStateException("the server is stopping", e);
    }
    jdbi.useTransaction(
        handle -> {
          DeliveryLog.write(
              handle,
              admin.orgId(),
              channel.id(),
              null,
              clock.instant(),
              "test",
              1,
              outcome.delivered() ? "sent" : "failed",
              outcome);
          AuditLog.record(
              handle,
              AuditEntry.of(admin.orgId(), actor, AuditAction.CHANNEL_TEST)
                  .target(target(channel.id(), channel.name()))
                  .param("outcome", outcome.summary()));
        });
    return outcome;
  }

  DeliveryLog.Page deliveries(UUID channelId, int page, int perPage) {
    return jdbi.withHandle(handle -> DeliveryLog.page(handle, channelId, page, perPage));
  }

  Optional<SmtpSettings> savedSmtp(UUID orgId) {
    return smtp.saved(orgId);
  }

  /** Whether email channels have a mail server to send through. */
  boolean smtpConfigured(UUID orgId) {
    return smtp.hasHost(orgId);
  }

  List<String> smtpFromEnvironment() {
    return smtp.overriddenByEnvironment();
  }

  void saveSmtp(Principal admin, Actor actor, SmtpSettings settings) {
    jdbi.useTransaction(
        handle -> {
          SmtpSettingsStore.save(handle, admin.orgId(), admin.userId(), settings);
          AuditLog.record(
              handle,
              AuditEntry.of(admin.orgId(), actor, AuditAction.SMTP_SETTINGS_CHANGE)
                  .param("host", settings.host())
                  .param("port", settings.port())
                  .param("security", settings.security())
                  .param("username", settings.username().orElse(null))
                  .param("from_address", settings.fromAddress())
                  .param(
                      "login",
                      settings.password().isEmpty()
                          ? "kept"
                          : settings.password().get().isEmpty() ? "cleared" : "changed"));
        });
  }

  private static void requireFreeName(
      Handle handle, UUID orgId, String name, Optional<UUID> except) {
    boolean taken =
        handle
            .createQuery(
                """
                SELECT EXISTS (SELECT 1 FROM notification_channels
                               WHERE org_id = :org AND name = :name AND id IS DISTINCT FROM :except)
                """)
            .bind("org", orgId)
            .bind("name", name)
            .bind("except", except.orElse(null))
            .mapTo(Boolean.class)
            .one();
    if (taken) {
      throw HttpProblem.badRequest("a channel named \"" + name + "\" exists already");
    }
  }

  private static Target target(UUID id, String name) {
    return new Target("notification_channel", id.toString(), name, Optional.empty());
  }
}
