package io.ctops.server.alerts;

import io.ctops.server.auth.HostScope;
import io.ctops.server.web.HttpProblem;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * Alerts as operators look them up: open now or past, by severity, rule, host, group or a search
 * over rule and host names, newest first, paged, within the user's host scope.
 */
public final class AlertQuery {
  private AlertQuery() {}

  /** Which alerts by state: open (pending and firing), one state, or every alert. */
  public enum StateFilter {
    OPEN("open", "i.state <> 'resolved'"),
    FIRING("firing", "i.state = 'firing'"),
    PENDING("pending", "i.state = 'pending'"),
    RESOLVED("resolved", "i.state = 'resolved'"),
    ALL("all", "TRUE");

    public final String param;
    final String sql;

    StateFilter(String param, String sql) {
      this.param = param;
      this.sql = sql;
    }
  }

  /** A view's filters, read from a query string; a bad value is a 400 naming it. */
  public record Filter(
      StateFilter state,
      Optional<Severity> severity,
      Optional<UUID> rule,
      Optional<UUID> host,
      Optional<UUID> group,
      String search,
      int page,
      int size) {
    public static final Filter OPEN =
        new Filter(
            StateFilter.OPEN,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            "",
            1,
            50);

    public static Filter parse(Map<String, List<String>> query) {
      StateFilter state =
          one(query, "state")
              .map(
                  s ->
                      Arrays.stream(StateFilter.values())
                          .filter(f -> f.param.equals(s))
                          .findFirst()
                          .orElseThrow(
                              () ->
                                  HttpProblem.badRequest(
                                      "state is one of open, firing, pending, resolved, all")))
              .orElse(StateFilter.OPEN);
      Optional<Severity> severity =
          one(query, "severity")
              .map(
                  s ->
                      Severity.parse(s)
                          .orElseThrow(
                              () ->
                                  HttpProblem.badRequest(
                                      "severity is one of info, warning, critical")));
      String search = one(query, "q").map(String::strip).orElse("");
      if (search.length() > 200) {
        throw HttpProblem.badRequest("q is limited to 200 characters");
      }
      int page = number(query, "page", 1, 1, 100_000);
      int size = number(query, "size", 50, 1, 200);
      return new Filter(
          state,
          severity,
          id(query, "rule"),
          id(query, "host"),
          id(query, "group"),
          search,
          page,
          size);
    }

    private static Optional<String> one(Map<String, List<String>> query, String name) {
      List<String> values = query.getOrDefault(name, List.of());
      return values.isEmpty() || values.get(0).isBlank()
          ? Optional.empty()
          : Optional.of(values.get(0));
    }

    private static Optional<UUID> id(Map<String, List<String>> query, String name) {
      return one(query, name)
          .map(
              s -> {
                try {
                  return UUID.fromString(s);
                } catch (IllegalArgumentException e) {
                  throw HttpProblem.badRequest(name + " must be an id");
                }
              });
    }

    private static int number(
        Map<String, List<String>> query, String name, int fallback, int min, int max) {
      return one(query, name)
          .map(
              s -> {
                try {
                  int n = Integer.parseInt(s);
                  if (n < min || n > max) {
                    throw HttpProblem.badRequest(name + " is between " + min + " and " + max);
                  }
                  return n;
                } catch (NumberFormatException e) {
                  throw HttpProblem.badRequest(name + " must be a whole number");
                }
              })
          .orElse(fallback);
    }
  }

  /** One alert as the pages and the API show it. */
  public record AlertRow(
      UUID id,
      UUID ruleId,
      String ruleName,
      UUID hostId,
      String hostname,
      Severity severity,
      String state,
      Double value,
      Double firedValue,
      Instant pendingSince,
      Instant firingSince,
      Instant resolvedAt,
      String resolvedReason,
      Instant acknowledgedAt,
      String acknowledgedBy,
      String acknowledgeComment,
      Instant silencedUntil) {
    public boolean isOpen() {
      return !"resolved".equals(state);
    }

    public boolean isAcknowledged() {
      return acknowledgedAt != null;
    }

    /** An open alert a silence covers now: it fires, but tells nobody. */
    public boolean isSilenced() {
      return isOpen() && silencedUntil != null && silencedUntil.isAfter(Instant.now());
    }
  }

  /** A page of alerts and how many match in all. */
  public record AlertPage(List<AlertRow> rows, long total, Filter filter) {}

  private static final String FROM =
      """
        FROM alert_instances i
        JOIN alert_rules r ON r.id = i.rule_id
        JOIN hosts h ON h.id = i.host_id
       WHERE i.org_id = :org
      """;

  public static AlertPage list(Handle handle, UUID orgId, HostScope scope, Filter filter) {
    String where = where(scope, filter);
    long total =
        bind(handle.createQuery("SELECT count(*) " + FROM + where), orgId, scope, filter)
            .mapTo(Long.class)
            .one();
    List<AlertRow> rows =
        bind(
                handle.createQuery(
                    "SELECT i.*, r.name AS rule_name, h.hostname "
                        + FROM
                        + where
                        + " ORDER BY i.pending_since DESC, i.id LIMIT :limit OFFSET :offset"),
                orgId,
                scope,
                filter)
            .bind("limit", filter.size())
            .bind("offset", (long) (filter.page() - 1) * filter.size())
            .map((rs, ctx) -> row(rs))
            .list();
    return new AlertPage(rows, total, filter);
  }

  /** Every alert the filter matches, newest first, at most the filter's size (an export). */
  public static List<AlertRow> listUpTo(Handle handle, UUID orgId, HostScope scope, Filter filter) {
    return bind(
            handle.createQuery(
                "SELECT i.*, r.name AS rule_name, h.hostname "
                    + FROM
                    + where(scope, filter)
                    + " ORDER BY i.pending_since DESC, i.id LIMIT :limit"),
            orgId,
            scope,
            filter)
        .bind("limit", filter.size())
        .map((rs, ctx) -> row(rs))
        .list();
  }

  /** One alert the user may see. */
  public static Optional<AlertRow> find(Handle handle, UUID orgId, HostScope scope, UUID id) {
    return scope
        .bind(
            handle.createQuery(
                "SELECT i.*, r.name AS rule_name, h.hostname "
                    + FROM
                    + " AND i.id = :id"
                    + scope.filter("i.host_id")))
        .bind("org", orgId)
        .bind("id", id)
        .map((rs, ctx) -> row(rs))
        .findOne();
  }

  private static String where(HostScope scope, Filter filter) {
    StringBuilder where = new StringBuilder(" AND ").append(filter.state().sql);
    filter.severity().ifPresent(s -> where.append(" AND i.severity = :severity"));
    filter.rule().ifPresent(r -> where.append(" AND i.rule_id = :rule"));
    filter.host().ifPresent(h -> where.append(" AND i.host_id = :host"));
    filter
        .group()
        .ifPresent(
            g ->
                where.append(
                    " AND i.host_id IN (SELECT gm.host_id FROM host_group_members gm"
                        + " WHERE gm.group_id = :group)"));
    if (!filter.search().isEmpty()) {
      where.append(
          " AND (h.hostname ILIKE :pattern OR h.display_name ILIKE :pattern"
              + " OR r.name ILIKE :pattern)");
    }
    where.append(scope.filter("i.host_id"));
    return where.toString();
  }

  private static Query bind(Query query, UUID orgId, HostScope scope, Filter filter) {
    filter.severity().ifPresent(s -> query.bind("severity", s.dbName()));
    filter.rule().ifPresent(r -> query.bind("rule", r));
    filter.host().ifPresent(h -> query.bind("host", h));
    filter.group().ifPresent(g -> query.bind("group", g));
    if (!filter.search().isEmpty()) {
      query.bind(
          "pattern",
          "%"
              + filter.search().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
              + "%");
    }
    scope.bind(query);
    return query.bind("org", orgId);
  }

  static AlertRow row(ResultSet rs) throws SQLException {
    return new AlertRow(
        rs.getObject("id", UUID.class),
        rs.getObject("rule_id", UUID.class),
        rs.getString("rule_name"),
        rs.getObject("host_id", UUID.class),
        rs.getString("hostname"),
        Severity.fromDb(rs.getString("severity")),
        rs.getString("state"),
        (Double) rs.getObject("value"),
        (Double) rs.getObject("fired_value"),
        instant(rs.getTimestamp("pending_since")),
        instant(rs.getTimestamp("firing_since")),
        instant(rs.getTimestamp("resolved_at")),
        rs.getString("resolved_reason"),
        instant(rs.getTimestamp("acknowledged_at")),
        rs.getString("acknowledged_by_name"),
        rs.getString("acknowledge_comment"),
        instant(rs.getTimestamp("silenced_until")));
  }

  private static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }
}
