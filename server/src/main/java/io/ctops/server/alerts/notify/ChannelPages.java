package io.ctops.server.alerts.notify;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.web.Format;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The channels pages: {@code /alerts/channels} lists them (admins create them there too), a
 * channel's page edits it, sends a test ("Send test" answers the outcome in place) and shows its
 * delivery log, and {@code /alerts/channels/smtp} holds the SMTP settings. Secrets and the SMTP
 * password are write-only: their fields are always empty.
 */
public final class ChannelPages {
  private final Pages pages;
  private final NotificationChannels channels;

  ChannelPages(Pages pages, NotificationChannels channels) {
    this.pages = pages;
    this.channels = channels;
  }

  /**
   * The list, and for admins the new-channel form ({@code values} typed, {@code error} why not).
   */
  public record ListView(
      List<ChannelView> channels,
      boolean canEdit,
      boolean smtpConfigured,
      Map<String, String> values,
      String error) {
    public String value(String name) {
      return values.getOrDefault(name, "");
    }
  }

  /** A channel's page: its edit form, the test button and a page of its delivery log. */
  public record ChannelPageView(
      ChannelView channel,
      Map<String, String> values,
      String error,
      List<DeliveryLine> deliveries,
      int page,
      boolean hasNext) {
    public String value(String name) {
      return values.getOrDefault(name, "");
    }
  }

  /** One line of the delivery log. */
  public record DeliveryLine(
      String at, String event, int attempt, String outcome, String reply, String detail, int ms) {
    static DeliveryLine of(DeliveryLog.Line line) {
      String reply =
          line.httpStatus() != null
              ? "HTTP " + line.httpStatus()
              : line.smtpReply() != null ? line.smtpReply() : "";
      return new DeliveryLine(
          Format.timestamp(line.at()),
          line.event(),
          line.attempt(),
          line.outcome(),
          reply,
          Optional.ofNullable(line.detail()).orElse(""),
          line.durationMs());
    }
  }

  /** What "Send test" came to. */
  public record TestView(boolean delivered, String summary) {}

  /** The SMTP settings form. */
  public record SmtpView(
      Map<String, String> values,
      boolean passwordSet,
      List<String> environmentOverrides,
      String error,
      boolean saved) {
    public String value(String name) {
      return values.getOrDefault(name, "");
    }
  }

  /** Registered before any other {@code /alerts/...} page, so "channels" is no alert's id. */
  public void routes(RoutesConfig routes) {
    routes.get("/alerts/channels", this::list);
    routes.post("/alerts/channels", this::create);
    // before /alerts/channels/{id}: "smtp" is no channel id
    routes.get("/alerts/channels/smtp", ctx -> smtpForm(ctx, "", false));
    routes.post("/alerts/channels/smtp", this::saveSmtp);
    routes.get("/alerts/channels/{id}", this::channel);
    routes.post("/alerts/channels/{id}", this::update);
    routes.post("/alerts/channels/{id}/delete", this::delete);
    routes.post("/alerts/channels/{id}/test", this::test);
  }

  private void list(Context ctx) {
    listPage(ctx, Map.of("kind", WebhookChannel.KIND), "");
  }

  private void listPage(Context ctx, Map<String, String> values, String error) {
    Principal user = WebAccess.principal(ctx);
    List<ChannelView> views =
        channels.list(user.orgId()).stream().map(c -> ChannelView.of(c, user.isAdmin())).toList();
    boolean smtp = user.isAdmin() && channels.smtpConfigured(user.orgId());
    pages.page(
        ctx,
        "notify/channels.jte",
        "Notification channels",
        "channels",
        new ListView(views, user.isAdmin(), smtp, values, error));
  }

  private ChannelSpec.Form form(Context ctx) {
    return new ChannelSpec.Form(
        ctx.formParam("name"),
        ctx.formParam("kind"),
        ctx.formParam("enabled"),
        ctx.formParam("url"),
        ctx.formParam("secret"),
        ctx.formParam("recipients"));
  }

  /** What the form sent, the secret left out, to show again beside the reason it was refused. */
  private static Map<String, String> typed(ChannelSpec.Form form) {
    return Map.of(
        "name", Optional.ofNullable(form.name()).orElse(""),
        "kind", Optional.ofNullable(form.kind()).orElse(""),
        "enabled", form.enabled() == null ? "" : "on",
        "url", Optional.ofNullable(form.url()).orElse(""),
        "recipients", Optional.ofNullable(form.recipients()).orElse(""));
  }

  private void create(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    ChannelSpec.Form form = form(ctx);
    UUID id;
    try {
      id =
          channels.create(
              admin, WebAccess.actor(ctx), ChannelSpec.fromForm(form, Optional.empty()));
    } catch (HttpProblem e) {
      if (e.status() != 400) {
        throw e;
      }
      listPage(ctx, typed(form), e.getMessage());
      ctx.status(400);
      return;
    }
    ctx.redirect("/alerts/channels/" + id, HttpStatus.SEE_OTHER);
  }

  private StoredChannel require(Context ctx, Principal admin) {
    return channels.require(
        admin.orgId(), UuidParam.parse(ctx.pathParam("id"), "notification channel"));
  }

  private void channel(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    StoredChannel channel = require(ctx, admin);
    ChannelView view = ChannelView.of(channel, true);
    channelPage(
        ctx,
        channel,
        Map.of(
            "name", view.name(),
            "enabled", view.enabled() ? "on" : "",
            "url", view.url(),
            "recipients", view.recipients()),
        "");
  }

  private void channelPage(
      Context ctx, StoredChannel channel, Map<String, String> values, String error) {
    int page = ChannelsApi.number(ctx.queryParam("page"), "page", 1, 1, 1_000_000);
    DeliveryLog.Page log = channels.deliveries(channel.id(), page, DeliveryLog.PAGE_SIZE);
    pages.page(
        ctx,
        "notify/channel.jte",
        channel.name(),
        "channels",
        new ChannelPageView(
            ChannelView.of(channel, true),
            values,
            error,
            log.lines().stream().map(DeliveryLine::of).toList(),
            page,
            log.hasNext()));
  }

  private void update(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    StoredChannel existing = require(ctx, admin);
    ChannelSpec.Form form = form(ctx);
    try {
      channels.update(
          admin, WebAccess.actor(ctx), existing, ChannelSpec.fromForm(form, Optional.of(existing)));
    } catch (HttpProblem e) {
      if (e.status() != 400) {
        throw e;
      }
      channelPage(ctx, existing, typed(form), e.getMessage());
      ctx.status(400);
      return;
    }
    ctx.redirect("/alerts/channels/" + existing.id(), HttpStatus.SEE_OTHER);
  }

  private void delete(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    channels.delete(admin, WebAccess.actor(ctx), require(ctx, admin));
    ctx.redirect("/alerts/channels", HttpStatus.SEE_OTHER);
  }

  private void test(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    StoredChannel channel = require(ctx, admin);
    DeliveryOutcome outcome = channels.test(admin, WebAccess.actor(ctx), channel);
    if (ctx.header("HX-Request") != null) {
      pages.fragment(
          ctx, "notify/test-outcome.jte", new TestView(outcome.delivered(), outcome.summary()));
      return;
    }
    ctx.redirect("/alerts/channels/" + channel.id(), HttpStatus.SEE_OTHER);
  }

  private void smtpForm(Context ctx, String error, boolean saved) {
    Principal admin = WebAccess.requireAdmin(ctx);
    Optional<SmtpSettings> current = channels.savedSmtp(admin.orgId());
    Map<String, String> values =
        current
            .map(
                s ->
                    Map.of(
                        "host", s.host(),
                        "port", Integer.toString(s.port()),
                        "security", s.security(),
                        "username", s.username().orElse(""),
                        "from_address", s.fromAddress()))
            .orElse(Map.of("port", "587", "security", SmtpSettings.STARTTLS));
    smtpPage(ctx, admin, values, error, saved);
  }

  private void smtpPage(
      Context ctx, Principal admin, Map<String, String> values, String error, boolean saved) {
    pages.page(
        ctx,
        "notify/smtp.jte",
        "SMTP settings",
        "channels",
        new SmtpView(
            values,
            channels.savedSmtp(admin.orgId()).flatMap(SmtpSettings::password).isPresent(),
            channels.smtpFromEnvironment(),
            error,
            saved));
  }

  private void saveSmtp(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    String host = ctx.formParam("host");
    String port = ctx.formParam("port");
    String security = ctx.formParam("security");
    String username = ctx.formParam("username");
    String from = ctx.formParam("from_address");
    try {
      channels.saveSmtp(
          admin,
          WebAccess.actor(ctx),
          SmtpRequest.fromForm(
              host,
              port,
              security,
              username,
              ctx.formParam("password"),
              ctx.formParam("clear_password"),
              from));
    } catch (HttpProblem e) {
      if (e.status() != 400) {
        throw e;
      }
      Map<String, String> typed = new java.util.HashMap<>();
      typed.put("host", Optional.ofNullable(host).orElse(""));
      typed.put("port", Optional.ofNullable(port).orElse(""));
      typed.put("security", Optional.ofNullable(security).orElse(""));
      typed.put("username", Optional.ofNullable(username).orElse(""));
      typed.put("from_address", Optional.ofNullable(from).orElse(""));
      smtpPage(ctx, admin, typed, e.getMessage(), false);
      ctx.status(400);
      return;
    }
    smtpForm(ctx, "", true);
  }
}
