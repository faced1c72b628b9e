package io.ctops.server.audit;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * A host's History: its agent's status transitions (stored by enrolment and heartbeat since the
 * agent registered) and the audit entries that name the host, as one timeline, newest first.
 */
public final class HostHistory {
  private static final int LIMIT = 100;

  private final Jdbi jdbi;

  public HostHistory(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /**
   * One moment of the timeline: a status change ({@code actor} null, {@code what} the new status)
   * or an action ({@code what} its name, {@code failed} when it was refused).
   */
  public record Moment(
      Instant at, boolean isAction, String what, String detail, String actor, boolean failed) {}

  /** The newest {@link #LIMIT} moments; {@code agentId} may be null (no agent any more). */
  public List<Moment> timeline(UUID orgId, UUID hostId, UUID agentId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    """
                    (SELECT at, false AS is_action, status AS what, reason AS detail,
                            NULL AS actor, false AS failed, id
                       FROM agent_status_history
                      WHERE agent_id = :agent
                      ORDER BY at DESC, id DESC LIMIT :limit)
                    UNION ALL
                    (SELECT at, true, action,
                            concat_ws(': ', target_label, reason),
                            actor_name || coalesce(' (API key "' || api_key_name || '")', ''),
                            outcome = 'failed', id
                       FROM audit_entries
                      WHERE target_host_id = :host AND org_id = :org
                      ORDER BY at DESC, id DESC LIMIT :limit)
                    ORDER BY at DESC, id DESC LIMIT :limit
                    """)
                .bind("agent", agentId)
                .bind("host", hostId)
                .bind("org", orgId)
                .bind("limit", LIMIT)
                .map(
                    (rs, ctx) ->
                        new Moment(
                            rs.getTimestamp("at").toInstant(),
                            rs.getBoolean("is_action"),
                            rs.getString("what"),
                            rs.getString("detail"),
                            rs.getString("actor"),
                            rs.getBoolean("failed")))
                .list());
  }
}
