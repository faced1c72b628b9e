package io.ctops.server.hosts;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Jdbi;

/**
 * The fleet overview, from one aggregate pass over the organisation's hosts plus the OS breakdown,
 * cached per organisation for a few seconds: every open Hosts page asks every 30 s, and the answer
 * does not change faster than heartbeats land.
 */
public final class FleetOverviewQuery {
  static final Duration STALE_AFTER = Duration.ofMinutes(15);
  static final Duration CACHE_FOR = Duration.ofSeconds(5);
  static final int MAX_OPERATING_SYSTEMS = 12;

  private final Jdbi jdbi;
  private final Clock clock;
  private final Map<UUID, Cached> cache = new ConcurrentHashMap<>();

  private record Cached(Instant at, FleetOverview overview) {}

  public FleetOverviewQuery(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  public FleetOverview overview(UUID orgId) {
    Instant now = clock.instant();
    Cached cached = cache.get(orgId);
    if (cached != null && cached.at().plus(CACHE_FOR).isAfter(now)) {
      return cached.overview();
    }
    FleetOverview overview = compute(orgId);
    cache.put(orgId, new Cached(now, overview));
    return overview;
  }

  /** Drops the cached numbers, after an action that changes them (approve, delete). */
  public void invalidate(UUID orgId) {
    cache.remove(orgId);
  }

  FleetOverview compute(UUID orgId) {
    return jdbi.inTransaction(
        handle -> {
          // hotspots count online hosts only: an offline host's last vitals are not current
          var counts =
              handle
                  .createQuery(
                      """
                      SELECT count(*) AS total,
                             count(*) FILTER (WHERE status = 'online') AS online,
                             count(*) FILTER (WHERE status = 'offline') AS offline,
                             count(*) FILTER (WHERE status IN ('online', 'offline', 'unknown')
                                              AND (last_seen IS NULL OR last_seen < :staleBefore))
                                 AS stale,
                             count(*) FILTER (WHERE status = 'online' AND cpu_percent >= 80) AS cpu,
                             count(*) FILTER (WHERE status = 'online' AND memory_percent >= 80)
                                 AS memory,
                             count(*) FILTER (WHERE status = 'online' AND disk_percent >= 80) AS disk
                        FROM hosts WHERE org_id = :org AND deleted_at IS NULL
                      """)
                  .bind("org", orgId)
                  .bind("staleBefore", java.sql.Timestamp.from(clock.instant().minus(STALE_AFTER)))
                  .mapToMap()
                  .one();
          long pending =
              handle
                  .createQuery(
                      "SELECT count(*) FROM agents WHERE org_id = :org AND status = 'pending'")
                  .bind("org", orgId)
                  .mapTo(Long.class)
                  .one();
          long total = number(counts.get("total"));
          List<FleetOverview.OsShare> operatingSystems =
              handle
                  .createQuery(
                      """
                      SELECT coalesce(os, 'unknown') AS os, count(*) AS hosts
                        FROM hosts WHERE org_id = :org AND deleted_at IS NULL
                       GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT :limit
                      """)
                  .bind("org", orgId)
                  .bind("limit", MAX_OPERATING_SYSTEMS)
                  .map(
                      (rs, ctx) ->
                          new FleetOverview.OsShare(
                              rs.getString("os"),
                              rs.getLong("hosts"),
                              total == 0 ? 0 : 100.0 * rs.getLong("hosts") / total))
                  .list();
          return new FleetOverview(
              total,
              number(counts.get("online")),
              number(counts.get("offline")),
              number(counts.get("stale")),
              pending,
              number(counts.get("cpu")),
              number(counts.get("memory")),
              number(counts.get("disk")),
              operatingSystems);
        });
  }

  private static long number(Object value) {
    return value == null ? 0 : ((Number) value).longValue();
  }
}
