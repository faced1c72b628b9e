package io.ctops.server.testing;

import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.platform.database.Database;
import io.ctops.server.platform.database.EmbeddedPostgres;
import io.ctops.server.platform.database.Migrations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL per test JVM (the same embedded binaries the product runs), and a fresh
 * database per test: migrated ones are copied from a template migrated once, so a test costs a
 * {@code CREATE DATABASE}, not a migration.
 */
public final class TestPostgres {
  /** Where the binaries are unpacked: shared by every test JVM on the machine. */
  public static final Path RUNTIME_DIR =
      Path.of(System.getProperty("java.io.tmpdir"), "ctops-test-pg-runtime");

  private static final String TEMPLATE = "ctops_template";
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static EmbeddedPostgres cluster;

  private TestPostgres() {}

  private static synchronized EmbeddedPostgres cluster() {
    if (cluster == null) {
      try {
        Path root = Files.createTempDirectory("ctops-test-pg-");
        EmbeddedPostgres started =
            EmbeddedPostgres.start(root, RUNTIME_DIR, EmbeddedPostgres.Durability.THROWAWAY, true);
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      started.close();
                      deleteQuietly(root);
                    }));
        execute(started, "postgres", "CREATE DATABASE " + TEMPLATE);
        try (Database template = Database.connect(url(started, TEMPLATE), "test", List.of())) {
          Migrations.migrate(template.dataSource());
          // Tests start from an organisation without checks (the migration gives every one the
          // account and SSH key checks); those about the defaults add them with the same
          // function (accounts/DefaultAccountChecksTest).
          template.jdbi().useHandle(h -> h.execute("DELETE FROM checks"));
        }
        cluster = started;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return cluster;
  }

  /** A new database at this build's schema, for one test class or test. */
  public static DatabaseUrl migratedDatabase() {
    EmbeddedPostgres postgres = cluster();
    String name = "test_" + ProcessHandle.current().pid() + "_" + SEQUENCE.incrementAndGet();
    execute(postgres, "postgres", "CREATE DATABASE " + name + " TEMPLATE " + TEMPLATE);
    return url(postgres, name);
  }

  /** A new database with no schema at all, for testing migrations themselves. */
  public static DatabaseUrl emptyDatabase() {
    EmbeddedPostgres postgres = cluster();
    String name = "empty_" + ProcessHandle.current().pid() + "_" + SEQUENCE.incrementAndGet();
    execute(postgres, "postgres", "CREATE DATABASE " + name);
    return url(postgres, name);
  }

  /** Runs a statement on the cluster's maintenance database (for tests that break things). */
  public static void executeAsAdmin(String sql) {
    execute(cluster(), "postgres", sql);
  }

  /** A JDBC URL that carries its own credentials, the way an operator may set DATABASE_URL. */
  public static String jdbcUrlWithCredentials(DatabaseUrl url) {
    return url.jdbcUrl() + "?user=" + url.user() + "&password=" + url.password();
  }

  private static DatabaseUrl url(EmbeddedPostgres postgres, String database) {
    return new DatabaseUrl(
        postgres.jdbcUrl(database), EmbeddedPostgres.SUPERUSER, postgres.password());
  }

  private static void execute(EmbeddedPostgres postgres, String database, String sql) {
    try (Connection connection =
        DriverManager.getConnection(
            postgres.jdbcUrl(database), EmbeddedPostgres.SUPERUSER, postgres.password())) {
      connection.createStatement().execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  private static void deleteQuietly(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: it is a temporary directory
    }
  }
}
