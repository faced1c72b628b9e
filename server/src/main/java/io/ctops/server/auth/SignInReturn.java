package io.ctops.server.auth;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Where a browser goes after signing in: back to the page it asked for before it was sent to sign
 * in, but only to a path on this site. Anything else (another host as {@code //host} or with a
 * scheme, a backslash that some browsers read as a slash, control characters that browsers strip
 * before parsing) falls back to the host list, so the sign-in page can never redirect elsewhere.
 */
final class SignInReturn {
  static final String DEFAULT = "/hosts";
  private static final int MAX_LENGTH = 2000;

  private SignInReturn() {}

  /**
   * The sign-in page's address for a browser without a session: a GET request names its page in
   * {@code next} (the host list, where signing in leads anyway, needs no name).
   */
  static String loginUrl(Context ctx) {
    if (ctx.method() != HandlerType.GET || ctx.path().equals("/")) {
      return "/login";
    }
    String query = ctx.queryString();
    String here = query == null || query.isEmpty() ? ctx.path() : ctx.path() + "?" + query;
    if (!isLocalPath(here) || here.equals(DEFAULT)) {
      return "/login";
    }
    return "/login?next=" + URLEncoder.encode(here, StandardCharsets.UTF_8);
  }

  /** The page to open after signing in: {@code next} when it is a path on this site. */
  static String target(String next) {
    return next != null && isLocalPath(next) ? next : DEFAULT;
  }

  static boolean isLocalPath(String path) {
    if (path.length() > MAX_LENGTH || !path.startsWith("/") || path.startsWith("//")) {
      return false;
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '\\' || c < 0x20 || c == 0x7f) {
        return false;
      }
    }
    return true;
  }
}
