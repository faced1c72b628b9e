package io.ctops.server.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AccountStateTest {
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

  @Test
  void accountDisableBitOfUserAccountControlMeansDisabled() {
    assertThat(AccountState.isDisabled(Optional.of("512"), Optional.empty())).isFalse();
    assertThat(AccountState.isDisabled(Optional.of("514"), Optional.empty())).isTrue();
    assertThat(AccountState.isDisabled(Optional.of("66050"), Optional.empty())).isTrue();
    assertThat(AccountState.isDisabled(Optional.of("junk"), Optional.empty())).isFalse();
    assertThat(AccountState.isDisabled(Optional.empty(), Optional.empty())).isFalse();
  }

  @Test
  void aConfiguredFlagAttributeDisablesUnlessFalse() {
    assertThat(AccountState.isDisabled(Optional.empty(), Optional.of("TRUE"))).isTrue();
    assertThat(AccountState.isDisabled(Optional.empty(), Optional.of("false"))).isFalse();
    assertThat(AccountState.isDisabled(Optional.empty(), Optional.of("0"))).isFalse();
  }

  @Test
  void accountExpiresIsAWindowsFiletimeWhereZeroAndMaxMeanNever() {
    assertThat(AccountState.expiry(Optional.of("0"))).isEmpty();
    assertThat(AccountState.expiry(Optional.of("9223372036854775807"))).isEmpty();
    assertThat(AccountState.expiry(Optional.of("132223104000000000")))
        .contains(Instant.parse("2020-01-01T00:00:00Z"));
    assertThat(AccountState.fileTime(Instant.parse("2100-01-01T00:00:00Z")))
        .isEqualTo(157469184000000000L);
    assertThat(AccountState.isExpired(Optional.of("132223104000000000"), NOW)).isTrue();
    assertThat(AccountState.isExpired(Optional.of("157469184000000000"), NOW)).isFalse();
    assertThat(AccountState.isExpired(Optional.of(Long.toString(AccountState.fileTime(NOW))), NOW))
        .as("expires at this very instant")
        .isTrue();
  }
}
