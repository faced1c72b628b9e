package io.ctops.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.server.alerts.AlertRules.AlertRule;
import io.ctops.server.groups.HostSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;

/**
 * Reads a rule as the API sends it into a {@link RuleSpec}; with a base (PATCH) the fields not sent
 * keep their value. Every mistake is an {@link InvalidRuleException} (or the selector's own) naming
 * it.
 */
final class RuleRequests {
  static final Set<String> FIELDS =
      Set.of(
          "name",
          "description",
          "runbook_url",
          "kind",
          "parameters",
          "severity",
          "selector",
          "for_seconds",
          "resolve_after_seconds",
          "notify_resolved",
          "repeat_every_hours",
          "enabled",
          "channel_ids");

  private RuleRequests() {}

  static RuleSpec fromJson(JsonNode body, Optional<AlertRule> base) {
    if (body == null || !body.isObject()) {
      throw new InvalidRuleException("a rule is a JSON object");
    }
    for (var names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw new InvalidRuleException(
            "unknown property \"" + name + "\"; a rule has " + String.join(", ", sorted()));
      }
    }
    Optional<RuleSpec> was = base.map(AlertRule::spec);
    AlertKind kind =
        text(body, "kind")
            .map(
                name ->
                    AlertKind.named(name)
                        .orElseThrow(
                            () ->
                                new InvalidRuleException(
                                    "unknown kind \""
                                        + name
                                        + "\"; kinds are "
                                        + String.join(
                                            ", ",
                                            AlertKind.ALL.stream().map(AlertKind::name).toList()))))
            .or(() -> was.map(RuleSpec::kind))
            .orElseThrow(() -> new InvalidRuleException("a rule needs a \"kind\""));
    ObjectNode parameters =
        body.has("parameters")
            ? RuleSpec.parameters(kind, body.get("parameters"))
            : was.filter(w -> w.kind().equals(kind))
                .map(RuleSpec::parameters)
                .orElseGet(() -> RuleSpec.parameters(kind, null));
    Severity severity =
        text(body, "severity")
            .map(
                s ->
                    Severity.parse(s)
                        .orElseThrow(
                            () ->
                                new InvalidRuleException(
                                    "\"severity\" is one of info, warning, critical")))
            .or(() -> was.map(RuleSpec::severity))
            .orElse(Severity.WARNING);
    HostSelector selector =
        body.has("selector")
            ? HostSelector.fromJson(body.get("selector"))
            : was.map(RuleSpec::selector).orElse(HostSelector.ALL);
    OptionalInt repeat;
    if (body.has("repeat_every_hours")) {
      JsonNode hours = body.get("repeat_every_hours");
      repeat =
          hours.isNull() ? OptionalInt.empty() : OptionalInt.of(whole(hours, "repeat_every_hours"));
    } else {
      repeat = was.map(RuleSpec::repeatEveryHours).orElse(OptionalInt.empty());
    }
    return new RuleSpec(
        text(body, "name").or(() -> was.map(RuleSpec::name)).orElse(""),
        text(body, "description").or(() -> was.map(RuleSpec::description)).orElse(""),
        body.has("runbook_url") ? text(body, "runbook_url") : was.flatMap(RuleSpec::runbookUrl),
        kind,
        parameters,
        severity,
        selector,
        number(body, "for_seconds").orElse(was.map(RuleSpec::forSeconds).orElse(0)),
        number(body, "resolve_after_seconds")
            .orElse(was.map(RuleSpec::resolveAfterSeconds).orElse(0)),
        bool(body, "notify_resolved").orElse(was.map(RuleSpec::notifyResolved).orElse(true)),
        repeat,
        bool(body, "enabled").orElse(was.map(RuleSpec::enabled).orElse(true)),
        body.has("channel_ids")
            ? ids(body.get("channel_ids"))
            : was.map(RuleSpec::channelIds).orElse(List.of()));
  }

  /** The rule's JSON as {@link #fromJson} reads it: what the API answers, and the form's start. */
  static ObjectNode toJson(RuleSpec spec) {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("name", spec.name());
    json.put("description", spec.description());
    json.put("runbook_url", spec.runbookUrl().orElse(null));
    json.put("kind", spec.kind().name());
    json.set("parameters", spec.parameters());
    json.put("severity", spec.severity().dbName());
    json.set("selector", spec.selector().toJson());
    json.put("for_seconds", spec.forSeconds());
    json.put("resolve_after_seconds", spec.resolveAfterSeconds());
    json.put("notify_resolved", spec.notifyResolved());
    if (spec.repeatEveryHours().isPresent()) {
      json.put("repeat_every_hours", spec.repeatEveryHours().getAsInt());
    } else {
      json.putNull("repeat_every_hours");
    }
    json.put("enabled", spec.enabled());
    spec.channelIds().forEach(id -> json.withArray("channel_ids").add(id.toString()));
    if (spec.channelIds().isEmpty()) {
      json.putArray("channel_ids");
    }
    return json;
  }

  private static List<String> sorted() {
    return FIELDS.stream().sorted().toList();
  }

  private static Optional<String> text(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw new InvalidRuleException("\"" + field + "\" is a string");
    }
    return Optional.of(value.asText());
  }

  private static Optional<Integer> number(JsonNode body, String field) {
    JsonNode value = body.get(field);
    return value == null || value.isNull() ? Optional.empty() : Optional.of(whole(value, field));
  }

  private static int whole(JsonNode value, String field) {
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      throw new InvalidRuleException("\"" + field + "\" is a whole number");
    }
    return value.asInt();
  }

  private static Optional<Boolean> bool(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isBoolean()) {
      throw new InvalidRuleException("\"" + field + "\" is true or false");
    }
    return Optional.of(value.asBoolean());
  }

  private static List<UUID> ids(JsonNode array) {
    if (array == null || array.isNull()) {
      return List.of();
    }
    if (!array.isArray()) {
      throw new InvalidRuleException("\"channel_ids\" is an array of channel ids");
    }
    List<UUID> ids = new ArrayList<>();
    for (JsonNode id : array) {
      try {
        ids.add(UUID.fromString(id.asText("")));
      } catch (IllegalArgumentException e) {
        throw new InvalidRuleException("\"channel_ids\" holds channel ids");
      }
    }
    return ids;
  }
}
