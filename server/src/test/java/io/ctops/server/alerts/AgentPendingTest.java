package io.ctops.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The agent pending kind's parameter and words; its SQL runs in the evaluator's tests. */
class AgentPendingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final AgentPending kind = new AgentPending();

  @Test
  void saysHowLongAnAgentWaitsAndRefusesANegativeWait() throws Exception {
    assertThat(kind.condition(JSON.readTree("{\"minutes\": 30}")).description())
        .isEqualTo("agent pending approval for over 30 minutes");
    assertThat(kind.condition(JSON.readTree("{\"minutes\": 30}")).readsHost()).isTrue();
    assertThatThrownBy(() -> kind.validate(JSON.readTree("{\"minutes\": -5}")))
        .isInstanceOf(InvalidRuleException.class)
        .hasMessageContaining("between 0 and 10080");
    assertThat(AlertKind.named("agent_pending")).containsInstanceOf(AgentPending.class);
    assertThat(AlertKind.named("weather")).isEmpty();
  }
}
