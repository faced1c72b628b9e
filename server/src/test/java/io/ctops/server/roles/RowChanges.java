package io.ctops.server.roles;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jdbi.v3.core.Jdbi;

/**
 * Counts every row a test's database inserts, updates or deletes, per table, with a row-level
 * trigger on each table: exact (no sampling, no guessing which columns matter) and cheap. A
 * partitioned table's trigger covers its partitions, which appear under their own names.
 */
final class RowChanges {
  private final Jdbi jdbi;

  private RowChanges(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  static RowChanges install(Jdbi jdbi) {
    jdbi.useHandle(
        handle -> {
          handle.execute(
              "CREATE TABLE test_row_changes (id bigserial PRIMARY KEY, table_name text NOT NULL)");
          // A log, not a counter row per table: concurrent writers never wait for each other.
          handle.execute(
              """
              CREATE FUNCTION test_count_row_change() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN
                INSERT INTO test_row_changes (table_name) VALUES (TG_TABLE_NAME);
                RETURN NULL;
              END $$
              """);
          List<String> tables =
              handle
                  .createQuery(
                      """
                      SELECT c.relname FROM pg_class c
                        JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
                         AND NOT c.relispartition
                         AND c.relname NOT IN ('test_row_changes', 'flyway_schema_history')
                      """)
                  .mapTo(String.class)
                  .list();
          for (String table : tables) {
            handle.execute(
                "CREATE TRIGGER test_count_row_change AFTER INSERT OR UPDATE OR DELETE ON \""
                    + table
                    + "\" FOR EACH ROW EXECUTE FUNCTION test_count_row_change()");
          }
        });
    return new RowChanges(jdbi);
  }

  /** Rows changed so far, per table. */
  Map<String, Long> counts() {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT table_name, count(*) FROM test_row_changes GROUP BY table_name")
                .reduceRows(
                    new TreeMap<String, Long>(),
                    (map, row) -> {
                      map.put(row.getColumn(1, String.class), row.getColumn(2, Long.class));
                      return map;
                    }));
  }

  /**
   * The counts once nothing has changed for {@code quiet} (writes that follow a call on other
   * threads, such as the vitals flush or task reports, have landed by then).
   */
  Map<String, Long> settled(Duration quiet) {
    Map<String, Long> last = counts();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      sleep(quiet);
      Map<String, Long> now = counts();
      if (now.equals(last)) {
        return now;
      }
      last = now;
    }
    throw new AssertionError("the database kept changing for 20 s: " + last);
  }

  /**
   * Tables whose counts differ between {@code before} and {@code after}, except {@code ignored}.
   */
  static Map<String, Long> changed(
      Map<String, Long> before, Map<String, Long> after, Set<String> ignored) {
    Map<String, Long> changed = new TreeMap<>();
    after.forEach(
        (table, count) -> {
          long delta = count - before.getOrDefault(table, 0L);
          if (delta != 0 && !ignored.contains(table)) {
            changed.put(table, delta);
          }
        });
    return changed;
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
