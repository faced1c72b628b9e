package io.ctops.server.metrics;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A host's metric series, read for a chart, on the real database. */
@ExtendWith(FreshDatabase.class)
class MetricSeriesQueryTest {

  @Test
  void metricsAreDownsampledToAboutAThousandPointsWhateverTheRange(Jdbi jdbi) {
    // partitions for the past month: maintenance run as if on earlier days
    for (int daysAgo = 32; daysAgo >= 0; daysAgo -= 8) {
      new MetricPartitions(jdbi, 90, Clock.offset(Clock.systemUTC(), Duration.ofDays(-daysAgo)))
          .maintain();
    }
    UUID host = aHost("busy").insert(jdbi, defaultOrg(jdbi));
    // 30 days at one sample per 30 s
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                        INSERT INTO host_metrics (host_id, ts, cpu_percent, memory_percent, disk_percent,
                                                  net_rx_bytes_per_sec, net_tx_bytes_per_sec)
                        SELECT :host, now() - make_interval(secs => s * 30), s % 100, 50, 60, s, s
                          FROM generate_series(0, 86399) AS s
                         WHERE now() - make_interval(secs => s * 30) > now() - interval '29 days'
                        """)
                .bind("host", host)
                .execute());
    MetricSeriesQuery query = new MetricSeriesQuery(jdbi);
    Instant now = Instant.now();
    for (Duration range :
        List.of(
            Duration.ofHours(1), Duration.ofHours(24), Duration.ofDays(7), Duration.ofDays(30))) {
      MetricSeriesQuery.Series series = query.read(host, now.minus(range), now);
      assertThat(series.times())
          .as(range.toString())
          .hasSizeLessThanOrEqualTo(1001)
          .isSortedAccordingTo(Long::compare);
      assertThat(series.cpu()).hasSameSizeAs(series.times());
      assertThat(series.netTx()).hasSameSizeAs(series.times());
    }
    assertThat(query.read(host, now.minus(Duration.ofHours(1)), now).times())
        .hasSizeBetween(115, 121);
    assertThat(query.read(host, now.minus(Duration.ofDays(30)), now).times())
        .hasSizeGreaterThan(900);
  }

  private static UUID defaultOrg(Jdbi jdbi) {
    return UUID.fromString(
        Sql.string(jdbi, "SELECT id::text FROM organisations WHERE slug = 'default'"));
  }
}
