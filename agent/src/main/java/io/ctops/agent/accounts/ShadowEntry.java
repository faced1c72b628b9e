package io.ctops.agent.accounts;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code /etc/shadow} says of one account, never its hash: whether a password is set, whether
 * password sign-in is locked ({@code !} or {@code *} in place of a hash), when the password last
 * changed and when it or the account expires.
 */
record ShadowEntry(
    boolean passwordSet,
    boolean locked,
    Optional<Instant> lastChanged,
    Optional<Instant> passwordExpires,
    Optional<Instant> accountExpires) {
  // shadow(5): a max of 99999 days (or none) means the password never expires
  private static final long NEVER = 99_999;

  private static final long DAY = 86_400;

  /** The entries of a shadow file by user name, and how many lines were skipped. */
  record Parsed(Map<String, ShadowEntry> entries, int skipped) {}

  static Parsed parse(byte[] bytes, int maxEntries) {
    Map<String, ShadowEntry> entries = new HashMap<>();
    ColonLines lines = ColonLines.read(bytes, 9, maxEntries);
    for (String[] fields : lines.entries) {
      String hash = fields[1];
      long changed = ColonLines.days(fields[2]);
      long max = ColonLines.days(fields[4]);
      long expire = ColonLines.days(fields[7]);
      boolean locked = hash.startsWith("!") || hash.startsWith("*");
      String unlocked = hash.startsWith("!") ? hash.substring(1) : hash;
      boolean set = !unlocked.isEmpty() && !unlocked.startsWith("*") && !unlocked.startsWith("!");
      // a last change of 0 means "change it at the next sign-in", not 1970
      Optional<Instant> lastChanged =
          changed > 0 ? Optional.of(Instant.ofEpochSecond(changed * DAY)) : Optional.empty();
      Optional<Instant> expires =
          changed > 0 && max >= 0 && max < NEVER
              ? Optional.of(Instant.ofEpochSecond((changed + max) * DAY))
              : Optional.empty();
      Optional<Instant> accountExpires =
          expire >= 0 ? Optional.of(Instant.ofEpochSecond(expire * DAY)) : Optional.empty();
      entries.putIfAbsent(
          fields[0], new ShadowEntry(set, locked, lastChanged, expires, accountExpires));
    }
    return new Parsed(entries, lines.skipped);
  }
}
