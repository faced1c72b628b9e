package io.ctops.server.hosts;

import io.ctops.server.groups.HostTags;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A host's Overview tab: what it is, its agent, and its current vitals. {@code lastSeen} is the
 * agent's latest contact, its stream opening included; {@code agentTags} are the tags from the
 * agent's configuration, by key; {@code operatorTags} those operators set; {@code tags} both,
 * marked by source, the agent's that an operator's replaces marked overridden.
 */
public record HostDetail(
    UUID id,
    UUID orgId,
    String hostname,
    String displayName,
    List<String> ipAddresses,
    String os,
    String osVersion,
    String arch,
    Instant firstSeen,
    Instant lastSeen,
    String status,
    Float cpuPercent,
    Float memoryPercent,
    Float diskPercent,
    Long uptimeSeconds,
    int heartbeatIntervalSeconds,
    UUID agentId,
    String agentVersion,
    String agentStatus,
    Instant approvedAt,
    Instant deletedAt,
    Map<String, String> agentTags,
    Map<String, String> operatorTags,
    List<HostTags.ShownTag> tags) {

  public boolean isDeleted() {
    return deletedAt != null;
  }

  /**
   * The administrator's decision on the agent, which outlives its connection: an approved agent
   * that is disconnected ({@code offline}) is still approved.
   */
  public String approval() {
    return switch (agentStatus == null ? "" : agentStatus) {
      case "active", "offline" -> "Approved";
      case "pending" -> "Pending";
      case "revoked" -> "Revoked";
      default -> "—";
    };
  }

  /** The name to title the host with: its display name, else its hostname. */
  public String shownName() {
    return displayName == null || displayName.isBlank() ? hostname : displayName;
  }

  /** "3d 4h 12m"-style uptime; empty when unknown. */
  public String uptimeText() {
    if (uptimeSeconds == null) {
      return "";
    }
    long s = uptimeSeconds;
    long days = s / 86_400;
    long hours = (s % 86_400) / 3600;
    long minutes = (s % 3600) / 60;
    return days > 0
        ? days + "d " + hours + "h " + minutes + "m"
        : hours > 0 ? hours + "h " + minutes + "m" : minutes + "m";
  }
}
