package io.ctops.server.platform.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the database is: an external PostgreSQL named by {@code DATABASE_URL}, or the embedded one
 * kept in {@code <data dir>/pg}. Shared by the server and the admin commands, so both always act on
 * the same database.
 */
public record DatabaseSettings(
    Path dataDir, Optional<DatabaseUrl> databaseUrl, Path embeddedRuntimeDir) {

  public static final String DATA_DIR = "CT_OPS_DATA_DIR";
  public static final String DATABASE_URL = "DATABASE_URL";

  public static DatabaseSettings from(Environment env) {
    Path dataDir = env.path(DATA_DIR, Path.of(System.getProperty("user.home"), ".ct-ops"));
    Optional<DatabaseUrl> url = env.text(DATABASE_URL).map(DatabaseUrl::parse);
    return new DatabaseSettings(dataDir, url, dataDir.resolve("pg").resolve("runtime"));
  }

  public boolean isEmbedded() {
    return databaseUrl.isEmpty();
  }

  public Path embeddedRoot() {
    return dataDir.resolve("pg");
  }
}
