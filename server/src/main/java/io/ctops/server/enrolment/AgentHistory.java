package io.ctops.server.enrolment;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
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
    recordAll(handle, List.of(agentId), status, List.of(reason), clock);
  }

  /**
   * Records one transition for each agent, {@code reasons} in the same order, with two statements
   * however many there are (one notification per agent still).
   */
  public static void recordAll(
      Handle handle, List<UUID> agentIds, String status, List<String> reasons, Clock clock) {
    if (agentIds.size() != reasons.size()) {
      throw new IllegalArgumentException("one reason per agent");
    }
    if (agentIds.isEmpty()) {
      return;
    }
    UUID[] ids = agentIds.toArray(UUID[]::new);
    handle
        .createUpdate(
            "INSERT INTO agent_status_history (agent_id, status, reason, at)"
                + " SELECT id, :status, reason, :at"
                + " FROM unnest(CAST(:ids AS uuid[]), CAST(:reasons AS text[])) AS u(id, reason)")
        .bind("ids", ids)
        .bind("status", status)
        .bind("reasons", reasons.toArray(String[]::new))
        .bind("at", Timestamp.from(clock.instant()))
        .execute();
    handle
        .createUpdate(
            "SELECT pg_notify(:channel, '{\"agent_id\":\"' || id || '\",\"status\":\"'"
                + " || CAST(:status AS text) || '\"}') FROM unnest(CAST(:ids AS uuid[])) AS id")
        .bind("channel", NOTIFY_CHANNEL)
        .bind("status", status)
        .bind("ids", ids)
        .execute();
  }
}
