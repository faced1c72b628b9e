package io.ctops.server.metrics;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/**
 * Keeps a table partitioned by UTC day ({@code host_metrics}, {@code check_results}): a partition
 * for yesterday (late, buffered rows), today and the next {@link #DAYS_AHEAD} days always exists,
 * and partitions wholly older than the retention are dropped in one statement each instead of
 * deleting rows.
 */
public final class MetricPartitions {
  public static final int DAYS_AHEAD = 7;
  private static final Pattern PARTITION_DAY = Pattern.compile("[a-z_]+_p(\\d{8})");

  /** The tables kept this way: the maintenance creates and drops their partitions only. */
  static final Set<String> TABLES = Set.of("host_metrics", "check_results");

  private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;
  // Any constant shared by every instance; serialises maintenance across servers on one database.
  private static final long ADVISORY_LOCK_KEY = 0x6374_6f70_735f_6d01L;

  private final Jdbi jdbi;
  private final String table;
  private final int retentionDays;
  private final Clock clock;

  /** The partitions of {@code host_metrics}. */
  public MetricPartitions(Jdbi jdbi, int retentionDays, Clock clock) {
    this(jdbi, "host_metrics", retentionDays, clock);
  }

  public MetricPartitions(Jdbi jdbi, String table, int retentionDays, Clock clock) {
    if (retentionDays < 1) {
      throw new IllegalArgumentException("retention must be at least one day");
    }
    if (!TABLES.contains(table)) {
      throw new IllegalArgumentException("not a table partitioned by day: " + table);
    }
    this.jdbi = jdbi;
    this.table = table;
    this.retentionDays = retentionDays;
    this.clock = clock;
  }

  /** What one maintenance pass changed, by partition day. */
  public record Outcome(List<LocalDate> created, List<LocalDate> dropped) {}

  public Outcome maintain() {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    LocalDate oldestKept = today.minusDays(retentionDays);
    LocalDate firstToCreate =
        today.minusDays(1).isBefore(oldestKept) ? oldestKept : today.minusDays(1);
    return jdbi.inTransaction(
        handle -> {
          handle.execute("SELECT pg_advisory_xact_lock(?)", ADVISORY_LOCK_KEY);
          List<LocalDate> existing =
              handle
                  .createQuery(
                      """
                      SELECT child.relname
                      FROM pg_inherits
                      JOIN pg_class child ON child.oid = pg_inherits.inhrelid
                      JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
                      JOIN pg_namespace ns ON ns.oid = parent.relnamespace
                      WHERE parent.relname = :table AND ns.nspname = current_schema()
                      """)
                  .bind("table", table)
                  .mapTo(String.class)
                  .stream()
                  .map(name -> dayOf(table, name))
                  .flatMap(Optional::stream)
                  .toList();
          List<LocalDate> created = new ArrayList<>();
          for (LocalDate day = firstToCreate;
              !day.isAfter(today.plusDays(DAYS_AHEAD));
              day = day.plusDays(1)) {
            if (!existing.contains(day)) {
              handle.execute(
                  "CREATE TABLE "
                      + nameOf(day)
                      + " PARTITION OF "
                      + table
                      + " FOR VALUES FROM ('"
                      + day
                      + " 00:00:00+00') TO ('"
                      + day.plusDays(1)
                      + " 00:00:00+00')");
              created.add(day);
            }
          }
          List<LocalDate> dropped = new ArrayList<>();
          for (LocalDate day : existing) {
            if (day.isBefore(oldestKept)) {
              handle.execute("DROP TABLE " + nameOf(day));
              dropped.add(day);
            }
          }
          return new Outcome(created, dropped.stream().sorted().toList());
        });
  }

  String table() {
    return table;
  }

  String nameOf(LocalDate day) {
    return table + "_p" + DAY.format(day);
  }

  /** The day of one of {@code table}'s partitions, by its name. */
  static Optional<LocalDate> dayOf(String table, String name) {
    Matcher matcher = PARTITION_DAY.matcher(name);
    if (!name.startsWith(table + "_p")) {
      return Optional.empty();
    }
    return matcher.matches()
        ? Optional.of(LocalDate.parse(matcher.group(1), DAY))
        : Optional.empty();
  }
}
