package io.ctops.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A vital crossing a threshold: {@code {"metric": "cpu", "operator": ">=", "threshold": 90}}, on
 * the host's latest vitals. Online hosts only: an offline host's last vitals are not current (the
 * host offline kind watches those).
 */
final class MetricThreshold implements AlertKind {
  /** The vitals a rule may watch, each a column of {@code host_vitals}. */
  enum Metric {
    CPU("cpu", "CPU", "cpu_percent", 100, "%"),
    MEMORY("memory", "memory", "memory_percent", 100, "%"),
    DISK("disk", "disk", "disk_percent", 100, "%"),
    NETWORK_RECEIVE("network_receive", "network receive", "net_rx_bytes_per_sec", 1e12, "B/s"),
    NETWORK_TRANSMIT("network_transmit", "network transmit", "net_tx_bytes_per_sec", 1e12, "B/s");

    final String param;
    final String label;
    final String column;
    final double max;
    final String unit;

    Metric(String param, String label, String column, double max, String unit) {
      this.param = param;
      this.label = label;
      this.column = column;
      this.max = max;
      this.unit = unit;
    }
  }

  /** The comparisons, as written in SQL and shown. */
  enum Operator {
    ABOVE(">", ">"),
    AT_LEAST(">=", "≥"),
    BELOW("<", "<"),
    AT_MOST("<=", "≤");

    final String sql;
    final String shown;

    Operator(String sql, String shown) {
      this.sql = sql;
      this.shown = shown;
    }
  }

  @Override
  public String name() {
    return "metric_threshold";
  }

  @Override
  public ObjectNode validate(JsonNode parameters) {
    Metric metric = metric(parameters);
    Operator operator = operator(parameters);
    JsonNode threshold = parameters.path("threshold");
    if (!threshold.isNumber()) {
      throw new InvalidRuleException("a metric threshold needs \"threshold\": a number");
    }
    double value = threshold.asDouble();
    if (!(value >= 0 && value <= metric.max)) {
      throw new InvalidRuleException(
          "the threshold of "
              + metric.label
              + " is between 0 and "
              + number(metric.max)
              + " "
              + metric.unit);
    }
    return JsonNodeFactory.instance
        .objectNode()
        .put("metric", metric.param)
        .put("operator", operator.sql)
        .put("threshold", value);
  }

  @Override
  public Condition condition(JsonNode parameters) {
    Metric metric = metric(parameters);
    Operator operator = operator(parameters);
    double threshold = parameters.path("threshold").asDouble();
    String column = "v." + metric.column;
    return new Condition(
        "v.host_status = 'online' AND " + column + " " + operator.sql + " :threshold",
        column,
        Map.of("threshold", threshold),
        metric.label + " " + operator.shown + " " + number(threshold) + " " + metric.unit,
        false);
  }

  private static Metric metric(JsonNode parameters) {
    String name = parameters.path("metric").asText("");
    return Arrays.stream(Metric.values())
        .filter(m -> m.param.equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new InvalidRuleException(
                    "\"metric\" is one of "
                        + Arrays.stream(Metric.values())
                            .map(m -> m.param)
                            .collect(Collectors.joining(", "))));
  }

  private static Operator operator(JsonNode parameters) {
    String sql = parameters.path("operator").asText("");
    return Arrays.stream(Operator.values())
        .filter(o -> o.sql.equals(sql))
        .findFirst()
        .orElseThrow(() -> new InvalidRuleException("\"operator\" is one of >, >=, <, <="));
  }

  private static String number(double value) {
    return value == Math.rint(value)
        ? String.format(Locale.ROOT, "%,d", (long) value)
        : String.format(Locale.ROOT, "%,.2f", value);
  }
}
