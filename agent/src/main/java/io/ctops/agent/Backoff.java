package io.ctops.agent;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Reconnect delays: 1 s, 2 s, 4 s … capped at 60 s, each with ±20 % jitter; never a tight loop. */
final class Backoff {
  private static final Duration FIRST = Duration.ofSeconds(1);
  private static final Duration CAP = Duration.ofSeconds(60);
  private Duration next = FIRST;

  Duration next() {
    Duration base = next;
    next = next.multipliedBy(2).compareTo(CAP) > 0 ? CAP : next.multipliedBy(2);
    double jitter = 0.8 + ThreadLocalRandom.current().nextDouble() * 0.4;
    return Duration.ofMillis((long) (base.toMillis() * jitter));
  }

  void reset() {
    next = FIRST;
  }
}
