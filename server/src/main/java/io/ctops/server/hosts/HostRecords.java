package io.ctops.server.hosts;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import io.ctops.server.auth.HostScope;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.enrolment.AgentApprovals;
import io.ctops.server.groups.HostTags;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.UuidParam;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * A single host's record: reading it for its page (always within the caller's organisation and host
 * scope, so another organisation's id, or a host outside the caller's groups, is simply not found),
 * soft delete and restore, and permanent removal, which revokes the agent first so it cannot come
 * back under the old identity. Each is in the audit log, in its own transaction; a refused restore
 * too.
 */
public final class HostRecords {
  private final Jdbi jdbi;
  private final AgentApprovals approvals;
  private final Clock clock;

  public HostRecords(Jdbi jdbi, AgentApprovals approvals, Clock clock) {
    this.jdbi = jdbi;
    this.approvals = approvals;
    this.clock = clock;
  }

  /**
   * The host, if the caller sees it: one of their organisation's, inside their host scope. Every
   * route that names a host looks it up here, so none can forget the scope.
   */
  public Optional<HostDetail> find(Principal who, UUID hostId) {
    return find(who.orgId(), who.scope(), hostId);
  }

  private Optional<HostDetail> find(UUID orgId, HostScope scope, UUID hostId) {
    return jdbi.withHandle(
        handle ->
            scope
                .bind(
                    handle.createQuery(
                        """
                    SELECT h.id, h.org_id, h.hostname, h.display_name,
                           CAST(h.ip_addresses AS text[]) AS ips, h.os, h.os_version, h.arch,
                           h.first_seen, %s AS last_seen, h.status, v.cpu_percent,
                           v.memory_percent, v.disk_percent, v.uptime_seconds,
                           v.heartbeat_interval_seconds, a.id AS agent_id, a.version,
                           a.status AS agent_status, a.approved_at, h.deleted_at,
                           ARRAY(SELECT t.key FROM jsonb_each_text(%s) t ORDER BY t.key)
                             AS tag_keys,
                           ARRAY(SELECT t.value FROM jsonb_each_text(%s) t ORDER BY t.key)
                             AS tag_values,
                           %s
                      FROM hosts h JOIN host_vitals v ON v.host_id = h.id
                      LEFT JOIN agents a ON a.id = h.agent_id
                     WHERE h.id = :id AND h.org_id = :org %s
                    """
                            .formatted(
                                LAST_CONTACT,
                                AGENT_TAGS,
                                AGENT_TAGS,
                                OPERATOR_TAGS,
                                scope.filter("h.id"))))
                .bind("id", hostId)
                .bind("org", orgId)
                .map(
                    (rs, ctx) ->
                        new HostDetail(
                            rs.getObject("id", UUID.class),
                            rs.getObject("org_id", UUID.class),
                            rs.getString("hostname"),
                            rs.getString("display_name"),
                            HostListQuery.addresses(rs.getArray("ips")),
                            rs.getString("os"),
                            rs.getString("os_version"),
                            rs.getString("arch"),
                            instant(rs.getTimestamp("first_seen")),
                            instant(rs.getTimestamp("last_seen")),
                            rs.getString("status"),
                            (Float) rs.getObject("cpu_percent"),
                            (Float) rs.getObject("memory_percent"),
                            (Float) rs.getObject("disk_percent"),
                            (Long) rs.getObject("uptime_seconds"),
                            rs.getInt("heartbeat_interval_seconds"),
                            rs.getObject("agent_id", UUID.class),
                            rs.getString("version"),
                            rs.getString("agent_status"),
                            instant(rs.getTimestamp("approved_at")),
                            instant(rs.getTimestamp("deleted_at")),
                            agentTags(rs),
                            operatorTags(rs),
                            HostTags.shown(agentTags(rs), operatorTags(rs))))
                .findOne());
  }

  /**
   * The agent's latest contact: its newest heartbeat, or the opening of the stream it is connected
   * on, which comes first (an agent that just connected has been seen, though its first vitals may
   * still be on the way).
   */
  static final String LAST_CONTACT =
      "greatest(v.last_seen, CASE WHEN h.status = 'online' THEN h.stream_opened_at END)";

  /** The tags from the agent's configuration, which registration keeps in the host's metadata. */
  static final String AGENT_TAGS =
      "CASE WHEN jsonb_typeof(h.metadata->'tags') = 'object' THEN h.metadata->'tags'"
          + " ELSE '{}' END";

  /** The operators' tags as key and value arrays, in key order, for {@link #tags}. */
  static final String OPERATOR_TAGS =
      """
      ARRAY(SELECT t.key FROM jsonb_each_text(h.operator_tags) t ORDER BY t.key)
        AS operator_tag_keys,
      ARRAY(SELECT t.value FROM jsonb_each_text(h.operator_tags) t ORDER BY t.key)
        AS operator_tag_values""";

  private static Map<String, String> agentTags(ResultSet rs) throws SQLException {
    return tags(rs.getArray("tag_keys"), rs.getArray("tag_values"));
  }

  private static Map<String, String> operatorTags(ResultSet rs) throws SQLException {
    return tags(rs.getArray("operator_tag_keys"), rs.getArray("operator_tag_values"));
  }

  static Map<String, String> tags(Array keys, Array values) throws SQLException {
    String[] k = (String[]) keys.getArray();
    String[] v = (String[]) values.getArray();
    Map<String, String> tags = new LinkedHashMap<>();
    for (int i = 0; i < k.length; i++) {
      tags.put(k[i], v[i]);
    }
    return Collections.unmodifiableMap(tags);
  }

  /**
   * Sets or clears (empty) the host's display name; false when the host is not a live host of the
   * organisation.
   */
  public boolean setDisplayName(UUID orgId, UUID hostId, Optional<String> displayName, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          Optional<String> hostname =
              handle
                  .createQuery(
                      "UPDATE hosts SET display_name = :name"
                          + " WHERE id = :id AND org_id = :org AND deleted_at IS NULL"
                          + " RETURNING hostname")
                  .bind("name", displayName.orElse(null))
                  .bind("id", hostId)
                  .bind("org", orgId)
                  .mapTo(String.class)
                  .findOne();
          hostname.ifPresent(
              name ->
                  AuditLog.record(
                      handle,
                      AuditEntry.of(orgId, by, AuditAction.HOST_RENAME)
                          .target(Target.host(hostId, name))
                          .param("display_name", displayName.orElse(""))));
          return hostname.isPresent();
        });
  }

  /**
   * The host named by a path, if the caller sees it; otherwise 404, the same answer for another
   * organisation's host as for one outside the caller's groups.
   */
  public HostDetail require(Principal who, String pathId) {
    return find(who, UuidParam.parse(pathId, "host"))
        .orElseThrow(() -> HttpProblem.notFound("no such host in this organisation"));
  }

  /**
   * The caller's role on a host they see: their organisation role, or for a user scoped to groups
   * the highest role of their groups that contain it. Actions on the host are allowed by this role.
   */
  public Role roleOn(Principal who, HostDetail host) {
    if (who.scope().isWholeOrganisation()) {
      return who.role();
    }
    return jdbi.withHandle(handle -> who.scope().roleOn(handle, host.id(), who.role()))
        .orElseThrow(() -> HttpProblem.notFound("no such host in this organisation"));
  }

  /** Hides the host from lists and counts; the record stays. False when not found or deleted. */
  public boolean softDelete(UUID orgId, UUID hostId, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          Optional<String> hostname =
              handle
                  .createQuery(
                      "UPDATE hosts SET deleted_at = :now, deleted_by = :user"
                          + " WHERE id = :id AND org_id = :org AND deleted_at IS NULL"
                          + " RETURNING hostname")
                  .bind("now", Timestamp.from(clock.instant()))
                  .bind("user", by.userId().orElse(null))
                  .bind("id", hostId)
                  .bind("org", orgId)
                  .mapTo(String.class)
                  .findOne();
          hostname.ifPresent(
              name ->
                  AuditLog.record(
                      handle,
                      AuditEntry.of(orgId, by, AuditAction.HOST_DELETE)
                          .target(Target.host(hostId, name))));
          return hostname.isPresent();
        });
  }

  /**
   * Soft-deletes the organisation's live hosts among {@code hostIds} in one statement, as {@link
   * #softDelete} does one; returns how many were deleted. Records nothing: the caller records the
   * whole action once (a bulk job over many chunks of hosts).
   */
  public static int softDeleteAll(
      Handle handle, UUID orgId, Collection<UUID> hostIds, Actor by, Instant now) {
    return handle
        .createUpdate(
            "UPDATE hosts SET deleted_at = :now, deleted_by = :user"
                + " WHERE org_id = :org AND deleted_at IS NULL AND id = ANY(:ids)")
        .bind("now", Timestamp.from(now))
        .bind("user", by.userId().orElse(null))
        .bind("org", orgId)
        .bindArray("ids", UUID.class, hostIds)
        .execute();
  }

  /** Outcome of bringing back a soft-deleted host. */
  public sealed interface Restore {
    record Restored() implements Restore {}

    record NotDeleted() implements Restore {}

    /** A live host took its hostname or address meanwhile; two live hosts may not share them. */
    record Conflict(String reason) implements Restore {}
  }

  public Restore restore(UUID orgId, HostDetail host, Actor by) {
    UUID hostId = host.id();
    AuditEntry entry =
        AuditEntry.of(orgId, by, AuditAction.HOST_RESTORE)
            .target(Target.host(hostId, host.hostname()));
    return jdbi.inTransaction(
        handle -> {
          Optional<String> conflict =
              handle
                  .createQuery(
                      """
                      SELECT o.hostname FROM hosts h JOIN hosts o
                        ON o.org_id = h.org_id AND o.id <> h.id AND o.deleted_at IS NULL
                       AND (lower(o.hostname) = lower(h.hostname) OR o.ip_addresses && h.ip_addresses)
                       WHERE h.id = :id AND h.org_id = :org AND h.deleted_at IS NOT NULL
                       LIMIT 1
                      """)
                  .bind("id", hostId)
                  .bind("org", orgId)
                  .mapTo(String.class)
                  .findOne();
          if (conflict.isPresent()) {
            String reason =
                "live host "
                    + conflict.get()
                    + " has the same hostname or an address of this one; delete it first";
            AuditLog.record(handle, entry.failed(reason));
            return new Restore.Conflict(reason);
          }
          int updated =
              handle
                  .createUpdate(
                      "UPDATE hosts SET deleted_at = NULL, deleted_by = NULL"
                          + " WHERE id = :id AND org_id = :org AND deleted_at IS NOT NULL")
                  .bind("id", hostId)
                  .bind("org", orgId)
                  .execute();
          if (updated == 0) {
            AuditLog.record(handle, entry.failed("the host is not deleted"));
            return new Restore.NotDeleted();
          }
          AuditLog.record(handle, entry);
          return new Restore.Restored();
        });
  }

  /**
   * Revokes the host's agent (recorded in its history), then removes the host and its metric
   * samples. False when the host is not in the organisation.
   */
  public boolean deletePermanently(UUID orgId, UUID hostId, Actor by) {
    Optional<HostDetail> host = find(orgId, HostScope.ORGANISATION, hostId);
    if (host.isEmpty()) {
      return false;
    }
    UUID agentId = host.get().agentId();
    if (agentId != null && !"revoked".equals(host.get().agentStatus())) {
      approvals.revoke(agentId, "host deleted permanently by " + by.describe(), by);
    }
    jdbi.useTransaction(
        handle -> {
          AuditLog.record(
              handle,
              AuditEntry.of(orgId, by, AuditAction.HOST_DELETE_PERMANENTLY)
                  .target(Target.host(hostId, host.get().hostname())));
          handle
              .createUpdate("DELETE FROM host_metrics WHERE host_id = :id")
              .bind("id", hostId)
              .execute();
          handle
              .createUpdate("DELETE FROM hosts WHERE id = :id AND org_id = :org")
              .bind("id", hostId)
              .bind("org", orgId)
              .execute();
        });
    return true;
  }

  private static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }
}
