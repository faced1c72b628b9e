package io.ctops.server.auth;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.net.URI;
import java.net.URISyntaxException;
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
   * {@code next}, an htmx request the page it was made from (not the fragment it asked for); the
   * host list, where signing in leads anyway, needs no name.
   */
  static String loginUrl(Context ctx) {
    String here;
    if (ctx.header("HX-Request") != null) {
      here = pageOf(ctx.header("HX-Current-URL"));
    } else if (ctx.method() == HandlerType.GET) {
      String query = ctx.queryString();
      here = query == null || query.isEmpty() ? ctx.path() : ctx.path() + "?" + query;
    } else {
      here = null;
    }
    if (here == null || !isLocalPath(here) || here.equals(DEFAULT) || here.equals("/")) {
      return "/login";
    }
    return "/login?next=" + URLEncoder.encode(here, StandardCharsets.UTF_8);
  }

  /** The path and query of a page's full address (only those: the host is ours anyway). */
  private static String pageOf(String url) {
    if (url == null) {
      return null;
    }
    try {
      URI uri = new URI(url);
      if (uri.getRawPath() == null || uri.getRawPath().isEmpty()) {
        return null;
      }
      return uri.getRawQuery() == null
          ? uri.getRawPath()
          : uri.getRawPath() + "?" + uri.getRawQuery();
    } catch (URISyntaxException e) {
      return null;
    }
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
