package io.ctops.server.metrics;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/**
 * Keeps {@code host_metrics} partitioned by UTC day: a partition for yesterday (late, buffered
 * samples), today and the next {@link #DAYS_AHEAD} days always exists, and partitions wholly older
 * than the retention are dropped in one statement each instead of deleting rows.
 */
public final class MetricPartitions {
  public static final int DAYS_AHEAD = 7;
  private static final Pattern PARTITION_NAME = Pattern.compile("host_metrics_p(\\d{8})");
  private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;
  // Any constant shared by every instance; serialises maintenance across servers on one database.
  private static final long ADVISORY_LOCK_KEY = 0x6374_6f70_735f_6d01L;

  private final Jdbi jdbi;
  private final int retentionDays;
  private final Clock clock;

  public MetricPartitions(Jdbi jdbi, int retentionDays, Clock clock) {
    if (retentionDays < 1) {
      throw new IllegalArgumentException("retention must be at least one day");
    }
    this.jdbi = jdbi;
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
                      WHERE parent.relname = 'host_metrics' AND ns.nspname = current_schema()
                      """)
                  .mapTo(String.class)
                  .stream()
                  .map(MetricPartitions::dayOf)
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
                      + " PARTITION OF host_metrics FOR VALUES FROM ('"
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

  static String nameOf(LocalDate day) {
    return "host_metrics_p" + DAY.format(day);
  }

  static Optional<LocalDate> dayOf(String partitionName) {
    Matcher matcher = PARTITION_NAME.matcher(partitionName);
    return matcher.matches()
        ? Optional.of(LocalDate.parse(matcher.group(1), DAY))
        : Optional.empty();
  }
}
