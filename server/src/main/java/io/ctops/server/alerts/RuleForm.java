package io.ctops.server.alerts;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.server.alerts.AlertRules.AlertRule;
import io.ctops.server.auth.HostScope;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.groups.SelectorForm;
import io.ctops.server.web.HttpProblem;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * The rule form's fields, read into the API's JSON form of a rule so that {@link RuleRequests} is
 * the one place a rule is checked; and a saved rule written back into fields for editing.
 */
final class RuleForm {
  /** What a new rule's form starts with. */
  static final Map<String, String> DEFAULTS =
      Map.ofEntries(
          Map.entry("kind", "metric_threshold"),
          Map.entry("metric", "cpu"),
          Map.entry("operator", ">="),
          Map.entry("threshold", "90"),
          Map.entry("minutes", "5"),
          Map.entry("failures", "3"),
          Map.entry("days", "30"),
          Map.entry("severity", "warning"),
          Map.entry("selector_kind", "all"),
          Map.entry("for_seconds", "0"),
          Map.entry("resolve_after_seconds", "0"),
          Map.entry("notify_resolved", "on"),
          Map.entry("enabled", "on"));

  private static final List<String> FIELDS =
      List.of(
          "name",
          "description",
          "runbook_url",
          "kind",
          "metric",
          "operator",
          "threshold",
          "minutes",
          "check_id",
          "failures",
          "days",
          "severity",
          "for_seconds",
          "resolve_after_seconds",
          "repeat_every_hours",
          "notify_resolved",
          "enabled");

  private RuleForm() {}

  /** The form's own fields, first values, as typed (kept to show again when refused). */
  static Map<String, String> fields(Map<String, List<String>> form) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String field :
        java.util.stream.Stream.concat(FIELDS.stream(), SelectorForm.FIELDS.stream()).toList()) {
      List<String> given = form.get(field);
      if (given != null && !given.isEmpty()) {
        values.put(field, given.get(0));
      }
    }
    return values;
  }

  /** The rule the fields describe; whatever is wrong is a 400 naming it. */
  static RuleSpec spec(
      Map<String, String> values,
      List<String> channelIds,
      Jdbi jdbi,
      UUID orgId,
      Optional<AlertRule> base) {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("name", values.getOrDefault("name", ""));
    json.put("description", values.getOrDefault("description", ""));
    json.put("runbook_url", values.getOrDefault("runbook_url", ""));
    String kind = values.getOrDefault("kind", "");
    json.put("kind", kind);
    ObjectNode parameters = json.putObject("parameters");
    if (kind.equals("metric_threshold")) {
      parameters.put("metric", values.getOrDefault("metric", ""));
      parameters.put("operator", values.getOrDefault("operator", ""));
      parameters.put("threshold", decimal(values, "threshold"));
    } else if (kind.equals("check_failing")) {
      String check = values.getOrDefault("check_id", "").strip();
      if (!check.isEmpty()) {
        parameters.put("check_id", check);
      }
      parameters.put("failures", whole(values, "failures", 3));
    } else if (kind.equals("certificate_expiry")) {
      parameters.put("days", whole(values, "days", 30));
    } else {
      parameters.put("minutes", whole(values, "minutes", 0));
    }
    json.put("severity", values.getOrDefault("severity", ""));
    json.set(
        "selector",
        SelectorForm.read(values, jdbi, orgId, HostScope.ORGANISATION)
            .orElse(HostSelector.ALL)
            .toJson());
    json.put("for_seconds", whole(values, "for_seconds", 0));
    json.put("resolve_after_seconds", whole(values, "resolve_after_seconds", 0));
    String repeat = values.getOrDefault("repeat_every_hours", "").strip();
    if (repeat.isEmpty()) {
      json.putNull("repeat_every_hours");
    } else {
      json.put("repeat_every_hours", whole(values, "repeat_every_hours", 0));
    }
    json.put("notify_resolved", "on".equals(values.get("notify_resolved")));
    json.put("enabled", "on".equals(values.get("enabled")));
    channelIds.forEach(id -> json.withArray("channel_ids").add(id));
    if (channelIds.isEmpty()) {
      json.putArray("channel_ids");
    }
    return AlertsApi.orBadRequest(() -> RuleRequests.fromJson(json, base));
  }

  /** A saved rule as the form's fields. */
  static Map<String, String> values(RuleSpec spec, Jdbi jdbi, UUID orgId) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("name", spec.name());
    values.put("description", spec.description());
    values.put("runbook_url", spec.runbookUrl().orElse(""));
    values.put("kind", spec.kind().name());
    spec.parameters()
        .fields()
        .forEachRemaining(
            f ->
                values.put(
                    f.getKey(),
                    f.getValue().isNumber()
                        ? f.getValue().decimalValue().stripTrailingZeros().toPlainString()
                        : f.getValue().asText()));
    values.put("severity", spec.severity().dbName());
    values.putAll(SelectorForm.fields(spec.selector(), jdbi, orgId, HostScope.ORGANISATION));
    values.put("for_seconds", Integer.toString(spec.forSeconds()));
    values.put("resolve_after_seconds", Integer.toString(spec.resolveAfterSeconds()));
    values.put(
        "repeat_every_hours",
        spec.repeatEveryHours().isPresent()
            ? Integer.toString(spec.repeatEveryHours().getAsInt())
            : "");
    if (spec.notifyResolved()) {
      values.put("notify_resolved", "on");
    }
    if (spec.enabled()) {
      values.put("enabled", "on");
    }
    return values;
  }

  private static int whole(Map<String, String> values, String field, int fallback) {
    String text = values.getOrDefault(field, "").strip();
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw HttpProblem.badRequest(field.replace('_', ' ') + " must be a whole number");
    }
  }

  private static BigDecimal decimal(Map<String, String> values, String field) {
    String text = values.getOrDefault(field, "").strip();
    try {
      BigDecimal value = new BigDecimal(text);
      if (value.abs().compareTo(BigDecimal.valueOf(1e15)) > 0) {
        throw HttpProblem.badRequest("the " + field + " is too large");
      }
      return value;
    } catch (NumberFormatException e) {
      throw HttpProblem.badRequest("the " + field + " must be a number");
    }
  }
}
