package io.ctops.server.platform.http;

import io.ctops.server.platform.config.TrustedProxies;
import io.javalin.http.Context;
import java.util.Collections;

/**
 * The address a request came from, as the web app records and counts it: the socket peer, or what a
 * trusted reverse proxy says in {@code X-Forwarded-For} (see {@link TrustedProxies}). Resolved once
 * per request, before anything else runs, so every part of the app reads the same answer.
 */
public final class ClientAddress {
  private static final String ATTRIBUTE = "ctops.clientAddress";

  private ClientAddress() {}

  static void resolve(Context ctx, TrustedProxies proxies) {
    ctx.attribute(
        ATTRIBUTE,
        proxies.clientAddress(
            ctx.req().getRemoteAddr(), Collections.list(ctx.req().getHeaders("X-Forwarded-For"))));
  }

  /** The request's client address. */
  public static String of(Context ctx) {
    String resolved = ctx.attribute(ATTRIBUTE);
    return resolved != null ? resolved : ctx.req().getRemoteAddr();
  }
}
