package io.ctops.server.directory;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads whether an account is disabled or expired from Active Directory's attributes: bit 0x2
 * ({@code ACCOUNTDISABLE}) of {@code userAccountControl}, and {@code accountExpires}, a Windows
 * FILETIME (100-nanosecond intervals since 1601-01-01 UTC) where 0 and 0x7FFFFFFFFFFFFFFF both mean
 * never. Values that do not parse count as not set: the directory, not us, owns these accounts.
 */
final class AccountState {
  static final int ACCOUNT_DISABLE = 0x2;
  private static final Instant FILETIME_EPOCH = Instant.parse("1601-01-01T00:00:00Z");

  private AccountState() {}

  static boolean isDisabled(Optional<String> userAccountControl, Optional<String> disabledFlag) {
    boolean byControl =
        userAccountControl.flatMap(AccountState::parseLong).stream()
            .anyMatch(flags -> (flags & ACCOUNT_DISABLE) != 0);
    boolean byFlag =
        disabledFlag
            .map(v -> v.strip().toLowerCase(Locale.ROOT))
            .filter(v -> !v.isEmpty() && !v.equals("false") && !v.equals("0"))
            .isPresent();
    return byControl || byFlag;
  }

  /** When the account expires; empty when never (or the value does not parse). */
  static Optional<Instant> expiry(Optional<String> accountExpires) {
    return accountExpires
        .flatMap(AccountState::parseLong)
        .filter(ticks -> ticks > 0 && ticks != Long.MAX_VALUE)
        .map(
            ticks ->
                FILETIME_EPOCH
                    .plusSeconds(ticks / 10_000_000L)
                    .plus(Duration.ofNanos((ticks % 10_000_000L) * 100)));
  }

  static boolean isExpired(Optional<String> accountExpires, Instant now) {
    return expiry(accountExpires).filter(at -> !at.isAfter(now)).isPresent();
  }

  /** The FILETIME of an instant, as a directory would store it (tests write expiry dates). */
  static long fileTime(Instant at) {
    Duration since = Duration.between(FILETIME_EPOCH, at);
    return since.getSeconds() * 10_000_000L + since.getNano() / 100;
  }

  private static Optional<Long> parseLong(String text) {
    try {
      return Optional.of(Long.parseLong(text.strip()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
