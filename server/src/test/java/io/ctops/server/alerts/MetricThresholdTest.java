package io.ctops.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * The threshold kind's parameters: each vital's range, the comparisons, what it says in words and
 * the SQL it gives (the evaluator's tests run that SQL on a real database).
 */
class MetricThresholdTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final MetricThreshold kind = new MetricThreshold();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void normalisesAndDescribesEveryVital() throws Exception {
    JsonNode cpu =
        kind.validate(
            json("{\"metric\": \"cpu\", \"operator\": \">=\", \"threshold\": 90, \"x\": 1}"));
    assertThat(cpu.toString())
        .isEqualTo("{\"metric\":\"cpu\",\"operator\":\">=\",\"threshold\":90.0}");
    assertThat(kind.condition(cpu).description()).isEqualTo("CPU ≥ 90 %");
    assertThat(kind.condition(cpu).test()).contains("v.cpu_percent >= :threshold");
    assertThat(kind.condition(cpu).readsHost()).isFalse();

    JsonNode rx =
        kind.validate(
            json(
                "{\"metric\": \"network_receive\", \"operator\": \"<\", \"threshold\": 1250000.5}"));
    assertThat(kind.condition(rx).description()).isEqualTo("network receive < 1,250,000.50 B/s");
    assertThat(kind.condition(rx).value()).isEqualTo("v.net_rx_bytes_per_sec");
  }

  @Test
  void refusesWhatNoVitalCanMean() {
    assertThatThrownBy(
            () ->
                kind.validate(
                    json("{\"metric\": \"cpu\", \"operator\": \">\", \"threshold\": 150}")))
        .isInstanceOf(InvalidRuleException.class)
        .hasMessageContaining("between 0 and 100 %");
    assertThatThrownBy(
            () ->
                kind.validate(
                    json("{\"metric\": \"disk\", \"operator\": \">\", \"threshold\": -1}")))
        .hasMessageContaining("between 0 and 100");
    assertThatThrownBy(
            () ->
                kind.validate(
                    json("{\"metric\": \"temperature\", \"operator\": \">\", \"threshold\": 1}")))
        .hasMessageContaining(
            "\"metric\" is one of cpu, memory, disk, network_receive, network_transmit");
    assertThatThrownBy(
            () ->
                kind.validate(
                    json("{\"metric\": \"cpu\", \"operator\": \"==\", \"threshold\": 1}")))
        .hasMessageContaining("\"operator\" is one of");
    assertThatThrownBy(
            () ->
                kind.validate(
                    json("{\"metric\": \"cpu\", \"operator\": \">\", \"threshold\": \"90\"}")))
        .hasMessageContaining("a number");
  }
}
