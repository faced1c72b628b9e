package io.ctops.server.audit;

import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** The audit log as tests read it: straight from the table, so nothing the product shows hides. */
record AuditTrail(Jdbi jdbi) {

  /** One stored entry, its parameters as JSON text. */
  record Row(
      UUID orgId,
      String actorKind,
      UUID actorUserId,
      String actorName,
      String apiKeyName,
      String action,
      String targetType,
      String targetLabel,
      UUID targetHostId,
      String parameters,
      String outcome,
      String reason,
      String sourceAddress) {}

  /** The newest entry of the action; fails when there is none. */
  Row last(String action) {
    List<Row> rows = all(action);
    if (rows.isEmpty()) {
      throw new AssertionError("no audit entry for " + action);
    }
    return rows.get(0);
  }

  /** Every entry of the action, newest first. */
  List<Row> all(String action) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    SELECT org_id, actor_kind, actor_user_id, actor_name, api_key_name, action,
                           target_type, target_label, target_host_id, parameters::text,
                           outcome, reason, source_address
                      FROM audit_entries WHERE action = :action ORDER BY id DESC
                    """)
                .bind("action", action)
                .map(
                    (rs, ctx) ->
                        new Row(
                            rs.getObject(1, UUID.class),
                            rs.getString(2),
                            rs.getObject(3, UUID.class),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getString(6),
                            rs.getString(7),
                            rs.getString(8),
                            rs.getObject(9, UUID.class),
                            rs.getString(10),
                            rs.getString(11),
                            rs.getString(12),
                            rs.getString(13)))
                .list());
  }

  /** Every stored value of every entry as one text, to look for what must never be there. */
  String everything() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT coalesce(string_agg(CAST(e AS text), ' '), '') FROM audit_entries e")
                .mapTo(String.class)
                .one());
  }
}
