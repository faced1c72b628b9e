package io.ctops.server.checks;

import io.ctops.server.auth.HostScope;
import io.ctops.server.groups.HostSelector;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * What checks say: on one host (each check that applies to it, its latest result and a strip of the
 * last ones) and across the fleet (per check, how many hosts pass, fail, error, are stale or have
 * no result yet, and which fail). A result older than {@link #STALE_INTERVALS} intervals is stale:
 * the agent stopped running the check or stopped reporting.
 */
public final class CheckStatusQuery {
  /** A result older than this many of its check's intervals is stale. */
  public static final int STALE_INTERVALS = 3;

  /** How many of the last results a host's strip shows. */
  public static final int STRIP = 20;

  /** How many failing hosts a check's summary lists; the counts are always whole. */
  public static final int FAILING_LISTED = 100;

  private CheckStatusQuery() {}

  /** The latest result of a check on a host. */
  public record State(
      String status,
      String output,
      int durationMs,
      Instant ranAt,
      Instant since,
      int consecutiveFailures) {}

  /** One result in a strip. */
  public record Recent(String status, Instant ranAt, int durationMs) {}

  /** A check on one host: its latest result (none yet), whether that is stale, the last ones. */
  public record HostCheck(Check check, Optional<State> state, boolean stale, List<Recent> recent) {
    /** pass, fail, error, stale or waiting (no result yet). */
    public String shownStatus() {
      return state.isEmpty() ? "waiting" : stale ? "stale" : state.get().status();
    }
  }

  /** The checks that apply to a host now (enabled, its selector naming the host), by name. */
  public static List<HostCheck> forHost(Handle handle, UUID orgId, UUID hostId, Instant now) {
    List<HostCheck> rows =
        handle
            .createQuery(
                """
                SELECT c.*, s.status AS s_status, s.output AS s_output,
                       s.duration_ms AS s_duration, s.ran_at AS s_ran_at, s.since AS s_since,
                       s.consecutive_failures AS s_failures
                  FROM checks c
                  JOIN hosts h ON h.id = :host AND h.org_id = c.org_id AND h.deleted_at IS NULL
                  LEFT JOIN check_states s ON s.check_id = c.id AND s.host_id = h.id
                 WHERE c.org_id = :org AND c.enabled AND %s
                 ORDER BY lower(c.name), c.id
                """
                    .formatted(HostSelector.storedCondition("c.selector", "c.selector_terms")))
            .bind("org", orgId)
            .bind("host", hostId)
            .map((rs, ctx) -> hostCheck(rs, now))
            .list();
    if (rows.isEmpty()) {
      return rows;
    }
    Map<UUID, List<Recent>> recent = new HashMap<>();
    handle
        .createQuery(
            """
            SELECT r.check_id, r.status, r.ran_at, r.duration_ms
              FROM unnest(CAST(:checks AS uuid[])) AS x(id)
              CROSS JOIN LATERAL (
                  SELECT check_id, status, ran_at, duration_ms FROM check_results
                   WHERE host_id = :host AND check_id = x.id
                   ORDER BY ran_at DESC LIMIT :strip) r
            """)
        .bind("host", hostId)
        .bind("strip", STRIP)
        .bindArray("checks", UUID.class, rows.stream().map(r -> r.check().id()).toList())
        .map(
            (rs, ctx) -> {
              recent
                  .computeIfAbsent(rs.getObject("check_id", UUID.class), id -> new ArrayList<>())
                  .add(
                      new Recent(
                          rs.getString("status"),
                          rs.getTimestamp("ran_at").toInstant(),
                          rs.getInt("duration_ms")));
              return 0;
            })
        .list();
    return rows.stream()
        .map(
            r ->
                new HostCheck(
                    r.check(),
                    r.state(),
                    r.stale(),
                    recent.getOrDefault(r.check().id(), List.of()).reversed()))
        .toList();
  }

  private static HostCheck hostCheck(ResultSet rs, Instant now) throws SQLException {
    Check check = Checks.check(rs);
    Timestamp ranAt = rs.getTimestamp("s_ran_at");
    if (ranAt == null) {
      return new HostCheck(check, Optional.empty(), false, List.of());
    }
    State state =
        new State(
            rs.getString("s_status"),
            rs.getString("s_output"),
            rs.getInt("s_duration"),
            ranAt.toInstant(),
            rs.getTimestamp("s_since").toInstant(),
            rs.getInt("s_failures"));
    return new HostCheck(check, Optional.of(state), isStale(check, state.ranAt(), now), List.of());
  }

  static boolean isStale(Check check, Instant ranAt, Instant now) {
    return ranAt.isBefore(
        now.minusSeconds((long) STALE_INTERVALS * check.spec().intervalSeconds()));
  }

  /** A check across the hosts it applies to (within the asking user's scope). */
  public record Summary(
      Check check,
      long hosts,
      long passing,
      long failing,
      long errors,
      long stale,
      long waiting,
      List<FailingHost> failingHosts) {}

  /** A host where a check fails or errs now. */
  public record FailingHost(
      UUID hostId,
      String hostname,
      String status,
      String output,
      Instant since,
      int consecutiveFailures) {}

  /** Every check of the organisation, summarised; disabled ones count no hosts. */
  public static List<Summary> summaries(
      Handle handle, UUID orgId, HostScope scope, Instant now, int failingListed) {
    return Checks.list(handle, orgId).stream()
        .map(check -> summary(handle, orgId, scope, check, now, failingListed))
        .toList();
  }

  public static Summary summary(
      Handle handle, UUID orgId, HostScope scope, Check check, Instant now, int failingListed) {
    if (!check.spec().enabled()) {
      return new Summary(check, 0, 0, 0, 0, 0, 0, List.of());
    }
    HostSelector selector = check.spec().selector();
    String hosts =
        " FROM hosts h LEFT JOIN check_states s ON s.check_id = :check AND s.host_id = h.id"
            + " WHERE h.org_id = :org AND h.deleted_at IS NULL AND "
            + selector.condition()
            + scope.filter("h.id");
    String fresh = "s.ran_at >= CAST(:now AS timestamptz) - make_interval(secs => :staleSeconds)";
    long staleSeconds = (long) STALE_INTERVALS * check.spec().intervalSeconds();
    Map<String, Object> counts =
        scope
            .bind(
                selector.bind(
                    handle.createQuery(
                        ("SELECT count(*) AS hosts,"
                                    + " count(*) FILTER (WHERE s.status = 'pass' AND %1$s) AS passing,"
                                    + " count(*) FILTER (WHERE s.status = 'fail' AND %1$s) AS failing,"
                                    + " count(*) FILTER (WHERE s.status = 'error' AND %1$s) AS errors,"
                                    + " count(*) FILTER (WHERE s.ran_at IS NOT NULL AND NOT (%1$s))"
                                    + " AS stale,"
                                    + " count(*) FILTER (WHERE s.ran_at IS NULL) AS waiting")
                                .formatted(fresh)
                            + hosts)))
            .bind("check", check.id())
            .bind("org", orgId)
            .bind("now", Timestamp.from(now))
            .bind("staleSeconds", staleSeconds)
            .mapToMap()
            .one();
    List<FailingHost> failing =
        failingListed <= 0
            ? List.of()
            : scope
                .bind(
                    selector.bind(
                        handle.createQuery(
                            "SELECT h.id, h.hostname, s.status, s.output, s.since,"
                                + " s.consecutive_failures"
                                + hosts
                                + " AND s.status IN ('fail', 'error') AND "
                                + fresh
                                + " ORDER BY s.since, h.hostname LIMIT :limit")))
                .bind("check", check.id())
                .bind("org", orgId)
                .bind("now", Timestamp.from(now))
                .bind("staleSeconds", staleSeconds)
                .bind("limit", failingListed)
                .map(
                    (rs, ctx) ->
                        new FailingHost(
                            rs.getObject("id", UUID.class),
                            rs.getString("hostname"),
                            rs.getString("status"),
                            rs.getString("output"),
                            rs.getTimestamp("since").toInstant(),
                            rs.getInt("consecutive_failures")))
                .list();
    return new Summary(
        check,
        count(counts, "hosts"),
        count(counts, "passing"),
        count(counts, "failing"),
        count(counts, "errors"),
        count(counts, "stale"),
        count(counts, "waiting"),
        failing);
  }

  private static long count(Map<String, Object> row, String column) {
    return ((Number) row.get(column)).longValue();
  }
}
