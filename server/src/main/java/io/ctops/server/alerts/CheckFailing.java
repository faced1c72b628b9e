package io.ctops.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.server.groups.HostSelector;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A health check failing on a host {@code failures} results in a row: {@code {"failures": 3}} for
 * any check, {@code {"check_id": …, "failures": 3}} for one. Only {@code fail} counts: an {@code
 * error} (a check the agent cannot run as configured) is a configuration problem shown on the
 * Checks pages, not an outage. A check that no longer applies to the host (disabled, or its
 * selector no longer names it) does not fire.
 */
final class CheckFailing implements AlertKind {
  static final int MAX_FAILURES = 1000;

  @Override
  public String name() {
    return "check_failing";
  }

  @Override
  public ObjectNode validate(JsonNode parameters) {
    ObjectNode valid = JsonNodeFactory.instance.objectNode();
    JsonNode check = parameters.path("check_id");
    if (!check.isMissingNode() && !check.isNull()) {
      try {
        valid.put("check_id", UUID.fromString(check.asText("")).toString());
      } catch (IllegalArgumentException e) {
        throw new InvalidRuleException("\"check_id\" is the id of a check (or leave it out: any)");
      }
    }
    return valid.put("failures", failures(parameters));
  }

  private static int failures(JsonNode parameters) {
    JsonNode failures = parameters.path("failures");
    if (failures.isMissingNode() || failures.isNull()) {
      return 3;
    }
    if (!failures.isIntegralNumber() || !failures.canConvertToInt()) {
      throw new InvalidRuleException("\"failures\" is a whole number of results in a row");
    }
    int value = failures.asInt();
    if (value < 1 || value > MAX_FAILURES) {
      throw new InvalidRuleException("\"failures\" is between 1 and " + MAX_FAILURES);
    }
    return value;
  }

  @Override
  public Condition condition(JsonNode parameters) {
    int failures = failures(parameters);
    boolean one = parameters.hasNonNull("check_id");
    String failing =
        "FROM check_states cs JOIN checks cc ON cc.id = cs.check_id AND cc.enabled"
            + " WHERE cs.host_id = v.host_id AND cs.status = 'fail'"
            + " AND cs.consecutive_failures >= :failures"
            + (one ? " AND cs.check_id = CAST(:check AS uuid)" : "")
            + " AND "
            + HostSelector.storedCondition("cc.selector", "cc.selector_terms");
    Map<String, Object> values = new HashMap<>();
    values.put("failures", failures);
    if (one) {
      values.put("check", parameters.get("check_id").asText());
    }
    return new Condition(
        "EXISTS (SELECT 1 " + failing + ")",
        "(SELECT max(cs.consecutive_failures) " + failing + ")",
        values,
        (one ? "the check" : "a check")
            + (failures == 1 ? " failing" : " failing " + failures + " times in a row"),
        true);
  }
}
