package io.ctops.server.heartbeat;

import java.util.Collection;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which sample timestamps of one stream are durable, and so how far the agent may drop its buffer:
 * the watermark is the newest timestamp T such that every sample received with a timestamp up to T
 * has been committed. A sample that failed to commit holds the watermark below it until a re-sent
 * copy commits, so the agent never drops a sample the server does not have. Not thread-safe; the
 * stream guards it.
 */
final class AckWindow {
  private final TreeMap<Long, Integer> inFlight = new TreeMap<>();
  private final TreeSet<Long> failed = new TreeSet<>();
  private long newestDurable = 0;
  private long watermark = 0;

  void sent(Collection<Long> timestamps) {
    for (long timestamp : timestamps) {
      inFlight.merge(timestamp, 1, Integer::sum);
    }
  }

  void settled(Collection<Long> timestamps, boolean durable) {
    for (long timestamp : timestamps) {
      inFlight.computeIfPresent(timestamp, (key, count) -> count == 1 ? null : count - 1);
      if (durable) {
        failed.remove(timestamp);
        newestDurable = Math.max(newestDurable, timestamp);
      } else if (timestamp > watermark) {
        // Already acknowledged timestamps are durable whatever this copy's fate.
        failed.add(timestamp);
      }
    }
  }

  /** The newest timestamp the agent may drop through; never moves backwards. */
  long watermark() {
    long candidate = newestDurable;
    Long firstInFlight = inFlight.isEmpty() ? null : inFlight.firstKey();
    Long firstFailed = failed.isEmpty() ? null : failed.first();
    if (firstInFlight != null && firstInFlight <= candidate) {
      candidate = firstInFlight - 1;
    }
    if (firstFailed != null && firstFailed <= candidate) {
      candidate = firstFailed - 1;
    }
    watermark = Math.max(watermark, candidate);
    return watermark;
  }
}
