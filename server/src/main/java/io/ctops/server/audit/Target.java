package io.ctops.server.audit;

import java.util.Optional;
import java.util.UUID;

/**
 * What an action was done to: its kind, id and a name a person recognises (copied, so the entry
 * still reads after the thing is gone), and the host it is or belongs to, for the host's History.
 */
public record Target(String type, String id, String label, Optional<UUID> hostId) {

  public static Target host(UUID hostId, String hostname) {
    return new Target("host", hostId.toString(), hostname, Optional.of(hostId));
  }

  public static Target agent(UUID agentId, Optional<UUID> hostId, Optional<String> hostname) {
    return new Target("agent", agentId.toString(), hostname.orElse(agentId.toString()), hostId);
  }

  public static Target token(UUID tokenId, String name) {
    return new Target("token", tokenId.toString(), name, Optional.empty());
  }

  public static Target apiKey(UUID keyId, String name) {
    return new Target("api_key", keyId.toString(), name, Optional.empty());
  }

  public static Target user(UUID userId, String email) {
    return new Target("user", userId.toString(), email, Optional.empty());
  }

  public static Target organisation(UUID orgId, String name) {
    return new Target("organisation", orgId.toString(), name, Optional.empty());
  }

  public static Target task(UUID taskId, UUID hostId, String type) {
    return new Target("task", taskId.toString(), type, Optional.of(hostId));
  }

  public static Target group(UUID groupId, String name) {
    return new Target("group", groupId.toString(), name, Optional.empty());
  }

  public static Target alertRule(UUID ruleId, String name) {
    return new Target("alert_rule", ruleId.toString(), name, Optional.empty());
  }

  public static Target check(UUID checkId, String name) {
    return new Target("check", checkId.toString(), name, Optional.empty());
  }

  /** An alert: its rule's name on its host. */
  public static Target alert(UUID alertId, UUID hostId, String label) {
    return new Target("alert", alertId.toString(), label, Optional.of(hostId));
  }

  /** A silence, named by its reason. */
  public static Target silence(UUID silenceId, String reason) {
    return new Target(
        "silence",
        silenceId.toString(),
        reason.length() > 80 ? reason.substring(0, 80) + "…" : reason,
        Optional.empty());
  }
}
