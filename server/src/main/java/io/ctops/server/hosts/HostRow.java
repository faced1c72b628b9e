package io.ctops.server.hosts;

import io.ctops.server.groups.HostTags;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One line of the host list. Vitals are null until the host reported them; {@code agentTags} are
 * the tags from the agent's configuration, {@code operatorTags} those operators set, and {@code
 * tags} both marked by source (an agent tag an operator's replaces marked overridden).
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
    Map<String, String> agentTags,
    Map<String, String> operatorTags,
    List<HostTags.ShownTag> tags,
    int firingAlerts,
    String alertSeverity) {

  /** The threshold from which a vital counts as a hotspot and shows in red. */
  public static final float HOT_PERCENT = 80f;

  /** The tags in effect, for the list's chips. */
  public List<HostTags.ShownTag> effectiveTags() {
    return tags.stream().filter(t -> !t.overridden()).toList();
  }

  /** Every tag in effect, for the chips' title. */
  public String effectiveTagsText() {
    return String.join(", ", effectiveTags().stream().map(t -> t.tag().toString()).toList());
  }

  public static boolean isHot(Float percent) {
    return percent != null && percent >= HOT_PERCENT;
  }
}
