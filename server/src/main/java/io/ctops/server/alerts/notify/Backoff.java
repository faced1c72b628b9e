package io.ctops.server.alerts.notify;

import java.time.Duration;

/**
 * When a message is tried again after a failed attempt: 1 minute after the first, then twice as
 * long each time, never more than an hour apart; after {@link #GIVE_UP_AFTER} from the message's
 * making it is given up.
 */
final class Backoff {
  static final Duration FIRST = Duration.ofMinutes(1);
  static final Duration MAX = Duration.ofHours(1);
  static final Duration GIVE_UP_AFTER = Duration.ofHours(24);

  private Backoff() {}

  /** The wait after the {@code failures}-th failed attempt (1 for the first). */
  static Duration after(int failures) {
    if (failures >= 7) {
      return MAX;
    }
    Duration wait = FIRST.multipliedBy(1L << Math.max(0, failures - 1));
    return wait.compareTo(MAX) > 0 ? MAX : wait;
  }
}
