package io.ctops.server.platform.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.ctops.server.platform.config.ConfigException;
import io.ctops.server.platform.config.DatabaseSettings;
import io.ctops.server.platform.config.DatabaseUrl;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;

/**
 * The application's PostgreSQL: a connection pool and JDBI over it, migrated to this build's schema
 * on open. When {@code DATABASE_URL} is unset it is the embedded cluster of the data directory.
 */
public final class Database implements AutoCloseable {
  public static final String EMBEDDED_DATABASE = "ctops";

  private final HikariDataSource dataSource;
  private final Jdbi jdbi;
  private final String description;
  private final List<AutoCloseable> closeAfterPool;

  private Database(
      HikariDataSource dataSource, String description, List<AutoCloseable> closeAfterPool) {
    this.dataSource = dataSource;
    this.jdbi = Jdbi.create(dataSource).installPlugin(new PostgresPlugin());
    this.description = description;
    this.closeAfterPool = closeAfterPool;
  }

  /** Who may use the data directory's embedded database alongside us. */
  public enum Access {
    /** A server: owns the embedded database; a second one on the same data dir is refused. */
    EXCLUSIVE,
    /** An admin command: uses the running server's database, or starts it for the command. */
    SHARED
  }

  /** Thrown when the data directory's embedded database belongs to another running server. */
  public static final class DataDirectoryInUseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DataDirectoryInUseException(String message) {
      super(message);
    }
  }

  public static Database open(DatabaseSettings settings, Access access, String holder) {
    if (settings.databaseUrl().isPresent()) {
      DatabaseUrl url = settings.databaseUrl().get();
      requireReachable(url);
      Database database = connect(url, holder, List.of());
      Migrations.migrate(database.dataSource());
      return database;
    }
    return openEmbedded(settings, access, holder);
  }

  private static Database openEmbedded(DatabaseSettings settings, Access access, String holder) {
    List<AutoCloseable> resources = new ArrayList<>();
    try {
      Optional<DataDirectoryLock> lock = DataDirectoryLock.tryAcquire(settings.dataDir(), holder);
      DatabaseUrl url;
      if (lock.isPresent()) {
        resources.add(0, lock.get());
        EmbeddedPostgres postgres =
            EmbeddedPostgres.start(
                settings.embeddedRoot(),
                settings.embeddedRuntimeDir(),
                EmbeddedPostgres.Durability.DURABLE,
                access == Access.EXCLUSIVE);
        resources.add(0, postgres);
        createDatabaseIfMissing(postgres);
        url = embeddedUrl(postgres.port(), postgres.password());
      } else if (access == Access.EXCLUSIVE) {
        throw new DataDirectoryInUseException(
            "data directory "
                + settings.dataDir()
                + " is in use by another ctops process ("
                + DataDirectoryLock.holder(settings.dataDir())
                + "); stop it first, or set CT_OPS_DATA_DIR to another directory");
      } else {
        url = runningServerUrl(settings);
      }
      Database database = connect(url, holder, resources);
      Migrations.migrate(database.dataSource());
      return database;
    } catch (RuntimeException e) {
      closeAll(resources, e);
      throw e;
    }
  }

  /** The running server holds the data dir: use the PostgreSQL it started, once it is up. */
  private static DatabaseUrl runningServerUrl(DatabaseSettings settings) {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (true) {
      Optional<Integer> port = EmbeddedPostgres.runningPort(settings.embeddedRoot());
      if (port.isPresent()) {
        String password = EmbeddedPostgres.readPassword(settings.embeddedRoot());
        return embeddedUrl(port.get(), password);
      }
      if (Instant.now().isAfter(deadline)) {
        throw new DataDirectoryInUseException(
            "data directory "
                + settings.dataDir()
                + " is held by "
                + DataDirectoryLock.holder(settings.dataDir())
                + " but its database is not running; try again once that process is up");
      }
      sleep(Duration.ofMillis(250));
    }
  }

  private static DatabaseUrl embeddedUrl(int port, String password) {
    return new DatabaseUrl(
        "jdbc:postgresql://127.0.0.1:" + port + "/" + EMBEDDED_DATABASE,
        EmbeddedPostgres.SUPERUSER,
        password);
  }

  private static void createDatabaseIfMissing(EmbeddedPostgres postgres) {
    try (Connection connection =
        DriverManager.getConnection(
            postgres.jdbcUrl("postgres"), EmbeddedPostgres.SUPERUSER, postgres.password())) {
      var exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?");
      exists.setString(1, EMBEDDED_DATABASE);
      if (!exists.executeQuery().next()) {
        connection.createStatement().execute("CREATE DATABASE " + EMBEDDED_DATABASE);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the embedded database: " + e.getMessage(), e);
    }
  }

  private static void requireReachable(DatabaseUrl url) {
    try (Connection ignored =
        DriverManager.getConnection(url.jdbcUrl(), properties(url, "check"))) {
      // reachable
    } catch (SQLException e) {
      throw new ConfigException(
          DatabaseSettings.DATABASE_URL,
          "cannot connect to " + url.display() + ": " + e.getMessage());
    }
  }

  /** A pool on an already-running PostgreSQL, without migrating (tests and tools). */
  public static Database connect(DatabaseUrl url, String holder, List<AutoCloseable> resources) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url.jdbcUrl());
    config.setDataSourceProperties(properties(url, holder));
    config.setPoolName("ctops-" + holder.replaceAll("[^A-Za-z0-9-]", "-"));
    config.setMaximumPoolSize(16);
    config.setConnectionTimeout(5_000);
    config.setMinimumIdle(1);
    config.setInitializationFailTimeout(10_000);
    return new Database(new HikariDataSource(config), url.display(), resources);
  }

  private static Properties properties(DatabaseUrl url, String holder) {
    Properties properties = new Properties();
    if (url.user() != null) {
      properties.setProperty("user", url.user());
    }
    if (url.password() != null) {
      properties.setProperty("password", url.password());
    }
    properties.setProperty("connectTimeout", "10");
    properties.setProperty("ApplicationName", "ctops " + holder);
    return properties;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public Jdbi jdbi() {
    return jdbi;
  }

  /** Where the database is, without credentials. */
  public String description() {
    return description;
  }

  @Override
  public void close() {
    dataSource.close();
    closeAll(closeAfterPool, null);
  }

  private static void closeAll(List<AutoCloseable> resources, RuntimeException failure) {
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (Exception e) {
        if (failure != null) {
          failure.addSuppressed(e);
        }
      }
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
