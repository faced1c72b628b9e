package io.ctops.server.alerts;

import io.ctops.server.alerts.AlertQuery.AlertRow;
import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Acknowledging an open alert: who, when and why are kept and shown, repeat notifications stop, and
 * the alert keeps firing until its condition clears.
 */
final class AlertAcknowledgements {
  static final int MAX_COMMENT = 2_000;

  private AlertAcknowledgements() {}

  /** The outcome: done, or the alert is already resolved (nothing to acknowledge). */
  enum Outcome {
    ACKNOWLEDGED,
    ALREADY_RESOLVED
  }

  static Outcome acknowledge(
      Handle handle, UUID orgId, Actor actor, AlertRow alert, String comment, Instant now) {
    int changed =
        handle
            .createUpdate(
                """
                UPDATE alert_instances
                   SET acknowledged_at = :now, acknowledged_by = :user,
                       acknowledged_by_name = :name, acknowledge_comment = :comment
                 WHERE id = :id AND org_id = :org AND state <> 'resolved'
                """)
            .bind("now", Timestamp.from(now))
            .bind("user", actor.userId().orElse(null))
            .bind("name", actor.name())
            .bind("comment", comment)
            .bind("id", alert.id())
            .bind("org", orgId)
            .execute();
    if (changed == 0) {
      return Outcome.ALREADY_RESOLVED;
    }
    handle
        .createUpdate(
            "INSERT INTO alert_events (instance_id, at, event, detail)"
                + " VALUES (:id, :now, 'acknowledged', :detail)")
        .bind("id", alert.id())
        .bind("now", Timestamp.from(now))
        .bind("detail", actor.name() + (comment.isEmpty() ? "" : ": " + comment))
        .execute();
    AuditLog.record(
        handle,
        AuditEntry.of(orgId, actor, AuditAction.ALERT_ACKNOWLEDGE)
            .target(
                Target.alert(
                    alert.id(), alert.hostId(), alert.ruleName() + " on " + alert.hostname()))
            .param("comment", comment.isEmpty() ? null : comment));
    return Outcome.ACKNOWLEDGED;
  }
}
