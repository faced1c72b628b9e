package io.ctops.server.platform.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import io.ctops.server.testing.TestPostgres;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FreshDatabase.class)
class MigrationsTest {

  @Test
  void migratesAnEmptyDatabaseAndIsANoOpTheSecondTime() {
    DatabaseUrl url = TestPostgres.emptyDatabase();
    try (Database database = Database.connect(url, "test", List.of())) {
      Migrations.migrate(database.dataSource());
      Jdbi jdbi = database.jdbi();
      int applied = count(jdbi, "SELECT count(*) FROM flyway_schema_history WHERE success");

      Migrations.migrate(database.dataSource());

      assertThat(count(jdbi, "SELECT count(*) FROM flyway_schema_history WHERE success"))
          .isEqualTo(applied)
          .isPositive();
      assertThat(
              Sql.strings(
                  jdbi,
                  "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"))
          .contains(
              "organisations",
              "users",
              "enrolment_tokens",
              "agents",
              "hosts",
              "agent_status_history",
              "host_metrics");
      assertThat(count(jdbi, "SELECT count(*) FROM organisations WHERE slug = 'default'"))
          .isEqualTo(1);
    }
  }

  @Test
  void hostMetricsIsPartitionedByTimeAndKeyedByHostAndTimestamp(Database database) {
    Jdbi jdbi = database.jdbi();
    String strategy =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "SELECT partstrat FROM pg_partitioned_table"
                            + " WHERE partrelid = 'host_metrics'::regclass")
                    .mapTo(String.class)
                    .one());
    assertThat(strategy).isEqualTo("r");
    String primaryKey =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                            + " WHERE conrelid = 'host_metrics'::regclass AND contype = 'p'")
                    .mapTo(String.class)
                    .one());
    assertThat(primaryKey).isEqualTo("PRIMARY KEY (host_id, ts)");
  }

  @Test
  void hostSearchUsesTrigramIndexesOverHostnameDisplayNameAndIps(Database database) {
    List<String> indexes =
        database
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT indexdef FROM pg_indexes WHERE tablename = 'hosts'")
                        .mapTo(String.class)
                        .list());
    assertThat(indexes)
        .anySatisfy(i -> assertThat(i).contains("gin (hostname gin_trgm_ops)"))
        .anySatisfy(i -> assertThat(i).contains("gin (display_name gin_trgm_ops)"))
        .anySatisfy(i -> assertThat(i).contains("gin (ip_text gin_trgm_ops)"));
    String ipText =
        database
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO hosts (org_id, hostname, ip_addresses)"
                                + " SELECT id, 'web-01', '{10.0.0.5,fe80::1}' FROM organisations"
                                + " RETURNING ip_text")
                        .mapTo(String.class)
                        .one());
    assertThat(ipText).isEqualTo("10.0.0.5 fe80::1");
  }

  @Test
  void refusesADatabaseWrittenByANewerVersion(Database database) {
    database
        .jdbi()
        .useHandle(
            h ->
                h.execute(
                    "INSERT INTO flyway_schema_history (installed_rank, version, description,"
                        + " type, script, checksum, installed_by, execution_time, success)"
                        + " VALUES (999, '999', 'from the future', 'SQL', 'V999__future.sql',"
                        + " 0, 'test', 0, true)"));

    assertThatThrownBy(() -> Migrations.migrate(database.dataSource()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("version 999, newer than this ctops understands");
  }

  private static int count(Jdbi jdbi, String sql) {
    return jdbi.withHandle(h -> h.createQuery(sql).mapTo(Integer.class).one());
  }
}
