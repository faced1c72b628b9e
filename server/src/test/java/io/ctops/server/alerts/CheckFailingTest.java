package io.ctops.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The check failing kind's parameters and words; its SQL runs in the evaluator's tests. */
class CheckFailingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final CheckFailing kind = new CheckFailing();

  @Test
  void defaultsToThreeFailuresOfAnyCheckAndRefusesNonsense() throws Exception {
    assertThat(kind.validate(JSON.readTree("{}")).toString()).isEqualTo("{\"failures\":3}");
    assertThat(kind.condition(JSON.readTree("{\"failures\": 3}")).description())
        .isEqualTo("a check failing 3 times in a row");
    assertThat(
            kind.condition(
                    JSON.readTree(
                        "{\"check_id\": \"6f047905-20b4-409d-a642-17f251de7c8d\", \"failures\": 1}"))
                .description())
        .isEqualTo("the check failing");
    assertThatThrownBy(() -> kind.validate(JSON.readTree("{\"failures\": 0}")))
        .isInstanceOf(InvalidRuleException.class)
        .hasMessage("\"failures\" is between 1 and 1000");
    assertThatThrownBy(() -> kind.validate(JSON.readTree("{\"check_id\": \"ssh\"}")))
        .hasMessage("\"check_id\" is the id of a check (or leave it out: any)");
    assertThat(AlertKind.named("check_failing")).containsInstanceOf(CheckFailing.class);
  }
}
