package io.ctops.server.groups;

import java.util.Map;
import java.util.UUID;

/**
 * Which hosts a selector names, in words for a list ("All hosts", "Group web-prod", "Host db-01",
 * "Tagged env:prod"). Only names the reader may see are given: a group or host missing from them
 * reads as {@code unknownGroup} or "One host", never as its id.
 *
 * @param groupNames the groups the reader sees, by id
 * @param hostnames the hosts named by selectors that the reader sees, by id (may be empty)
 * @param unknownGroup how a group not in {@code groupNames} reads
 */
public record SelectorWords(
    Map<UUID, String> groupNames, Map<UUID, String> hostnames, String unknownGroup) {
  public String of(HostSelector selector) {
    return switch (selector) {
      case HostSelector.AllHosts a -> "All hosts";
      case HostSelector.Group g ->
          groupNames.containsKey(g.groupId())
              ? "Group " + groupNames.get(g.groupId())
              : unknownGroup;
      case HostSelector.OneHost o ->
          hostnames.containsKey(o.hostId()) ? "Host " + hostnames.get(o.hostId()) : "One host";
      case HostSelector.Tags t ->
          "Tagged " + String.join(", ", t.tags().stream().map(Tag::toString).toList());
    };
  }
}
