package io.ctops.server.hosts;

import io.ctops.server.auth.HostScope;
import io.ctops.server.groups.HostTags;
import io.ctops.server.hosts.HostListParams.Sort;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
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

  /** Hosts alone: the sorts that read only the hosts table. */
  private static final String FROM_HOSTS = "FROM hosts h";

  /** Hosts with their vitals; joining on the org too lets a vital's index lead with the org. */
  private static final String WITH_VITALS =
      "FROM hosts h JOIN host_vitals v ON v.host_id = h.id AND v.org_id = h.org_id";

  /** The organisation's live hosts, or only its soft-deleted ones under the Deleted filter. */
  private static final String IN_ORGANISATION =
      """
      WHERE h.org_id = :org
        AND (CASE WHEN :deleted THEN h.deleted_at IS NOT NULL ELSE h.deleted_at IS NULL END)
      """;

  /** Each filter matches every host when its value is bound as NULL, so the SQL never varies. */
  private static final String FILTER_BY_STATUS =
      """
        AND (CAST(:status AS text) IS NULL OR h.status = :status)
      """;

  private static final String FILTER_BY_OS =
      """
        AND (CAST(:os AS text) IS NULL OR h.os = :os)
      """;

  /**
   * The search: hostname, display name, addresses, tags and the text of live notes, each read
   * through its own trigram index and the matching ids united, so a search stays an index lookup
   * however many tables it reads.
   */
  private static String filterBySearch(HostListParams params) {
    return params.search().isEmpty()
        ? ""
        : """
            AND h.id IN (SELECT s.id FROM hosts s
                          WHERE s.org_id = :org
                            AND (CASE WHEN :deleted THEN s.deleted_at IS NOT NULL
                                      ELSE s.deleted_at IS NULL END)
                            AND (s.hostname ILIKE :pattern
                                OR s.display_name ILIKE :pattern OR s.ip_text ILIKE :pattern)
                         UNION
                         SELECT st.host_id FROM host_tags st WHERE st.search ILIKE :pattern
                         UNION
                         SELECT sn.host_id FROM notes sn
                          WHERE sn.deleted_at IS NULL AND sn.body ILIKE :pattern)
          """;
  }

  /** Every tag filter must hold: the GIN index on host_tags.terms answers "contains all of". */
  private static String filterByTags(HostListParams params) {
    return params.tags().isEmpty()
        ? ""
        : "  AND h.id IN (SELECT ht.host_id FROM host_tags ht"
            + " WHERE ht.terms @> CAST(:tags AS text[]))\n";
  }

  /** The Firing alerts card's filter: hosts with at least one firing alert. */
  private static String filterByAlerting(HostListParams params) {
    return params.status().orElse(null) == HostListParams.StatusFilter.ALERTING
        ? "  AND h.id IN (SELECT fa.host_id FROM alert_instances fa"
            + " WHERE fa.org_id = :org AND fa.state = 'firing')\n"
        : "";
  }

  /** A group's page: its members only, static or dynamic alike. */
  private static String filterByGroup(HostListParams params) {
    return params.group().isEmpty()
        ? ""
        : "  AND h.id IN (SELECT gm.host_id FROM host_group_members gm WHERE gm.group_id = :group)\n";
  }

  /** Only the hosts hot in one resource; the condition comes from the allow-list of the enum. */
  private static String filterByHotspot(HostListParams params) {
    return params
        .hot()
        .map(
            hot ->
                """
                  AND h.id IN (SELECT host_id FROM host_vitals
                                WHERE org_id = :org AND host_status = 'online' AND %s)
                """
                    .formatted(hot.sql))
        .orElse("");
  }

  private static String where(HostScope scope, HostListParams params) {
    return IN_ORGANISATION
        + FILTER_BY_STATUS
        + FILTER_BY_OS
        + filterBySearch(params)
        + filterByTags(params)
        + filterByAlerting(params)
        + filterByGroup(params)
        + filterByHotspot(params)
        + scope.filter("h.id");
  }

  /**
   * Picks the page's ids first, reading only index entries (or the sort key) of the matching rows,
   * then fetches the 50 (or 200) rows it shows: formatting every host's addresses before sorting
   * would cost more than the sort itself.
   */
  public HostPage page(UUID orgId, HostScope userScope, HostListParams params) {
    return page(orgId, userScope, params, OptionalLong.empty());
  }

  /**
   * One page, with the number of matching hosts given when the caller has just counted them (a
   * group's page, unfiltered, shows its live members: counted with the group).
   */
  public HostPage page(
      UUID orgId, HostScope userScope, HostListParams params, OptionalLong knownTotal) {
    HostScope scope = narrowest(userScope, params);
    return jdbi.inTransaction(
        handle -> {
          // Plan with the values: a plan cached for "any values" after a few runs of the same
          // text cannot see that a filter is unused or how many hosts a scope holds, and picks a
          // nested loop over every host (a scoped count went from 50 to 480 ms that way).
          handle.execute("SET LOCAL plan_cache_mode = force_custom_plan");
          planForIndexReads(handle);
          long total =
              knownTotal.isPresent()
                  ? knownTotal.getAsLong()
                  : bind(handle.createQuery(countMatching(scope, params)), orgId, scope, params)
                      .mapTo(Long.class)
                      .one();
          long offset = (long) (params.page() - 1) * params.pageSize();
          String ids = pageIds(scope, params);
          Query query =
              bind(handle.createQuery(rowsOfPage(ids)), orgId, scope, params)
                  .bind("limit", params.pageSize())
                  .bind("offset", offset);
          if (ids.contains(":window")) {
            query.bind("window", offset + params.pageSize());
          }
          List<HostRow> rows = query.map((rs, ctx) -> row(rs)).list();
          return new HostPage(rows, total, params);
        });
  }

  /**
   * A group the user holds a role on contains only hosts in their scope: its page needs no scope
   * filter (which would hash every host of every group of theirs on each request).
   */
  private static HostScope narrowest(HostScope scope, HostListParams params) {
    return params.group().filter(scope.groupIds()::contains).isPresent()
        ? HostScope.ORGANISATION
        : scope;
  }

  /**
   * The host list reads a few thousand index entries at most, from pages that are in memory: an
   * index probe then costs about what a sequential read does (the default prices it four times as
   * much, and a group of 2,000 hosts was counted by reading all 100,000 hosts: 70 ms instead of
   * 15), and gathering parallel workers costs more than they save. Inside a transaction only.
   */
  static void planForIndexReads(Handle handle) {
    handle.execute("SET LOCAL random_page_cost = 1.1");
    handle.execute("SET LOCAL max_parallel_workers_per_gather = 0");
  }

  private static String countMatching(HostScope scope, HostListParams params) {
    if (!scope.isWholeOrganisation() && params.hasNoFilter()) {
      return COUNT_SCOPE;
    }
    return """
        SELECT count(*)
        %s
        %s"""
        .formatted(FROM_HOSTS, where(scope, params));
  }

  /**
   * A scoped user's whole list counted from their groups' members alone, less the soft-deleted
   * hosts among them (a group's members are always its organisation's hosts): reading every host of
   * the organisation to join them with the members cost 100 ms at 100,000 hosts, this 25.
   */
  private static final String COUNT_SCOPE =
      """
      SELECT count(*)
        FROM (SELECT DISTINCT scope_m.host_id FROM host_group_members scope_m
               WHERE scope_m.group_id = ANY(:%s)) members
       WHERE NOT EXISTS (SELECT 1 FROM hosts d
                          WHERE d.id = members.host_id AND d.deleted_at IS NOT NULL)"""
          .formatted(HostScope.GROUPS_PARAMETER);

  /**
   * The ids of every host the view matches, in no order and ignoring the page: what "select all N
   * matching" acts on (at most {@code limit}).
   */
  public List<UUID> matchingIds(
      Handle handle, UUID orgId, HostScope userScope, HostListParams params, int limit) {
    HostScope scope = narrowest(userScope, params);
    return bind(
            handle.createQuery(
                "SELECT h.id " + FROM_HOSTS + "\n" + where(scope, params) + " LIMIT :limit"),
            orgId,
            scope,
            params)
        .bind("limit", limit)
        .mapTo(UUID.class)
        .list();
  }

  /** The rows shown for the page's ids, in the ids' order. */
  private static String rowsOfPage(String ids) {
    return """
        WITH page AS (SELECT ids.id, row_number() OVER () AS n FROM (
        %1$s
        ) ids)
        SELECT h.id, h.hostname, h.display_name, h.os, h.os_version,
               CAST(h.ip_addresses AS text[]) AS ips, v.cpu_percent,
               v.memory_percent, v.disk_percent, %2$s AS last_seen, h.status,
               ARRAY(SELECT t.key FROM jsonb_each_text(%3$s) t ORDER BY t.key) AS tag_keys,
               ARRAY(SELECT t.value FROM jsonb_each_text(%3$s) t ORDER BY t.key) AS tag_values,
               %4$s,
               fa.firing_alerts, fa.alert_severity
          FROM page JOIN hosts h ON h.id = page.id
          JOIN host_vitals v ON v.host_id = h.id
          -- the host's firing alerts and the highest of their severities, for the Alerts column
          CROSS JOIN LATERAL (
              SELECT count(*) AS firing_alerts,
                     (ARRAY['info', 'warning', 'critical'])[max(CASE ai.severity
                          WHEN 'critical' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END)]
                       AS alert_severity
                FROM alert_instances ai
               WHERE ai.host_id = h.id AND ai.state = 'firing') fa
         ORDER BY page.n
        """
        .formatted(
            ids, HostRecords.LAST_CONTACT, HostRecords.AGENT_TAGS, HostRecords.OPERATOR_TAGS);
  }

  /**
   * The ids of one page, in order. Every order has a matching index (V3__web.sql, the vitals' in
   * V5__host_vitals.sql).
   */
  static String pageIds(HostScope scope, HostListParams params) {
    Sort sort = params.sort();
    String where = where(scope, params);
    return switch (sort) {
      case HOSTNAME, STATUS, OS -> onePage(FROM_HOSTS, where, orderBy(sort, params.descending()));
      case CPU, MEMORY, DISK, LAST_SEEN ->
          params.descending()
              ? vitalDescendingNullsLast(sort, where)
              : onePage(WITH_VITALS, where, orderBy(sort, false));
    };
  }

  /**
   * Hostnames in natural order (web-2 before web-10): the ICU collation of V12__natural_sort.sql,
   * spelled exactly as the indexes are, so the planner reads them.
   */
  static final String NATURAL_HOSTNAME = "(lower(h.hostname) COLLATE ctops_natural)";

  /** The sort key, then hostname and id, so equal keys keep one order and pages never overlap. */
  private static String orderBy(Sort sort, boolean descending) {
    String dir = descending ? "DESC" : "ASC";
    return switch (sort) {
      case HOSTNAME -> NATURAL_HOSTNAME + " " + dir + ", h.id " + dir;
      case STATUS -> sort.sql + " " + dir + ", " + NATURAL_HOSTNAME + " " + dir + ", h.id " + dir;
      case OS -> "h.os " + dir + " NULLS LAST, " + NATURAL_HOSTNAME + " " + dir + ", h.id " + dir;
      case CPU, MEMORY, DISK, LAST_SEEN -> sort.sql + " " + dir + " NULLS LAST, h.id " + dir;
    };
  }

  private static String onePage(String from, String where, String orderBy) {
    return """
        SELECT h.id
        %s
        %s
         ORDER BY %s
         LIMIT :limit OFFSET :offset"""
        .formatted(from, where, orderBy);
  }

  /**
   * A vital sorted descending with NULLs last: reads the vital's ascending index backwards for the
   * hosts that have the value (at most {@code :window} of them, enough to reach the page's end),
   * then the hosts without it, instead of sorting every matching host.
   */
  private static String vitalDescendingNullsLast(Sort sort, String where) {
    return """
        SELECT u.id FROM (
          (SELECT h.id, 0 AS part, %1$s AS sort_key
           %2$s
           %3$s
             AND %1$s IS NOT NULL
           ORDER BY %1$s DESC, h.id DESC LIMIT :window)
          UNION ALL
          (SELECT h.id, 1 AS part, NULL AS sort_key
           %2$s
           %3$s
             AND %1$s IS NULL
           ORDER BY %1$s DESC, h.id DESC LIMIT :window)
        ) u
        ORDER BY u.part, u.sort_key DESC, u.id DESC LIMIT :limit OFFSET :offset"""
        .formatted(sort.sql, WITH_VITALS, where);
  }

  private static Query bind(Query query, UUID orgId, HostScope scope, HostListParams params) {
    boolean deleted = params.status().orElse(null) == HostListParams.StatusFilter.DELETED;
    if (!params.tags().isEmpty()) {
      query.bindArray("tags", String.class, (Object[]) params.tagTerms());
    }
    params.group().ifPresent(g -> query.bind("group", g));
    if (!params.search().isEmpty()) {
      query.bind("pattern", params.likePattern());
    }
    scope.bind(query);
    return query
        .bind("org", orgId)
        .bind("deleted", deleted)
        .bind(
            "status",
            params
                .status()
                .filter(s -> s != HostListParams.StatusFilter.DELETED)
                .filter(s -> s != HostListParams.StatusFilter.ALERTING)
                .map(s -> s.param())
                .orElse(null))
        .bind("os", params.os().orElse(null));
  }

  static HostRow row(ResultSet rs) throws SQLException {
    Timestamp lastSeen = rs.getTimestamp("last_seen");
    Map<String, String> agentTags =
        HostRecords.tags(rs.getArray("tag_keys"), rs.getArray("tag_values"));
    Map<String, String> operatorTags =
        HostRecords.tags(rs.getArray("operator_tag_keys"), rs.getArray("operator_tag_values"));
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
        rs.getString("status"),
        agentTags,
        operatorTags,
        HostTags.shown(agentTags, operatorTags),
        rs.getInt("firing_alerts"),
        rs.getString("alert_severity"));
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
}
