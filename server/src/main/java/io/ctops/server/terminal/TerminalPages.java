package io.ctops.server.terminal;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.hosts.HostDetail;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.websocket.WsContext;
import io.javalin.websocket.WsHandlerType;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;

/**
 * A host's Terminal tab: the page (xterm.js), the session it opens (a ticket for its WebSocket),
 * tickets to re-attach, and the WebSocket itself, relayed to the ingest instance that holds the
 * agent's side. Engineers and admins on the host only; the WebSocket checks the session cookie, a
 * same-origin upgrade and the page's single-use ticket.
 */
public final class TerminalPages implements AutoCloseable {
  /**
   * How often an open terminal's WebSocket is pinged: an idle tab behind a proxy that drops quiet
   * connections stays connected.
   */
  static final Duration PING_EVERY = Duration.ofSeconds(30);

  private final Pages pages;
  private final HostRecords records;
  private final WebAccess access;
  private final TerminalSessions sessions;
  private final RelayChannels relays;
  private final Jdbi jdbi;
  private final Map<String, BrowserTerminal> open = new ConcurrentHashMap<>();
  private final ScheduledExecutorService pings =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("terminal-pings").daemon().factory());

  public TerminalPages(
      Pages pages,
      HostRecords records,
      WebAccess access,
      TerminalSessions sessions,
      RelayChannels relays,
      Jdbi jdbi) {
    this.pages = pages;
    this.records = records;
    this.access = access;
    this.sessions = sessions;
    this.relays = relays;
    this.jdbi = jdbi;
    pings.scheduleWithFixedDelay(
        this::ping, PING_EVERY.toSeconds(), PING_EVERY.toSeconds(), TimeUnit.SECONDS);
  }

  private void ping() {
    for (BrowserTerminal terminal : open.values()) {
      terminal.ping();
    }
  }

  @Override
  public void close() {
    pings.shutdownNow();
  }

  public void routes(RoutesConfig routes) {
    routes.get("/hosts/{id}/terminal", this::tab);
    routes.post("/hosts/{id}/terminal/sessions", this::create);
    routes.post("/hosts/{id}/terminal/sessions/{session}/ticket", this::ticket);
    routes.post("/hosts/{id}/terminal/sessions/{session}/stop", this::stop);
    routes.get("/terminal-sessions/{session}/recording.cast", this::download);
    routes.get("/terminal-sessions/{session}/replay", this::replay);
    routes.addWsHandler(
        WsHandlerType.WEBSOCKET,
        "/hosts/{id}/terminal/ws",
        ws -> {
          ws.onConnect(this::connected);
          ws.onBinaryMessage(
              message -> {
                BrowserTerminal terminal = open.get(message.sessionId());
                if (terminal != null) {
                  terminal.input(message.data());
                }
              });
          ws.onMessage(
              message -> {
                BrowserTerminal terminal = open.get(message.sessionId());
                if (terminal != null) {
                  terminal.control(message.message());
                }
              });
          ws.onClose(
              close -> {
                BrowserTerminal terminal = open.remove(close.sessionId());
                if (terminal != null) {
                  terminal.browserGone();
                }
              });
        });
  }

  private static boolean mayUse(Role role) {
    return role != Role.READ_ONLY;
  }

  /** The host, if the user may open terminals on it: 403 for read-only, 404 if not seen. */
  private HostDetail host(Principal user, String pathId) {
    if (!mayUse(user.role())) {
      throw HttpProblem.forbidden("read-only users cannot open terminals");
    }
    HostDetail host = records.require(user, pathId);
    if (!mayUse(records.roleOn(user, host))) {
      throw HttpProblem.forbidden("you are read-only on this host's groups");
    }
    return host;
  }

  /** The tab: the terminal and the host's recent sessions. */
  public record TerminalView(HostDetail host, List<TerminalHistory.Row> recent, boolean admin) {}

  private void tab(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = host(user, ctx.pathParam("id"));
    pages.page(
        ctx,
        "hosts/terminal.jte",
        host.shownName(),
        "hosts",
        new TerminalView(host, TerminalHistory.recent(jdbi, host.id(), 10), user.isAdmin()));
  }

  private TerminalSessions.Recording recording(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    return sessions
        .recording(UuidParam.parse(ctx.pathParam("session"), "session"), admin.orgId())
        .orElseThrow(() -> HttpProblem.notFound("no recording of that session"));
  }

  /** The recording in asciicast v2 ({@code asciinema play} plays it). */
  private void download(Context ctx) {
    TerminalSessions.Recording recording = recording(ctx);
    ctx.contentType("application/x-asciicast; charset=utf-8");
    ctx.header(
        "Content-Disposition",
        "attachment; filename=\"terminal-" + ctx.pathParam("session") + ".cast\"");
    ctx.result(recording.asciicast());
  }

  /** The replay page: the recording played in the browser at 1×, 2× or 8×. */
  public record ReplayView(UUID session, TerminalSessions.Recording recording) {}

  private void replay(Context ctx) {
    TerminalSessions.Recording recording = recording(ctx);
    pages.page(
        ctx,
        "terminal-replay.jte",
        "Replay: " + recording.title(),
        "hosts",
        new ReplayView(UUID.fromString(ctx.pathParam("session")), recording));
  }

  /** What the page gets to open its WebSocket. */
  public record Opened(UUID sessionId, String ticket) {}

  private void create(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = host(user, ctx.pathParam("id"));
    if (host.isDeleted()) {
      throw HttpProblem.conflict("the host is deleted");
    }
    if (!"online".equals(host.status())) {
      throw HttpProblem.conflict(
          "the host is " + host.status() + ": its agent cannot open a shell");
    }
    int cols = size(ctx.queryParam("cols"), 80);
    int rows = size(ctx.queryParam("rows"), 24);
    TerminalSessions.Created created =
        sessions.create(user.orgId(), host.id(), host.hostname(), WebAccess.actor(ctx), cols, rows);
    ctx.status(201).json(new Opened(created.id(), created.ticket()));
  }

  private void ticket(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    host(user, ctx.pathParam("id"));
    UUID session = UuidParam.parse(ctx.pathParam("session"), "session");
    String ticket =
        sessions
            .ticket(session, user.userId())
            .orElseThrow(() -> HttpProblem.notFound("no live terminal session of yours"));
    ctx.json(new Opened(session, ticket));
  }

  /** An admin's "End session", for anyone's session on the host: back to the tab. */
  private void stop(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    HostDetail host = records.require(admin, ctx.pathParam("id"));
    UUID session = UuidParam.parse(ctx.pathParam("session"), "session");
    switch (sessions.stop(session, host.id(), admin.orgId(), WebAccess.actor(ctx))) {
      case STOPPING -> ctx.redirect("/hosts/" + host.id() + "/terminal", HttpStatus.SEE_OTHER);
      case NOT_RUNNING ->
          throw HttpProblem.conflict(
              "the session is not running: it has ended, or no ingest instance has taken it yet");
      case NOT_FOUND -> throw HttpProblem.notFound("no such terminal session on this host");
    }
  }

  private static int size(String text, int fallback) {
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(text.strip());
      if (value >= 1 && value <= 1000) {
        return value;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw HttpProblem.badRequest("cols and rows are whole numbers from 1 to 1000");
  }

  private void connected(WsContext ws) {
    Optional<Principal> user = access.signedIn(ws.cookie(WebAccess.SESSION_COOKIE));
    String refusal = refusal(ws, user);
    if (refusal != null) {
      ws.send("{\"closed\":{\"exit_code\":-1,\"reason\":\"" + refusal + "\"}}");
      ws.closeSession(1008, refusal);
      return;
    }
    UUID session = UUID.fromString(ws.queryParam("session"));
    UUID hostId = UUID.fromString(ws.pathParam("id"));
    Optional<String> token =
        sessions.spendTicket(session, hostId, user.get().userId(), ws.queryParam("ticket"));
    if (token.isEmpty()) {
      ws.send(
          "{\"closed\":{\"exit_code\":-1,\"reason\":\"the ticket is spent, expired or not"
              + " yours; reload the page\"}}");
      ws.closeSession(1008, "bad ticket");
      return;
    }
    Optional<TerminalSessions.Relay> relay = awaitClaim(session);
    if (relay.isEmpty()) {
      ws.send(
          "{\"closed\":{\"exit_code\":-1,\"reason\":\"the host's agent is not connected to"
              + " any ingest instance\"}}");
      ws.closeSession(1000, "no agent");
      return;
    }
    open.put(
        ws.sessionId(),
        new BrowserTerminal(
            ws,
            relays.stub(relay.get())::relay,
            session,
            token.get(),
            size(ws.queryParam("cols"), 80),
            size(ws.queryParam("rows"), 24)));
  }

  /** Why the upgrade is refused, or null: signed in, same origin, a host the user may use. */
  private String refusal(WsContext ws, Optional<Principal> user) {
    if (user.isEmpty()) {
      return "sign in first";
    }
    String origin = ws.header("Origin");
    String hostHeader = ws.header("Host");
    if (origin == null || hostHeader == null || !hostHeader.equals(authority(origin))) {
      return "refused: the page is not from this site";
    }
    try {
      UUID.fromString(String.valueOf(ws.queryParam("session")));
      Optional<HostDetail> host = records.find(user.get(), UUID.fromString(ws.pathParam("id")));
      if (host.isEmpty()
          || !mayUse(user.get().role())
          || !mayUse(records.roleOn(user.get(), host.get()))) {
        return "no such host, or you may not open terminals on it";
      }
    } catch (IllegalArgumentException e) {
      return "bad session or host id";
    }
    return null;
  }

  private static String authority(String origin) {
    try {
      return URI.create(origin).getRawAuthority();
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  /** The session's relay once an ingest instance has claimed it (within a few seconds). */
  private Optional<TerminalSessions.Relay> awaitClaim(UUID session) {
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < until) {
      Optional<TerminalSessions.Relay> relay = sessions.relay(session);
      if (relay.isPresent()) {
        return relay;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
    return Optional.empty();
  }
}
