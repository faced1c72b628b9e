package io.ctops.server.hosts;

import io.ctops.server.auth.HostScope;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Jdbi;

/**
 * The fleet overview, from one aggregate pass over the organisation's hosts plus the OS breakdown,
 * cached per organisation and host scope for a few seconds: every open Hosts page asks every 30 s,
 * and the answer does not change faster than heartbeats land. A user scoped to groups gets the
 * numbers of their hosts alone, never those cached for the whole organisation.
 */
public final class FleetOverviewQuery {
  static final Duration STALE_AFTER = Duration.ofMinutes(15);
  static final Duration CACHE_FOR = Duration.ofSeconds(5);
  static final int MAX_OPERATING_SYSTEMS = 12;

  private final Jdbi jdbi;
  private final Clock clock;
  private final Map<Key, Cached> cache = new ConcurrentHashMap<>();

  /** Users with the same scope share numbers; different scopes never do. */
  private record Key(UUID orgId, HostScope scope) {}

  /** The overview and the operating systems present among the scope's hosts, by name. */
  private record Cached(Instant at, FleetOverview overview, List<String> operatingSystems) {}

  public FleetOverviewQuery(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  public FleetOverview overview(UUID orgId, HostScope scope) {
    return cached(orgId, scope).overview();
  }

  /**
   * The operating systems of the scope's live hosts, by name: the host list's OS filter offers
   * these. They come from the overview's own count by OS, so a list refresh reads no host for them
   * (a scoped user's distinct OS names cost 90 ms at 100,000 hosts as a query of their own).
   */
  public List<String> operatingSystems(UUID orgId, HostScope scope) {
    return cached(orgId, scope).operatingSystems();
  }

  private Cached cached(UUID orgId, HostScope scope) {
    Instant now = clock.instant();
    Key key = new Key(orgId, scope);
    Cached cached = cache.get(key);
    if (cached != null && cached.at().plus(CACHE_FOR).isAfter(now)) {
      return cached;
    }
    Cached fresh = compute(orgId, scope, now);
    cache.put(key, fresh);
    return fresh;
  }

  /**
   * Drops the organisation's cached numbers (every scope's), after an action that changes them
   * (approve, delete).
   */
  public void invalidate(UUID orgId) {
    cache.keySet().removeIf(key -> key.orgId().equals(orgId));
  }

  /** Hosts of one status and one OS (null when the agent has not said). */
  private record Group(String status, String os, long hosts) {
    String osName() {
      return os == null ? "unknown" : os;
    }
  }

  /**
   * Three small reads instead of one pass over every row: counts by status and OS from an
   * index-only scan, then the hotspots and the stale hosts through the vitals' partial and
   * last-seen indexes, which touch only the hosts that qualify.
   */
  FleetOverview compute(UUID orgId, HostScope scope) {
    return compute(orgId, scope, clock.instant()).overview();
  }

  private Cached compute(UUID orgId, HostScope scope, Instant now) {
    return jdbi.inTransaction(
        handle -> {
          List<Group> groups =
              scope
                  .bind(
                      handle.createQuery(
                          """
                      SELECT status, os, count(*) AS hosts
                        FROM hosts h WHERE h.org_id = :org AND h.deleted_at IS NULL %s
                       GROUP BY os, status
                      """
                              .formatted(scope.filter("h.id"))))
                  .bind("org", orgId)
                  .map((rs, ctx) -> new Group(rs.getString(1), rs.getString(2), rs.getLong(3)))
                  .list();
          // hotspots count online hosts only: an offline host's last vitals are not current.
          // Each count matches one partial index of hot hosts (V5__host_vitals.sql).
          Map<String, Object> hot =
              scope
                  .bind(
                      handle.createQuery(
                          """
                      SELECT (SELECT count(*) FROM host_vitals WHERE org_id = :org
                                 AND host_status = 'online' AND cpu_percent >= 80 %1$s) AS cpu,
                             (SELECT count(*) FROM host_vitals WHERE org_id = :org
                                 AND host_status = 'online' AND memory_percent >= 80 %1$s)
                               AS memory,
                             (SELECT count(*) FROM host_vitals WHERE org_id = :org
                                 AND host_status = 'online' AND disk_percent >= 80 %1$s) AS disk
                      """
                              .formatted(scope.filter("host_id"))))
                  .bind("org", orgId)
                  .mapToMap()
                  .one();
          // A host never heard from is stale only once it has been approved for the whole window:
          // one approved a minute ago (or connected, its first vitals on the way) is not.
          long stale =
              scope
                  .bind(
                      handle.createQuery(
                          """
                      SELECT count(*) FROM host_vitals v
                       WHERE v.org_id = :org
                         AND v.host_status IN ('online', 'offline', 'unknown')
                         AND (v.last_seen < :staleBefore
                              OR (v.last_seen IS NULL AND v.host_status <> 'online'
                                  AND EXISTS (SELECT 1 FROM hosts h
                                                LEFT JOIN agents a ON a.id = h.agent_id
                                               WHERE h.id = v.host_id
                                                 AND coalesce(a.approved_at, h.first_seen)
                                                     < :staleBefore))) %s
                      """
                              .formatted(scope.filter("v.host_id"))))
                  .bind("org", orgId)
                  .bind("staleBefore", Timestamp.from(now.minus(STALE_AFTER)))
                  .mapTo(Long.class)
                  .one();
          long pending =
              scope
                  .bind(
                      handle.createQuery(
                          "SELECT count(*) FROM agents a LEFT JOIN hosts h ON h.agent_id = a.id"
                              + " WHERE a.org_id = :org AND a.status = 'pending'"
                              + scope.filter("h.id")))
                  .bind("org", orgId)
                  .mapTo(Long.class)
                  .one();
          // the Firing alerts card: live hosts with at least one firing alert
          long alerting =
              scope
                  .bind(
                      handle.createQuery(
                          "SELECT count(DISTINCT i.host_id) FROM alert_instances i"
                              + " JOIN hosts h ON h.id = i.host_id AND h.deleted_at IS NULL"
                              + " WHERE i.org_id = :org AND i.state = 'firing'"
                              + scope.filter("i.host_id")))
                  .bind("org", orgId)
                  .mapTo(Long.class)
                  .one();
          long total = groups.stream().mapToLong(Group::hosts).sum();
          Map<String, Long> byOs = new HashMap<>();
          groups.forEach(g -> byOs.merge(g.osName(), g.hosts(), Long::sum));
          List<FleetOverview.OsShare> operatingSystems =
              byOs.entrySet().stream()
                  .sorted(
                      Map.Entry.<String, Long>comparingByValue()
                          .reversed()
                          .thenComparing(Map.Entry.comparingByKey()))
                  .limit(MAX_OPERATING_SYSTEMS)
                  .map(
                      e ->
                          new FleetOverview.OsShare(
                              e.getKey(), e.getValue(), 100.0 * e.getValue() / total))
                  .toList();
          List<String> present =
              groups.stream()
                  .map(Group::os)
                  .filter(Objects::nonNull)
                  .distinct()
                  .sorted(String.CASE_INSENSITIVE_ORDER.thenComparing(Comparator.naturalOrder()))
                  .toList();
          FleetOverview overview =
              new FleetOverview(
                  total,
                  withStatus(groups, "online"),
                  withStatus(groups, "offline"),
                  stale,
                  pending,
                  ((Number) hot.get("cpu")).longValue(),
                  ((Number) hot.get("memory")).longValue(),
                  ((Number) hot.get("disk")).longValue(),
                  alerting,
                  operatingSystems);
          return new Cached(now, overview, present);
        });
  }

  private static long withStatus(List<Group> groups, String status) {
    return groups.stream().filter(g -> g.status().equals(status)).mapToLong(Group::hosts).sum();
  }
}
