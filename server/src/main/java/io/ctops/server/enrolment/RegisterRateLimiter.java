package io.ctops.server.enrolment;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits {@code Register} calls per remote address: a token bucket of {@code burst} calls refilled
 * at {@code perSecond}. A fleet rolling out behind one NAT stays well within it; a flood from one
 * address gets {@code RESOURCE_EXHAUSTED} before it reaches the database. Zero disables it.
 */
public final class RegisterRateLimiter {
  private final double perSecond;
  private final double burst;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  public RegisterRateLimiter(double perSecond, double burst) {
    this.perSecond = perSecond;
    this.burst = burst;
  }

  private static final class Bucket {
    double tokens;
    long updatedNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.updatedNanos = now;
    }
  }

  public boolean tryAcquire(String address) {
    if (perSecond <= 0) {
      return true;
    }
    long now = System.nanoTime();
    if (buckets.size() > 100_000) {
      // Forget addresses idle long enough to have refilled; keeps the map bounded.
      buckets.entrySet().removeIf(e -> (now - e.getValue().updatedNanos) / 1e9 * perSecond > burst);
    }
    Bucket bucket = buckets.computeIfAbsent(address, key -> new Bucket(burst, now));
    synchronized (bucket) {
      double refill = (now - bucket.updatedNanos) / 1e9 * perSecond;
      bucket.tokens = Math.min(burst, bucket.tokens + refill);
      bucket.updatedNanos = now;
      if (bucket.tokens < 1) {
        return false;
      }
      bucket.tokens -= 1;
      return true;
    }
  }
}
