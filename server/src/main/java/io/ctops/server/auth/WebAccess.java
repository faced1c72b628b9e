package io.ctops.server.auth;

import io.ctops.server.audit.Actor;
import io.ctops.server.platform.http.ClientAddress;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.PageUser;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HandlerType;
import io.javalin.http.SameSite;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Who is calling and whether they may: resolves the session cookie or the API key, sends a browser
 * without a session to sign in (or to set-up while no account exists), and refuses any
 * state-changing request of a session that does not carry the session's CSRF token.
 */
public final class WebAccess {
  public static final String SESSION_COOKIE = "ctops_session";
  static final String PRE_SESSION_COOKIE = "ctops_presession";
  static final String CSRF_HEADER = "X-CSRF-Token";
  static final String CSRF_FIELD = "_csrf";
  private static final String PRINCIPAL = "ctops.principal";
  private static final Set<HandlerType> SAFE =
      Set.of(HandlerType.GET, HandlerType.HEAD, HandlerType.OPTIONS);

  private final Sessions sessions;
  private final ApiKeys apiKeys;
  private final Users users;
  private final boolean secureCookies;

  public WebAccess(Sessions sessions, ApiKeys apiKeys, Users users, boolean secureCookies) {
    this.sessions = sessions;
    this.apiKeys = apiKeys;
    this.users = users;
    this.secureCookies = secureCookies;
  }

  private static boolean isPublic(String path) {
    return path.startsWith("/assets/")
        || path.startsWith("/webjars/")
        || path.equals("/login")
        || path.equals("/setup")
        || path.equals("/api/v1/openapi.json")
        || path.equals("/api/agent/download")
        || path.equals("/api/agent/ca.crt")
        || path.equals("/favicon.ico");
  }

  public static boolean isApi(Context ctx) {
    return ctx.path().startsWith("/api/");
  }

  /** Runs before every request. */
  public void check(Context ctx) {
    String path = ctx.path();
    if (isPublic(path)) {
      if (!SAFE.contains(ctx.method()) && (path.equals("/login") || path.equals("/setup"))) {
        requirePreSessionCsrf(ctx);
      }
      return;
    }
    Optional<Principal> principal = Optional.empty();
    String authorization = ctx.header("Authorization");
    if (authorization != null) {
      if (!isApi(ctx) || !authorization.startsWith("Bearer ")) {
        throw HttpProblem.unauthorized("use Authorization: Bearer <API key> on /api/ paths");
      }
      principal = apiKeys.authenticate(authorization.substring("Bearer ".length()).strip());
      if (principal.isEmpty()) {
        throw HttpProblem.unauthorized("the API key is unknown, revoked or expired");
      }
    } else {
      principal = sessions.find(ctx.cookie(SESSION_COOKIE));
    }
    if (principal.isEmpty()) {
      if (isApi(ctx)) {
        throw HttpProblem.unauthorized("sign in, or send an API key as Authorization: Bearer");
      }
      String target = users.anyExist() ? SignInReturn.loginUrl(ctx) : "/setup";
      if (ctx.header("HX-Request") != null) {
        ctx.header("HX-Redirect", target);
        ctx.status(401);
        ctx.skipRemainingHandlers();
        return;
      }
      ctx.redirect(target);
      ctx.skipRemainingHandlers();
      return;
    }
    Principal who = principal.get();
    if (!who.viaApiKey() && !SAFE.contains(ctx.method())) {
      String sent = ctx.header(CSRF_HEADER);
      if (sent == null) {
        sent = ctx.formParam(CSRF_FIELD);
      }
      if (sent == null || !SecretTokens.equalConstantTime(sent, who.csrfToken())) {
        throw HttpProblem.forbidden("missing or invalid CSRF token; reload the page and try again");
      }
    }
    ctx.attribute(PRINCIPAL, who);
  }

  /**
   * Whether the user a long-lived request (a live stream) started with is still signed in: the
   * session or API key still valid, the user still enabled, with the same role and host scope.
   * Looked up afresh.
   */
  public boolean stillSignedIn(Context ctx) {
    Principal before = principalOrNull(ctx);
    if (before == null) {
      return false;
    }
    Optional<Principal> now;
    if (before.viaApiKey()) {
      String authorization = Optional.ofNullable(ctx.header("Authorization")).orElse("");
      now =
          authorization.startsWith("Bearer ")
              ? apiKeys.authenticate(authorization.substring("Bearer ".length()).strip())
              : Optional.empty();
    } else {
      now = sessions.find(ctx.cookie(SESSION_COOKIE));
    }
    // a changed role or host scope ends the stream too: the browser reconnects under the new one
    return now.filter(
            p ->
                p.userId().equals(before.userId())
                    && p.role() == before.role()
                    && p.scope().equals(before.scope()))
        .isPresent();
  }

  /** Who a session cookie belongs to (a WebSocket checks it itself); empty when nobody. */
  public Optional<Principal> signedIn(String sessionCookie) {
    return sessions.find(sessionCookie);
  }

  public static Principal principal(Context ctx) {
    Principal principal = ctx.attribute(PRINCIPAL);
    if (principal == null) {
      throw HttpProblem.unauthorized("sign in first");
    }
    return principal;
  }

  static Principal principalOrNull(Context ctx) {
    return ctx.attribute(PRINCIPAL);
  }

  /** The request's user as pages show them; null when nobody is signed in. */
  public static PageUser pageUser(Context ctx) {
    Principal who = principalOrNull(ctx);
    return who == null
        ? null
        : new PageUser(
            who.shownName(),
            who.role().label(),
            who.orgName(),
            who.isAdmin(),
            who.role() == Role.SUPER_ADMIN,
            who.csrfToken());
  }

  /**
   * The client's address as the web app sees it (a trusted proxy's {@code X-Forwarded-For}, else
   * the socket peer): sign-in throttling, sessions and the audit log all use this one function.
   */
  public static String clientAddress(Context ctx) {
    return ClientAddress.of(ctx);
  }

  /** The request's user (or API key) as the audit log names them, with the client address. */
  public static Actor actor(Context ctx) {
    Principal who = principal(ctx);
    return who.apiKey()
        .map(
            key ->
                Actor.apiKey(key.id(), key.name(), who.userId(), who.email(), clientAddress(ctx)))
        .orElseGet(() -> Actor.user(who.userId(), who.email(), clientAddress(ctx)));
  }

  public static Principal requireAdmin(Context ctx) {
    Principal principal = principal(ctx);
    if (!principal.isAdmin()) {
      throw HttpProblem.forbidden("only an admin of the organisation may do this");
    }
    return principal;
  }

  /**
   * Sign-in and set-up forms are posted before any session exists; a random cookie echoed in the
   * form (double submit) keeps another site from posting them in the user's browser.
   */
  public static String preSessionCsrf(Context ctx) {
    String existing = ctx.cookie(PRE_SESSION_COOKIE);
    if (existing != null && existing.length() >= 20 && existing.length() <= 100) {
      return existing;
    }
    String value = SecretTokens.generate("");
    ctx.cookie(new Cookie(PRE_SESSION_COOKIE, value, "/", -1, false, true, null, SameSite.STRICT));
    return value;
  }

  private static void requirePreSessionCsrf(Context ctx) {
    String cookie = ctx.cookie(PRE_SESSION_COOKIE);
    String sent = ctx.formParam(CSRF_FIELD);
    if (cookie == null || sent == null || !SecretTokens.equalConstantTime(cookie, sent)) {
      throw HttpProblem.forbidden("missing or invalid CSRF token; reload the page and try again");
    }
  }

  public void startSession(Context ctx, UUID userId) {
    String secret = sessions.start(userId, clientAddress(ctx));
    ctx.cookie(
        new Cookie(SESSION_COOKIE, secret, "/", -1, secureCookies, true, null, SameSite.LAX));
  }

  public void actInOrganisation(Context ctx, UUID orgId) {
    sessions.actIn(ctx.cookie(SESSION_COOKIE), orgId);
  }

  public void endSession(Context ctx) {
    sessions.end(ctx.cookie(SESSION_COOKIE));
    ctx.removeCookie(SESSION_COOKIE, "/");
  }
}
