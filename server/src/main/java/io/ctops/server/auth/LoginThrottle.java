package io.ctops.server.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits failed sign-ins per account and per client address within a sliding window, so a password
 * cannot be guessed online and one address cannot spray many accounts. Successful sign-ins clear
 * the account's count.
 */
public final class LoginThrottle {
  static final int MAX_FAILURES_PER_ACCOUNT = 5;
  static final int MAX_FAILURES_PER_ADDRESS = 20;
  static final Duration WINDOW = Duration.ofMinutes(15);
  private static final int MAX_TRACKED = 100_000;

  private final Clock clock;
  private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

  public LoginThrottle(Clock clock) {
    this.clock = clock;
  }

  /** Whether another attempt for this account from this address may be checked now. */
  public boolean allows(String email, String address) {
    Instant since = clock.instant().minus(WINDOW);
    return recent(accountKey(email), since) < MAX_FAILURES_PER_ACCOUNT
        && recent(addressKey(address), since) < MAX_FAILURES_PER_ADDRESS;
  }

  public void failed(String email, String address) {
    if (failures.size() > MAX_TRACKED) {
      prune();
    }
    Instant now = clock.instant();
    for (String key : new String[] {accountKey(email), addressKey(address)}) {
      failures.computeIfAbsent(key, k -> new ArrayDeque<>());
      failures.computeIfPresent(
          key,
          (k, times) -> {
            times.addLast(now);
            return times;
          });
    }
  }

  public void succeeded(String email) {
    failures.remove(accountKey(email));
  }

  private int recent(String key, Instant since) {
    int[] count = {0};
    failures.computeIfPresent(
        key,
        (k, times) -> {
          while (!times.isEmpty() && times.peekFirst().isBefore(since)) {
            times.removeFirst();
          }
          count[0] = times.size();
          return times.isEmpty() ? null : times;
        });
    return count[0];
  }

  private void prune() {
    Instant since = clock.instant().minus(WINDOW);
    failures.keySet().forEach(key -> recent(key, since));
  }

  private static String accountKey(String email) {
    return "a:" + (email == null ? "" : email.strip().toLowerCase(Locale.ROOT));
  }

  private static String addressKey(String address) {
    return "ip:" + address;
  }
}
