package io.ctops.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * A host not heard from for {@code minutes}: offline (its stream closed, or the sweeper found it
 * quiet), or still online on paper but stale (no heartbeat for two intervals). A host approved but
 * never heard from counts from its approval. Pending and revoked hosts are never offline.
 */
final class HostOffline implements AlertKind {
  /** The host's last contact: its last heartbeat, or its approval, or its registration. */
  private static final String LAST_CONTACT = "coalesce(v.last_seen, a.approved_at, h.first_seen)";

  @Override
  public String name() {
    return "host_offline";
  }

  @Override
  public ObjectNode validate(JsonNode parameters) {
    return JsonNodeFactory.instance
        .objectNode()
        .put("minutes", Minutes.of(parameters, "how long a host is offline before it fires"));
  }

  @Override
  public Condition condition(JsonNode parameters) {
    int minutes = Minutes.of(parameters, "offline");
    return new Condition(
        """
        h.status IN ('online', 'offline', 'unknown')
        AND (h.status <> 'online' OR v.last_seen IS NULL
             OR v.last_seen < CAST(:now AS timestamptz)
                              - 2 * make_interval(secs => v.heartbeat_interval_seconds))
        AND %s <= CAST(:now AS timestamptz) - make_interval(mins => :minutes)"""
            .formatted(LAST_CONTACT),
        "round(CAST(extract(epoch FROM CAST(:now AS timestamptz) - %s) / 60 AS numeric), 1)"
            .formatted(LAST_CONTACT),
        Map.of("minutes", minutes),
        minutes == 0 ? "host offline" : "host offline for " + Minutes.shown(minutes));
  }
}
