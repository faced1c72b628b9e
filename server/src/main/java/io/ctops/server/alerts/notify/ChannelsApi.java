package io.ctops.server.alerts.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Notification channels and the SMTP settings in the JSON API. Everyone signed in lists channels
 * (without secrets, and only a URL's host unless they are an admin); admins change them, send
 * tests, read the delivery log and the SMTP settings. Secrets and the SMTP password are write-only.
 */
final class ChannelsApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final NotificationChannels channels;

  ChannelsApi(NotificationChannels channels) {
    this.channels = channels;
  }

  /** A channel in the API. */
  record ChannelJson(
      UUID id,
      String name,
      String kind,
      boolean enabled,
      String url,
      List<String> recipients,
      boolean secretSet,
      Instant createdAt,
      Instant updatedAt) {
    static ChannelJson of(StoredChannel stored, boolean admin) {
      String url = null;
      List<String> recipients = null;
      boolean secretSet = false;
      switch (stored.channel()) {
        case WebhookChannel w -> {
          url = ChannelView.shownUrl(w.url(), admin);
          secretSet = true;
        }
        case SlackChannel s -> url = ChannelView.shownUrl(s.url(), admin);
        case EmailChannel e -> recipients = e.recipients();
      }
      return new ChannelJson(
          stored.id(),
          stored.name(),
          stored.channel().kind(),
          stored.enabled(),
          url,
          recipients,
          secretSet,
          stored.createdAt(),
          stored.updatedAt());
    }
  }

  record ChannelList(List<ChannelJson> items) {}

  /** What a test or a delivery attempt came to. */
  record OutcomeJson(
      boolean delivered, Integer httpStatus, String smtpReply, String detail, long durationMs) {
    static OutcomeJson of(DeliveryOutcome outcome) {
      return new OutcomeJson(
          outcome.delivered(),
          outcome.httpStatus(),
          outcome.smtpReply(),
          outcome.detail(),
          outcome.took().toMillis());
    }
  }

  record DeliveryList(List<DeliveryLog.Line> items, int page, int perPage, long total) {}

  /** The SMTP settings as saved (no password), and what the environment overrides. */
  record SmtpJson(
      boolean configured,
      String host,
      Integer port,
      String security,
      String username,
      boolean passwordSet,
      String fromAddress,
      List<String> environmentOverrides) {}

  void routes(RoutesConfig routes) {
    routes.get("/api/v1/notification-channels", this::list);
    routes.post("/api/v1/notification-channels", this::create);
    routes.get("/api/v1/notification-channels/{id}", this::one);
    routes.patch("/api/v1/notification-channels/{id}", this::update);
    routes.delete("/api/v1/notification-channels/{id}", this::delete);
    routes.post("/api/v1/notification-channels/{id}/test", this::test);
    routes.get("/api/v1/notification-channels/{id}/deliveries", this::deliveries);
    routes.get("/api/v1/settings/smtp", this::smtp);
    routes.put("/api/v1/settings/smtp", this::saveSmtp);
  }

  private void list(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    ctx.json(
        new ChannelList(
            channels.list(user.orgId()).stream()
                .map(c -> ChannelJson.of(c, user.isAdmin()))
                .toList()));
  }

  private StoredChannel require(Context ctx, Principal user) {
    return channels.require(
        user.orgId(), UuidParam.parse(ctx.pathParam("id"), "notification channel"));
  }

  private void one(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    ctx.json(ChannelJson.of(require(ctx, user), user.isAdmin()));
  }

  private void create(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    UUID id =
        channels.create(
            admin, WebAccess.actor(ctx), ChannelSpec.fromJson(body(ctx), Optional.empty()));
    ctx.status(201)
        .header("Location", "/api/v1/notification-channels/" + id)
        .json(ChannelJson.of(channels.require(admin.orgId(), id), true));
  }

  private void update(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    StoredChannel existing = require(ctx, admin);
    channels.update(
        admin,
        WebAccess.actor(ctx),
        existing,
        ChannelSpec.fromJson(body(ctx), Optional.of(existing)));
    ctx.json(ChannelJson.of(channels.require(admin.orgId(), existing.id()), true));
  }

  private void delete(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    channels.delete(admin, WebAccess.actor(ctx), require(ctx, admin));
    ctx.status(204);
  }

  private void test(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    ctx.json(OutcomeJson.of(channels.test(admin, WebAccess.actor(ctx), require(ctx, admin))));
  }

  private void deliveries(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    StoredChannel channel = require(ctx, admin);
    int page = number(ctx.queryParam("page"), "page", 1, 1, 1_000_000);
    int perPage = number(ctx.queryParam("per_page"), "per_page", DeliveryLog.PAGE_SIZE, 1, 500);
    DeliveryLog.Page lines = channels.deliveries(channel.id(), page, perPage);
    ctx.json(new DeliveryList(lines.lines(), page, perPage, lines.total()));
  }

  private void smtp(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    Optional<SmtpSettings> saved = channels.savedSmtp(admin.orgId());
    ctx.json(
        new SmtpJson(
            saved.isPresent(),
            saved.map(SmtpSettings::host).orElse(null),
            saved.map(SmtpSettings::port).orElse(null),
            saved.map(SmtpSettings::security).orElse(null),
            saved.flatMap(SmtpSettings::username).orElse(null),
            saved.flatMap(SmtpSettings::password).isPresent(),
            saved.map(SmtpSettings::fromAddress).orElse(null),
            channels.smtpFromEnvironment()));
  }

  private void saveSmtp(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    channels.saveSmtp(admin, WebAccess.actor(ctx), SmtpRequest.fromJson(body(ctx)));
    smtp(ctx);
  }

  static int number(String raw, String name, int fallback, int min, int max) {
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw.strip());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw HttpProblem.badRequest(name + " must be a whole number from " + min + " to " + max);
  }

  private static JsonNode body(Context ctx) {
    try {
      return JSON.readTree(ctx.body());
    } catch (IOException e) {
      throw HttpProblem.badRequest("the body is not JSON: send a JSON object");
    }
  }
}
