package io.ctops.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The host offline kind's parameter and words; its SQL runs in the evaluator's tests. */
class HostOfflineTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HostOffline kind = new HostOffline();

  @Test
  void minutesDefaultToNoneAndStayWithinAWeek() throws Exception {
    assertThat(kind.validate(JSON.readTree("{}")).toString()).isEqualTo("{\"minutes\":0}");
    assertThat(kind.condition(kind.validate(JSON.readTree("{}"))).description())
        .isEqualTo("host offline");
    assertThat(kind.condition(JSON.readTree("{\"minutes\": 1}")).description())
        .isEqualTo("host offline for 1 minute");
    assertThat(kind.condition(JSON.readTree("{\"minutes\": 10}")).readsHost()).isFalse();
    assertThatThrownBy(() -> kind.validate(JSON.readTree("{\"minutes\": 10081}")))
        .isInstanceOf(InvalidRuleException.class)
        .hasMessageContaining("between 0 and 10080");
    assertThatThrownBy(() -> kind.validate(JSON.readTree("{\"minutes\": 2.5}")))
        .hasMessageContaining("whole number");
  }
}
