package io.ctops.server.platform.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A PostgreSQL location as JDBC needs it. Accepts the libpq form operators already use ({@code
 * postgres://user:password@host:5432/db?sslmode=require}) and a plain {@code jdbc:postgresql://}
 * URL.
 */
public record DatabaseUrl(String jdbcUrl, String user, String password) {

  public static DatabaseUrl parse(String raw) {
    String variable = DatabaseSettings.DATABASE_URL;
    if (raw.startsWith("jdbc:postgresql://")) {
      return new DatabaseUrl(raw, null, null);
    }
    URI uri;
    try {
      uri = new URI(raw);
    } catch (URISyntaxException e) {
      throw new ConfigException(variable, "is not a valid URL (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme();
    if (!"postgres".equals(scheme) && !"postgresql".equals(scheme)) {
      throw new ConfigException(
          variable,
          "must start with postgres:// or jdbc:postgresql://, e.g."
              + " postgres://ctops:secret@db.example:5432/ctops");
    }
    if (uri.getHost() == null) {
      throw new ConfigException(variable, "names no host");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String database = path.startsWith("/") ? path.substring(1) : path;
    if (database.isEmpty()) {
      throw new ConfigException(variable, "names no database (add /<name> after the host)");
    }
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : null;
    }
    int port = uri.getPort() == -1 ? 5432 : uri.getPort();
    String host = uri.getHost();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    return new DatabaseUrl(
        "jdbc:postgresql://" + host + ":" + port + "/" + database + query, user, password);
  }

  /** The URL without credentials, for messages and logs. */
  public String display() {
    int query = jdbcUrl.indexOf('?');
    return query < 0 ? jdbcUrl : jdbcUrl.substring(0, query);
  }

  private static String decode(String part) {
    return URLDecoder.decode(part, StandardCharsets.UTF_8);
  }
}
