package io.ctops.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FreshDatabase.class)
class MetricPartitionsTest {
  private static final Instant NOW = Instant.parse("2026-03-10T15:30:00Z");
  private Jdbi jdbi;

  @BeforeEach
  void freshDatabase(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  @Test
  void createsYesterdayTodayAndAWeekAheadAndIsIdempotent() {
    MetricPartitions partitions = new MetricPartitions(jdbi, 30, at(NOW));

    MetricPartitions.Outcome first = partitions.maintain();
    MetricPartitions.Outcome second = partitions.maintain();

    assertThat(first.created())
        .hasSize(9)
        .startsWith(LocalDate.parse("2026-03-09"))
        .endsWith(LocalDate.parse("2026-03-17"));
    assertThat(second.created()).isEmpty();
    assertThat(second.dropped()).isEmpty();
    assertThat(partitionNames()).hasSize(9).contains("host_metrics_p20260310");
  }

  @Test
  void samplesLandInTheirDayAndOutsideThePartitionsAreRejected() {
    new MetricPartitions(jdbi, 30, at(NOW)).maintain();
    UUID host = UUID.randomUUID();

    insertSample(host, "2026-03-10T23:59:59Z");
    insertSample(host, "2026-03-11T00:00:00Z");

    assertThat(Sql.strings(jdbi, "SELECT tableoid::regclass::text FROM host_metrics ORDER BY ts"))
        .containsExactly("host_metrics_p20260310", "host_metrics_p20260311");
    assertThatThrownBy(() -> insertSample(host, "2026-01-01T00:00:00Z"))
        .hasMessageContaining("no partition");
  }

  @Test
  void dropsWholeDaysOnceTheyAreOlderThanTheRetention() {
    new MetricPartitions(jdbi, 30, at(NOW)).maintain();
    insertSample(UUID.randomUUID(), "2026-03-10T12:00:00Z");

    MetricPartitions.Outcome later =
        new MetricPartitions(jdbi, 30, at(NOW.plus(Duration.ofDays(40)))).maintain();

    // 40 days on (2026-04-19) with 30 days kept: days before 2026-03-20 go.
    assertThat(later.dropped())
        .contains(LocalDate.parse("2026-03-09"), LocalDate.parse("2026-03-17"))
        .allSatisfy(day -> assertThat(day).isBefore(LocalDate.parse("2026-03-20")));
    assertThat(later.created())
        .contains(LocalDate.parse("2026-04-18"), LocalDate.parse("2026-04-26"));
    assertThat(partitionNames()).doesNotContain("host_metrics_p20260310");
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM host_metrics")).isZero();
  }

  private void insertSample(UUID host, String timestamp) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO host_metrics (host_id, ts, cpu_percent)"
                        + " VALUES (:host, CAST(:ts AS timestamptz), 12.5)")
                .bind("host", host)
                .bind("ts", timestamp)
                .execute());
  }

  private List<String> partitionNames() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT inhrelid::regclass::text FROM pg_inherits"
                        + " WHERE inhparent = 'host_metrics'::regclass ORDER BY 1")
                .mapTo(String.class)
                .list());
  }

  private static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneOffset.UTC);
  }
}
