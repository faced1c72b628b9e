package io.ctops.server.hosts;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One line of the host list. Vitals are null until the host reported them; {@code agentTags} are
 * the tags from the agent's configuration.
 */
public record HostRow(
    UUID id,
    String hostname,
    String displayName,
    String os,
    String osVersion,
    List<String> ipAddresses,
    Float cpuPercent,
    Float memoryPercent,
    Float diskPercent,
    Instant lastSeen,
    String status,
    Map<String, String> agentTags) {

  /** The threshold from which a vital counts as a hotspot and shows in red. */
  public static final float HOT_PERCENT = 80f;

  public static boolean isHot(Float percent) {
    return percent != null && percent >= HOT_PERCENT;
  }
}
