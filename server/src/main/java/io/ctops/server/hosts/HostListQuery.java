package io.ctops.server.hosts;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/**
 * The host list: one page of an organisation's hosts, searched, filtered and sorted in SQL. The
 * ORDER BY is chosen from {@link HostListParams.Sort}; NULL vitals go last in both directions, and
 * the host id breaks ties so pages never overlap.
 */
public final class HostListQuery {
  private final Jdbi jdbi;

  public HostListQuery(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** One page and the number of hosts matching the filters. */
  public record HostPage(List<HostRow> rows, long total, HostListParams params) {
    public int pageCount() {
      return (int) Math.max(1, (total + params.pageSize() - 1) / params.pageSize());
    }

    public long firstIndex() {
      return rows.isEmpty() ? 0 : (long) (params.page() - 1) * params.pageSize() + 1;
    }

    public long lastIndex() {
      return rows.isEmpty() ? 0 : firstIndex() + rows.size() - 1;
    }
  }

  private static final String WHERE =
      """
       WHERE h.org_id = :org
         AND (CASE WHEN :deleted THEN h.deleted_at IS NOT NULL ELSE h.deleted_at IS NULL END)
         AND (CAST(:status AS text) IS NULL OR h.status = :status)
         AND (CAST(:os AS text) IS NULL OR h.os = :os)
         AND (CAST(:pattern AS text) IS NULL
              OR h.hostname ILIKE :pattern OR h.display_name ILIKE :pattern
              OR h.ip_text ILIKE :pattern)
      """;

  public HostPage page(UUID orgId, HostListParams params) {
    String direction = params.descending() ? "DESC" : "ASC";
    String order =
        params.sort().sql + " " + direction + " NULLS LAST, lower(h.hostname) ASC, h.id ASC";
    return jdbi.inTransaction(
        handle -> {
          long total =
              bind(handle.createQuery("SELECT count(*) FROM hosts h" + WHERE), orgId, params)
                  .mapTo(Long.class)
                  .one();
          List<HostRow> rows =
              bind(
                      handle.createQuery(
                          """
                          SELECT h.id, h.hostname, h.display_name, h.os, h.os_version,
                                 CAST(h.ip_addresses AS text[]) AS ips, h.cpu_percent,
                                 h.memory_percent, h.disk_percent, h.last_seen, h.status
                            FROM hosts h
                          """
                              + WHERE
                              + " ORDER BY "
                              + order
                              + " LIMIT :limit OFFSET :offset"),
                      orgId,
                      params)
                  .bind("limit", params.pageSize())
                  .bind("offset", (long) (params.page() - 1) * params.pageSize())
                  .map((rs, ctx) -> row(rs))
                  .list();
          return new HostPage(rows, total, params);
        });
  }

  private static Query bind(Query query, UUID orgId, HostListParams params) {
    boolean deleted = params.status().orElse(null) == HostListParams.StatusFilter.DELETED;
    return query
        .bind("org", orgId)
        .bind("deleted", deleted)
        .bind("status", deleted ? null : params.status().map(s -> s.param()).orElse(null))
        .bind("os", params.os().orElse(null))
        .bind("pattern", params.search().isEmpty() ? null : params.likePattern());
  }

  static HostRow row(ResultSet rs) throws SQLException {
    Timestamp lastSeen = rs.getTimestamp("last_seen");
    return new HostRow(
        rs.getObject("id", UUID.class),
        rs.getString("hostname"),
        rs.getString("display_name"),
        rs.getString("os"),
        rs.getString("os_version"),
        addresses(rs.getArray("ips")),
        (Float) rs.getObject("cpu_percent"),
        (Float) rs.getObject("memory_percent"),
        (Float) rs.getObject("disk_percent"),
        lastSeen == null ? null : lastSeen.toInstant(),
        rs.getString("status"));
  }

  /** inet's text form carries a prefix length for non-host masks only; strip "/32" style noise. */
  static List<String> addresses(Array array) throws SQLException {
    if (array == null) {
      return List.of();
    }
    return Arrays.stream((String[]) array.getArray())
        .map(
            ip -> ip.endsWith("/32") || ip.endsWith("/128") ? ip.substring(0, ip.indexOf('/')) : ip)
        .toList();
  }

  /** The hosts' operating systems present now, for the OS filter's choices. */
  public List<String> operatingSystems(UUID orgId) {
    return jdbi.withHandle(
        (Handle handle) ->
            handle
                .createQuery(
                    "SELECT DISTINCT os FROM hosts WHERE org_id = :org AND deleted_at IS NULL"
                        + " AND os IS NOT NULL ORDER BY os")
                .bind("org", orgId)
                .mapTo(String.class)
                .list());
  }
}
