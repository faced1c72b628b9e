package io.ctops.server.hosts;

import io.ctops.server.alerts.AlertEvaluator;
import io.ctops.server.auth.HostScope;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.enrolment.AgentHistory;
import io.ctops.server.platform.database.NotificationListener;
import io.ctops.server.web.Pages;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGNotification;

/**
 * Live status badges: one connection per web instance listens on {@code agent_status} (announced by
 * ingest in the transaction of every transition) and pushes the host's new badge as a server-sent
 * event to every open Hosts page of that organisation whose user sees the host (a user scoped to
 * groups hears only of their groups' hosts). No polling of agents or hosts. Every few seconds each
 * open stream's user is checked again: a stream whose session ended, whose user was removed or
 * whose access changed is closed (the browser reconnects with the new access).
 */
public final class LiveHostStatus implements AutoCloseable {
  private static final Pattern AGENT_ID = Pattern.compile("\"agent_id\":\"([0-9a-f-]{36})\"");
  private static final long KEEP_ALIVE_MILLIS = 20_000;
  static final long RECHECK_MILLIS = 3_000;

  private final Jdbi jdbi;
  private final Pages pages;
  private final Predicate<Context> stillSignedIn;
  private final Map<UUID, Set<SseClient>> clientsByOrg = new ConcurrentHashMap<>();
  private final NotificationListener listener;

  /**
   * @param stillSignedIn whether a stream's request still has a signed-in user (asked every few
   *     seconds per stream)
   */
  public LiveHostStatus(
      DataSource dataSource, Jdbi jdbi, Pages pages, Predicate<Context> stillSignedIn) {
    this.jdbi = jdbi;
    this.pages = pages;
    this.stillSignedIn = stillSignedIn;
    this.listener =
        new NotificationListener(
            dataSource,
            "live-host-status",
            List.of(AgentHistory.NOTIFY_CHANNEL, AlertEvaluator.NOTIFY_CHANNEL),
            this::arrived);
  }

  /** Starts listening for status changes; returns this. */
  public LiveHostStatus start() {
    listener.start();
    return this;
  }

  public void routes(RoutesConfig routes) {
    routes.sse("/hosts/events", this::connect);
  }

  private void connect(SseClient client) {
    Principal user = WebAccess.principal(client.ctx());
    Set<SseClient> clients =
        clientsByOrg.computeIfAbsent(user.orgId(), org -> ConcurrentHashMap.newKeySet());
    clients.add(client);
    client.onClose(() -> clients.remove(client));
    client.sendComment("connected");
    client.keepAlive();
  }

  /** How many browsers are connected now (for tests and metrics). */
  public int connectedClients() {
    return clientsByOrg.values().stream().mapToInt(Set::size).sum();
  }

  private long lastKeepAlive = System.currentTimeMillis();
  private long lastRecheck = System.currentTimeMillis();

  /** On the listener's thread: publishes what changed, keeps streams alive, drops signed-out. */
  private void arrived(List<PGNotification> notifications) {
    for (PGNotification notification : notifications) {
      if (notification.getName().equals(AlertEvaluator.NOTIFY_CHANNEL)) {
        publishAlerts(notification.getParameter());
      } else {
        publish(notification.getParameter());
      }
    }
    if (System.currentTimeMillis() - lastKeepAlive > KEEP_ALIVE_MILLIS) {
      lastKeepAlive = System.currentTimeMillis();
      clientsByOrg.values().forEach(set -> set.forEach(c -> c.sendComment("keep-alive")));
    }
    if (System.currentTimeMillis() - lastRecheck > RECHECK_MILLIS) {
      lastRecheck = System.currentTimeMillis();
      closeSignedOut();
    }
  }

  /** Ends the streams whose user is no longer signed in (session ended, user removed). */
  private void closeSignedOut() {
    for (Set<SseClient> clients : clientsByOrg.values()) {
      for (SseClient client : clients) {
        if (client.terminated() || !stillSignedIn.test(client.ctx())) {
          clients.remove(client);
          client.close();
        }
      }
    }
  }

  private record HostStatusRow(UUID hostId, UUID orgId, String status, Set<UUID> groups) {}

  /** Whether the stream's user sees the host: the whole organisation, or one of its groups. */
  private static boolean sees(SseClient client, HostStatusRow row) {
    HostScope scope = WebAccess.principal(client.ctx()).scope();
    return scope.isWholeOrganisation()
        || scope.groupIds().stream().anyMatch(row.groups()::contains);
  }

  private void publish(String payload) {
    Matcher matcher = AGENT_ID.matcher(payload == null ? "" : payload);
    if (!matcher.find()) {
      return;
    }
    UUID agentId = UUID.fromString(matcher.group(1));
    Optional<HostStatusRow> row =
        jdbi.withHandle(
            handle ->
                handle
                    .createQuery(
                        """
                        SELECT h.id, h.org_id, h.status,
                               ARRAY(SELECT m.group_id FROM host_group_members m
                                      WHERE m.host_id = h.id) AS groups
                          FROM hosts h WHERE h.agent_id = :agent
                        """)
                    .bind("agent", agentId)
                    .map(
                        (rs, ctx) ->
                            new HostStatusRow(
                                rs.getObject("id", UUID.class),
                                rs.getObject("org_id", UUID.class),
                                rs.getString("status"),
                                Set.of((UUID[]) rs.getArray("groups").getArray())))
                    .findOne());
    if (row.isEmpty()) {
      return;
    }
    Set<SseClient> clients = clientsByOrg.get(row.get().orgId());
    if (clients == null || clients.isEmpty()) {
      return;
    }
    String badge =
        pages
            .render(
                "hosts/badge.jte",
                Map.of("model", new HostViews.Badge(row.get().hostId(), row.get().status())))
            .replace("\n", "")
            .strip();
    for (SseClient client : clients) {
      if (client.terminated()) {
        clients.remove(client);
      } else if (sees(client, row.get())) {
        client.sendEvent("status-" + row.get().hostId(), badge);
      }
    }
  }

  /** A host's Alerts cell, after the evaluator changed its firing alerts. */
  private void publishAlerts(String payload) {
    UUID hostId;
    try {
      hostId = UUID.fromString(payload);
    } catch (IllegalArgumentException e) {
      return;
    }
    Optional<AlertCell> cell =
        jdbi.withHandle(
            handle ->
                handle
                    .createQuery(
                        """
                        SELECT h.id, h.org_id,
                               ARRAY(SELECT m.group_id FROM host_group_members m
                                      WHERE m.host_id = h.id) AS groups,
                               fa.firing_alerts, fa.alert_severity
                          FROM hosts h
                          CROSS JOIN LATERAL (
                              SELECT count(*) AS firing_alerts,
                                     (ARRAY['info', 'warning', 'critical'])[max(CASE ai.severity
                                          WHEN 'critical' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END)]
                                       AS alert_severity
                                FROM alert_instances ai
                               WHERE ai.host_id = h.id AND ai.state = 'firing') fa
                         WHERE h.id = :host
                        """)
                    .bind("host", hostId)
                    .map(
                        (rs, ctx) ->
                            new AlertCell(
                                new HostStatusRow(
                                    rs.getObject("id", UUID.class),
                                    rs.getObject("org_id", UUID.class),
                                    "",
                                    Set.of((UUID[]) rs.getArray("groups").getArray())),
                                rs.getInt("firing_alerts"),
                                rs.getString("alert_severity")))
                    .findOne());
    if (cell.isEmpty()) {
      return;
    }
    Set<SseClient> clients = clientsByOrg.get(cell.get().host().orgId());
    if (clients == null || clients.isEmpty()) {
      return;
    }
    String html =
        pages
            .render(
                "hosts/alerts-cell.jte",
                Map.of(
                    "hostId",
                    hostId,
                    "firing",
                    cell.get().firing(),
                    "severity",
                    cell.get().severity() == null ? "" : cell.get().severity()))
            .replace("\n", "")
            .strip();
    for (SseClient client : clients) {
      if (client.terminated()) {
        clients.remove(client);
      } else if (sees(client, cell.get().host())) {
        client.sendEvent("alerts-" + hostId, html);
      }
    }
  }

  private record AlertCell(HostStatusRow host, int firing, String severity) {}

  @Override
  public void close() {
    // before the web server stops (the web role closes this first): ending a stream after Jetty
    // recycled its response sends Javalin round its error handling
    clientsByOrg.values().forEach(set -> set.forEach(SseClient::close));
    clientsByOrg.clear();
    listener.close();
  }
}
