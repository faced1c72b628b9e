package io.ctops.server.hosts;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A host's Overview tab: what it is, its agent, and its current vitals. */
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
    Instant deletedAt) {

  public boolean isDeleted() {
    return deletedAt != null;
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
