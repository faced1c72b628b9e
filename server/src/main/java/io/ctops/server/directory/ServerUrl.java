package io.ctops.server.directory;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * One directory server: {@code ldap://host[:port]} (plain LDAP upgraded with StartTLS before
 * anything else is sent, port 389 by default) or {@code ldaps://host[:port]} (TLS from the first
 * byte, port 636). Nothing is ever sent in the clear, so there is no plain-LDAP option.
 */
public record ServerUrl(boolean isLdaps, String host, int port) {

  /** Parses an URL; throws {@link IllegalArgumentException} saying what is wrong with it. */
  public static ServerUrl parse(String text) {
    String raw = text == null ? "" : text.strip();
    if (raw.isEmpty()) {
      throw new IllegalArgumentException("is empty; expected ldap://host[:port] or ldaps://…");
    }
    URI uri;
    try {
      uri = new URI(raw);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "\"" + raw + "\" is not a URL; expected ldap://host[:port] or ldaps://host[:port]");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("ldap") && !scheme.equals("ldaps")) {
      throw new IllegalArgumentException(
          "\""
              + raw
              + "\" must start with ldap:// (StartTLS) or ldaps:// (TLS), not "
              + (scheme.isEmpty() ? "nothing" : scheme + "://"));
    }
    if (uri.getHost() == null || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "\"" + raw + "\" names no host; expected " + scheme + "://host[:port]");
    }
    String path = uri.getRawPath();
    if ((path != null && !path.isEmpty() && !path.equals("/"))
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "\""
              + raw
              + "\" must be only "
              + scheme
              + "://host[:port]; the base DN is its own field");
    }
    boolean ldaps = scheme.equals("ldaps");
    int port = uri.getPort() == -1 ? (ldaps ? 636 : 389) : uri.getPort();
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("\"" + raw + "\" has port " + port + "; use 1 to 65535");
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new ServerUrl(ldaps, host, port);
  }

  /** The URL as an admin writes it. */
  @Override
  public String toString() {
    String shownHost = host.contains(":") ? "[" + host + "]" : host;
    return (isLdaps ? "ldaps://" : "ldap://") + shownHost + ":" + port;
  }

  /** {@code host:port}, as failures name the server. */
  public String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
