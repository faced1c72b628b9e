package io.ctops.server.platform.http;

import io.javalin.http.Context;

/**
 * The headers every answer of the web app carries: a Content-Security-Policy that lets pages load
 * and run only the app's own scripts, styles and connections (no inline script or style, no
 * framing), no MIME sniffing, referrers only within the site, and no caching of anything but static
 * assets (pages and API answers may show a secret once: a new token or API key). With TLS, browsers
 * are told to keep to HTTPS.
 */
public final class SecurityHeaders {
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self';"
          + " form-action 'self'; frame-ancestors 'none'";
  static final String STRICT_TRANSPORT_SECURITY = "max-age=31536000";

  private SecurityHeaders() {}

  /** Runs before every request, so refusals and errors carry the headers too. */
  public static void apply(Context ctx, boolean tls) {
    ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("Referrer-Policy", "same-origin");
    ctx.header("X-Frame-Options", "DENY");
    if (tls) {
      ctx.header("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY);
    }
    String path = ctx.path();
    boolean staticFile =
        path.startsWith("/assets/") || path.startsWith("/webjars/") || path.equals("/favicon.ico");
    if (!staticFile) {
      ctx.header("Cache-Control", "no-store");
    }
  }
}
