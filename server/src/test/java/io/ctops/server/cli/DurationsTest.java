package io.ctops.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationsTest {
  @Test
  void readsTheUnitsPeopleType() {
    assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(Durations.parse("24h")).isEqualTo(Duration.ofHours(24));
    assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("2w")).isEqualTo(Duration.ofDays(14));
    assertThat(Durations.parse("1d12h")).isEqualTo(Duration.ofHours(36));
    assertThat(Durations.parse("PT1H30M")).isEqualTo(Duration.ofMinutes(90));
  }

  @Test
  void rejectsAnythingElse() {
    for (String bad :
        new String[] {"", "soon", "10", "-5m", "0h", "5 m", "1y", "PTX", "99999999999999999999d"}) {
      assertThatThrownBy(() -> Durations.parse(bad))
          .as(bad)
          .isInstanceOf(TypeConversionException.class);
    }
  }
}
