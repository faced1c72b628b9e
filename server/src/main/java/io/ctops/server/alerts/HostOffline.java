package io.ctops.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * A host not heard from for {@code minutes}: offline (its stream closed, or the stale-host sweeper
 * found it silent for two heartbeat intervals and marked it offline) or never heard from since its
 * approval ({@code unknown}), counted from its last contact. Pending and revoked hosts are never
 * offline. Answered from the vitals (their copy of the status, and an index of the silent hosts'
 * last contact); the host row is read only for a host never heard from.
 */
final class HostOffline implements AlertKind {
  /** The host's last contact: its last heartbeat, or else its approval, or its registration. */
  private static final String LAST_CONTACT =
      "coalesce(v.last_seen, (SELECT coalesce(ha.approved_at, hh.first_seen) FROM hosts hh"
          + " LEFT JOIN agents ha ON ha.id = hh.agent_id WHERE hh.id = v.host_id))";

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
        "v.host_status IN ('offline', 'unknown') AND %s <= CAST(:now AS timestamptz)"
                .formatted(LAST_CONTACT)
            + " - make_interval(mins => :minutes)",
        "round(CAST(extract(epoch FROM CAST(:now AS timestamptz) - %s) / 60 AS numeric), 1)"
            .formatted(LAST_CONTACT),
        Map.of("minutes", minutes),
        minutes == 0 ? "host offline" : "host offline for " + Minutes.shown(minutes),
        false);
  }
}
