package io.ctops.server.enrolment;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The agent status history: every transition with its reason, in the same transaction as the
 * transition itself, announced with {@code NOTIFY agent_status} for whoever watches (the web app's
 * live badges, other ingest instances).
 */
public final class AgentHistory {
  public static final String NOTIFY_CHANNEL = "agent_status";

  private AgentHistory() {}

  public static void record(
      Handle handle, UUID agentId, String status, String reason, Clock clock) {
    handle
        .createUpdate(
            "INSERT INTO agent_status_history (agent_id, status, reason, at)"
                + " VALUES (:id, :status, :reason, :at)")
        .bind("id", agentId)
        .bind("status", status)
        .bind("reason", reason)
        .bind("at", Timestamp.from(clock.instant()))
        .execute();
    handle.execute(
        "SELECT pg_notify(?, ?)",
        NOTIFY_CHANNEL,
        "{\"agent_id\":\"" + agentId + "\",\"status\":\"" + status + "\"}");
  }
}
