package io.ctops.server.platform.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctops.server.enrolment.EnrolmentTokens;
import io.ctops.server.orgs.Organisations;
import io.ctops.server.platform.config.DatabaseSettings;
import io.ctops.server.testing.Sql;
import io.ctops.server.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded PostgreSQL of a data directory: persistent, exclusive to one server. */
class EmbeddedDatabaseTest {
  @TempDir Path dataDir;

  @Test
  void persistsAcrossRestartsAndStopsCleanly() {
    DatabaseSettings settings = settings();

    try (Database server = Database.open(settings, Database.Access.EXCLUSIVE, "server")) {
      createToken(server, "survivor");
      assertThat(EmbeddedPostgres.runningPort(settings.embeddedRoot())).isPresent();
    }
    assertThat(EmbeddedPostgres.runningPort(settings.embeddedRoot())).isEmpty();
    assertThat(dataDir.resolve("pg/data/postmaster.pid")).doesNotExist();

    try (Database again = Database.open(settings, Database.Access.EXCLUSIVE, "server")) {
      assertThat(tokenNames(again)).containsExactly("survivor");
      assertThat(Sql.number(again.jdbi(), "SELECT count(*) FROM organisations")).isEqualTo(1);
    }
  }

  @Test
  void aSecondServerOnTheSameDataDirIsRefusedWhileAdminCommandsShareIt() {
    DatabaseSettings settings = settings();
    try (Database server = Database.open(settings, Database.Access.EXCLUSIVE, "server")) {
      assertThatThrownBy(() -> Database.open(settings, Database.Access.EXCLUSIVE, "server"))
          .isInstanceOf(Database.DataDirectoryInUseException.class)
          .hasMessageContaining("data directory " + dataDir + " is in use by another ctops process")
          .hasMessageContaining("command=server")
          .hasMessageContaining("set CT_OPS_DATA_DIR");

      try (Database admin = Database.open(settings, Database.Access.SHARED, "token create")) {
        createToken(admin, "from admin");
      }

      assertThat(EmbeddedPostgres.runningPort(settings.embeddedRoot()))
          .as("the admin command leaves the server's database running")
          .isPresent();
      assertThat(tokenNames(server)).containsExactly("from admin");
    }
  }

  @Test
  void anAdminCommandWithNoServerStartsTheDatabaseAndStopsItAfterwards() {
    DatabaseSettings settings = settings();

    try (Database admin = Database.open(settings, Database.Access.SHARED, "token create")) {
      createToken(admin, "offline");
    }

    assertThat(EmbeddedPostgres.runningPort(settings.embeddedRoot())).isEmpty();
    try (Database server = Database.open(settings, Database.Access.EXCLUSIVE, "server")) {
      assertThat(tokenNames(server)).containsExactly("offline");
    }
  }

  @Test
  void keepsTheClusterPrivateToItsOwner() throws Exception {
    DatabaseSettings settings = settings();
    try (Database server = Database.open(settings, Database.Access.EXCLUSIVE, "server")) {
      assertThat(server.description()).startsWith("jdbc:postgresql://127.0.0.1:");
      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(dataDir.resolve("pg/superuser.password"))))
          .isEqualTo("rw-------");
      assertThat(Files.readString(dataDir.resolve("pg/data/postgresql.conf")))
          .contains("listen_addresses = '127.0.0.1'");
    }
  }

  @Test
  void sizesTheClusterForHeartbeatWritesAtEveryStartAndKeepsAlterSystemOverrides()
      throws Exception {
    DatabaseSettings settings = settings();
    Path conf = dataDir.resolve("pg/data/postgresql.conf");
    try (Database server = Database.open(settings, Database.Access.EXCLUSIVE, "server")) {
      assertThat(Sql.string(server.jdbi(), "SHOW max_wal_size")).isEqualTo("4GB");
      assertThat(Sql.string(server.jdbi(), "SHOW checkpoint_timeout")).isEqualTo("15min");
      assertThat(
              Sql.number(
                      server.jdbi(),
                      "SELECT setting::bigint FROM pg_settings" + " WHERE name = 'shared_buffers'")
                  * 8
                  / 1024)
          .as("shared_buffers in MB")
          .isBetween(128L, 2048L);
      server.jdbi().useHandle(h -> h.execute("ALTER SYSTEM SET max_wal_size = '2GB'"));
    }
    // A cluster made by an earlier version (no include line, no tuning file) gets it at start.
    Files.writeString(
        conf, Files.readString(conf).replace("include_if_exists = 'ctops-tuning.conf'", ""));
    Files.delete(dataDir.resolve("pg/data/ctops-tuning.conf"));

    try (Database again = Database.open(settings, Database.Access.EXCLUSIVE, "server")) {
      assertThat(Sql.string(again.jdbi(), "SHOW checkpoint_timeout")).isEqualTo("15min");
      assertThat(Sql.string(again.jdbi(), "SHOW max_wal_size"))
          .as("ALTER SYSTEM wins")
          .isEqualTo("2GB");
    }
    try (Database third = Database.open(settings, Database.Access.EXCLUSIVE, "server")) {
      assertThat(Sql.string(third.jdbi(), "SHOW checkpoint_timeout")).isEqualTo("15min");
      assertThat(Files.readString(conf).split("include_if_exists = 'ctops-tuning.conf'"))
          .as("the include is added once")
          .hasSize(2);
    }
  }

  @Test
  void buffersAreAnEighthOfMemoryWithinLimits() {
    long gib = 1024L * 1024 * 1024;
    assertThat(EmbeddedPostgres.tuning(512L * 1024 * 1024)).contains("shared_buffers = 128MB");
    assertThat(EmbeddedPostgres.tuning(8 * gib)).contains("shared_buffers = 1024MB");
    assertThat(EmbeddedPostgres.tuning(64 * gib)).contains("shared_buffers = 2048MB");
    assertThat(EmbeddedPostgres.tuning(0)).contains("shared_buffers = 128MB");
  }

  private DatabaseSettings settings() {
    return new DatabaseSettings(dataDir, Optional.empty(), TestPostgres.RUNTIME_DIR);
  }

  private static void createToken(Database database, String name) {
    var org = new Organisations(database.jdbi()).resolve(Optional.empty());
    new EnrolmentTokens(database.jdbi(), Clock.systemUTC())
        .create(
            new EnrolmentTokens.TokenRequest(
                org.id(), name, false, Optional.empty(), Optional.empty()));
  }

  private static List<String> tokenNames(Database database) {
    return new EnrolmentTokens(database.jdbi(), Clock.systemUTC())
        .list(Optional.empty()).stream().map(EnrolmentTokens.EnrolmentToken::name).toList();
  }
}
