package io.ctops.server.heartbeat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Which connected agents a recheck looks at in full: all of them while they are few, else the next
 * share in turn, so that every agent is looked at within {@code rounds} rechecks while each one
 * reads at most a {@code rounds}-th of a large fleet (never fewer than {@code atLeast} agents).
 */
final class RecheckRotation {
  private final int atLeast;
  private final int rounds;
  private int next;

  RecheckRotation(int atLeast, int rounds) {
    this.atLeast = atLeast;
    this.rounds = rounds;
  }

  /** The agents to look at this time, from {@code connected} (in a stable order). */
  List<UUID> next(List<UUID> connected) {
    int size = connected.size();
    int share = Math.max(atLeast, (size + rounds - 1) / rounds);
    if (share >= size) {
      next = 0;
      return connected;
    }
    int from = next % size;
    List<UUID> slice = new ArrayList<>(share);
    slice.addAll(connected.subList(from, Math.min(size, from + share)));
    if (slice.size() < share) {
      slice.addAll(connected.subList(0, share - slice.size()));
    }
    next = (from + share) % size;
    return slice;
  }
}
