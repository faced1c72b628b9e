package io.ctops.loadtest.run;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Acknowledgement times in microseconds, in buckets of at most 1/64 of their value (so any
 * percentile is within about 1.6 % of the truth), recorded lock-free from many threads. Fixed
 * memory whatever the number of samples, which matters at 100,000 agents for hours.
 */
final class LatencyHistogram {
  private static final int SUB_BITS = 6;
  private static final int SUB = 1 << SUB_BITS;
  private final AtomicLongArray counts = new AtomicLongArray(SUB + (64 - SUB_BITS) * SUB);

  void recordNanos(long nanos) {
    counts.incrementAndGet(index(Math.max(1, nanos / 1_000)));
  }

  static int index(long micros) {
    if (micros < SUB) {
      return (int) micros;
    }
    int exponent = 63 - Long.numberOfLeadingZeros(micros);
    int shift = exponent - SUB_BITS;
    int sub = (int) (micros >>> shift) - SUB;
    return SUB + shift * SUB + sub;
  }

  /** The smallest value that falls in bucket {@code index}. */
  static long lowest(int index) {
    if (index < SUB) {
      return index;
    }
    int shift = (index - SUB) / SUB;
    int sub = (index - SUB) % SUB;
    return (long) (SUB + sub) << shift;
  }

  long count() {
    long total = 0;
    for (int i = 0; i < counts.length(); i++) {
      total += counts.get(i);
    }
    return total;
  }

  /** The value at {@code quantile} (0..1) in milliseconds: its bucket's midpoint; 0 when empty. */
  double percentileMillis(double quantile) {
    long[] snapshot = new long[counts.length()];
    long total = 0;
    for (int i = 0; i < snapshot.length; i++) {
      snapshot[i] = counts.get(i);
      total += snapshot[i];
    }
    if (total == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(quantile * total));
    long seen = 0;
    for (int i = 0; i < snapshot.length; i++) {
      seen += snapshot[i];
      if (seen >= rank) {
        long low = lowest(i);
        long high = i + 1 < snapshot.length ? lowest(i + 1) : low;
        return (low + high) / 2.0 / 1_000.0;
      }
    }
    return 0;
  }

  double maxMillis() {
    for (int i = counts.length() - 1; i >= 0; i--) {
      if (counts.get(i) > 0) {
        return lowest(i + 1 < counts.length() ? i + 1 : i) / 1_000.0;
      }
    }
    return 0;
  }
}
