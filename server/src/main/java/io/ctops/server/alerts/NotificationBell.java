package io.ctops.server.alerts;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.web.Pages;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The in-app notification bell: alerts that fired or resolved on the hosts a user sees, unread
 * until they mark them read (per user). Only the last week counts as unread, so a new user's bell
 * does not start with the whole history.
 */
public final class NotificationBell {
  /** The most a list shows; the bell counts to this and then says "99+". */
  static final int LIST = 50;

  static final int COUNT_UP_TO = 100;

  private final Pages pages;
  private final Jdbi jdbi;

  public NotificationBell(Pages pages, Jdbi jdbi) {
    this.pages = pages;
    this.jdbi = jdbi;
  }

  /** One notification: an alert that fired or resolved. */
  public record Notification(
      long id,
      Instant at,
      String event,
      UUID alertId,
      String ruleName,
      Severity severity,
      UUID hostId,
      String hostname,
      String detail,
      boolean unread) {}

  /** The bell's list and how many of it (and before it) are unread. */
  public record Notifications(List<Notification> items, long unread) {
    public String unreadText() {
      return unread >= COUNT_UP_TO - 1 ? "99+" : Long.toString(unread);
    }
  }

  public void routes(RoutesConfig routes) {
    routes.get("/notifications", this::page);
    routes.get("/notifications/count", this::count);
    routes.post("/notifications/read", this::markRead);
    routes.get("/api/v1/notifications", ctx -> ctx.json(list(WebAccess.principal(ctx))));
    routes.post("/api/v1/notifications/read", this::markReadApi);
  }

  private static final String EVENTS =
      """
        FROM alert_events e
        JOIN alert_instances i ON i.id = e.instance_id
       WHERE e.event IN ('firing', 'resolved') AND i.org_id = :org
      """;

  Notifications list(Principal user) {
    return jdbi.withHandle(
        h -> {
          long last = lastRead(h, user.userId());
          List<Notification> items =
              user.scope()
                  .bind(
                      h.createQuery(
                          """
                          SELECT e.id, e.at, e.event, e.detail, i.id AS alert_id, i.severity,
                                 r.name AS rule_name, hs.id AS host_id, hs.hostname
                          """
                              + EVENTS.replace(
                                  "JOIN alert_instances i ON i.id = e.instance_id",
                                  "JOIN alert_instances i ON i.id = e.instance_id"
                                      + " JOIN alert_rules r ON r.id = i.rule_id"
                                      + " JOIN hosts hs ON hs.id = i.host_id")
                              + user.scope().filter("i.host_id")
                              + " ORDER BY e.id DESC LIMIT :limit"))
                  .bind("org", user.orgId())
                  .bind("limit", LIST)
                  .map(
                      (rs, ctx) ->
                          new Notification(
                              rs.getLong("id"),
                              rs.getTimestamp("at").toInstant(),
                              rs.getString("event"),
                              rs.getObject("alert_id", UUID.class),
                              rs.getString("rule_name"),
                              Severity.fromDb(rs.getString("severity")),
                              rs.getObject("host_id", UUID.class),
                              rs.getString("hostname"),
                              rs.getString("detail"),
                              rs.getLong("id") > last
                                  && rs.getTimestamp("at")
                                      .toInstant()
                                      .isAfter(Instant.now().minusSeconds(7 * 86400))))
                  .list();
          return new Notifications(items, unread(h, user, last));
        });
  }

  private static long unread(Handle h, Principal user, long last) {
    return user.scope()
        .bind(
            h.createQuery(
                "SELECT count(*) FROM (SELECT 1 "
                    + EVENTS
                    + " AND e.id > :last AND e.at > now() - interval '7 days'"
                    + user.scope().filter("i.host_id")
                    + " LIMIT :upTo) unread"))
        .bind("org", user.orgId())
        .bind("last", last)
        .bind("upTo", COUNT_UP_TO)
        .mapTo(Long.class)
        .one();
  }

  private static long lastRead(Handle h, UUID userId) {
    return h.createQuery("SELECT last_event_id FROM alert_reads WHERE user_id = :user")
        .bind("user", userId)
        .mapTo(Long.class)
        .findOne()
        .orElse(0L);
  }

  private void page(Context ctx) {
    pages.page(
        ctx, "alerts/notifications.jte", "Notifications", "alerts", list(WebAccess.principal(ctx)));
  }

  /** The bell's number, loaded by every page after it shows (so pages never wait for it). */
  private void count(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    long unread = jdbi.withHandle(h -> unread(h, user, lastRead(h, user.userId())));
    pages.fragment(ctx, "alerts/bell.jte", new Notifications(List.of(), unread));
  }

  private void markRead(Context ctx) {
    read(WebAccess.principal(ctx));
    ctx.redirect("/notifications", HttpStatus.SEE_OTHER);
  }

  private void markReadApi(Context ctx) {
    read(WebAccess.principal(ctx));
    ctx.json(Map.of("unread", 0));
  }

  /** Everything up to the newest event now is read (the user's own bell: no role needed). */
  private void read(Principal user) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    INSERT INTO alert_reads (user_id, last_event_id)
                    VALUES (:user, (SELECT coalesce(max(id), 0) FROM alert_events))
                    ON CONFLICT (user_id) DO UPDATE SET last_event_id = excluded.last_event_id
                    """)
                .bind("user", user.userId())
                .execute());
  }
}
