package io.ctops.server.platform.database;

import java.util.Arrays;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;

/** Brings a database to this build's schema with the versioned scripts in {@code db/migration}. */
public final class Migrations {
  private Migrations() {}

  public static void migrate(DataSource dataSource) {
    Flyway flyway =
        Flyway.configure()
            .dataSource(dataSource)
            .locations("classpath:db/migration")
            .failOnMissingLocations(true)
            .load();
    MigrationInfoService info = flyway.info();
    // A migration the database has applied but this build does not know: written by a newer ctops.
    boolean newerSchema =
        Arrays.stream(info.all())
            .anyMatch(migration -> migration.getState().name().startsWith("FUTURE"));
    if (newerSchema) {
      MigrationInfo current = info.current();
      throw new IllegalStateException(
          "the database schema is at version "
              + (current == null ? "?" : current.getVersion())
              + ", newer than this ctops understands; run the ctops version that wrote it, or"
              + " newer");
    }
    flyway.migrate();
  }
}
