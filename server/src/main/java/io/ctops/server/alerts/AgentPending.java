package io.ctops.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * An agent waiting for approval longer than {@code minutes}: someone enrolled a host with a token
 * that needs approval and nobody has looked. Approving or rejecting it clears the condition.
 */
final class AgentPending implements AlertKind {
  @Override
  public String name() {
    return "agent_pending";
  }

  @Override
  public ObjectNode validate(JsonNode parameters) {
    return JsonNodeFactory.instance
        .objectNode()
        .put("minutes", Minutes.of(parameters, "how long an agent waits before it fires"));
  }

  @Override
  public Condition condition(JsonNode parameters) {
    int minutes = Minutes.of(parameters, "pending");
    return new Condition(
        "h.status = 'pending' AND a.status = 'pending'"
            + " AND a.created_at <= CAST(:now AS timestamptz) - make_interval(mins => :minutes)",
        "round(CAST(extract(epoch FROM CAST(:now AS timestamptz) - a.created_at) / 60 AS numeric),"
            + " 1)",
        Map.of("minutes", minutes),
        "agent pending approval for over " + Minutes.shown(minutes),
        true);
  }
}
