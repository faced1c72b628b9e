package io.ctops.server.hosts;

import io.ctops.server.auth.HostScope;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.UuidParam;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * The Pending Approval panel: agents of the organisation waiting for an admin. A user scoped to
 * groups sees only those whose host already is in one of their groups (usually none).
 */
public final class PendingAgents {
  static final int LIMIT = 200;

  private final Jdbi jdbi;

  public PendingAgents(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** A waiting agent and what it told us about its host. */
  public record PendingAgent(
      UUID agentId,
      String hostname,
      List<String> ipAddresses,
      String os,
      String version,
      String tokenName,
      Instant registeredAt) {}

  public List<PendingAgent> list(UUID orgId, HostScope scope) {
    return jdbi.withHandle(
        handle ->
            scope
                .bind(
                    handle.createQuery(
                        """
                    SELECT a.id, h.hostname, CAST(h.ip_addresses AS text[]) AS ips, h.os,
                           a.version, t.name AS token_name, a.created_at
                      FROM agents a
                      LEFT JOIN hosts h ON h.agent_id = a.id
                      LEFT JOIN enrolment_tokens t ON t.id = a.enrolment_token_id
                     WHERE a.org_id = :org AND a.status = 'pending' %s
                     ORDER BY a.created_at, a.id LIMIT :limit
                    """
                            .formatted(scope.filter("h.id"))))
                .bind("org", orgId)
                .bind("limit", LIMIT)
                .map(
                    (rs, ctx) ->
                        new PendingAgent(
                            rs.getObject("id", UUID.class),
                            rs.getString("hostname"),
                            HostListQuery.addresses(rs.getArray("ips")),
                            rs.getString("os"),
                            rs.getString("version"),
                            rs.getString("token_name"),
                            ((Timestamp) rs.getObject("created_at")).toInstant()))
                .list());
  }

  /** The agent named by a path, if it is one of the organisation's; otherwise 404. */
  public UUID requireInOrg(UUID orgId, String pathId) {
    UUID agentId = UuidParam.parse(pathId, "agent");
    if (!belongsTo(orgId, agentId)) {
      throw HttpProblem.notFound("no such agent in this organisation");
    }
    return agentId;
  }

  /** Whether the agent is one of the organisation's (approve/revoke act only on those). */
  public boolean belongsTo(UUID orgId, UUID agentId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT EXISTS (SELECT 1 FROM agents WHERE id = :id AND org_id = :org)")
                .bind("id", agentId)
                .bind("org", orgId)
                .mapTo(Boolean.class)
                .one());
  }
}
