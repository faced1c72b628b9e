package io.ctops.server.checks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.protocol.checks.CheckConfig.InvalidCheckException;
import io.ctops.server.groups.HostSelector;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a check as the API and the form send it into a {@link CheckSpec}; with a base (PATCH) the
 * fields not sent keep their value. Every mistake is an {@link InvalidCheckException} (or the
 * selector's own) naming it.
 */
final class CheckRequests {
  static final Set<String> FIELDS =
      Set.of("name", "type", "config", "interval_seconds", "selector", "enabled");

  /** What a check looks like, for error messages. */
  static final String EXAMPLE =
      "{\"name\": \"ssh answers\", \"type\": \"port\", \"config\": {\"port\": 22},"
          + " \"interval_seconds\": 60, \"selector\": {\"kind\": \"all\"}}";

  private CheckRequests() {}

  static CheckSpec fromJson(JsonNode body, Optional<Check> base) {
    if (body == null || !body.isObject()) {
      throw new InvalidCheckException("a check is a JSON object, e.g. " + EXAMPLE);
    }
    for (var names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw new InvalidCheckException(
            "unknown property \""
                + name
                + "\"; a check has "
                + String.join(", ", new TreeSet<>(FIELDS)));
      }
    }
    Optional<CheckSpec> was = base.map(Check::spec);
    String type =
        text(body, "type")
            .or(() -> was.map(CheckSpec::type))
            .orElseThrow(() -> new InvalidCheckException("a check needs a \"type\""));
    ObjectNode config;
    if (body.has("config") && !body.get("config").isNull()) {
      if (!body.get("config").isObject()) {
        throw new InvalidCheckException("\"config\" is an object of the type's parameters");
      }
      config = (ObjectNode) body.get("config");
    } else {
      config =
          was.filter(w -> w.type().equals(type))
              .map(CheckSpec::config)
              .orElseGet(JsonNodeFactory.instance::objectNode);
    }
    return new CheckSpec(
        text(body, "name").or(() -> was.map(CheckSpec::name)).orElse(""),
        type,
        config,
        number(body, "interval_seconds").orElse(was.map(CheckSpec::intervalSeconds).orElse(60)),
        body.has("selector")
            ? HostSelector.fromJson(body.get("selector"))
            : was.map(CheckSpec::selector).orElse(HostSelector.ALL),
        bool(body, "enabled").orElse(was.map(CheckSpec::enabled).orElse(true)));
  }

  /** The check's JSON as {@link #fromJson} reads it, with its id. */
  static ObjectNode toJson(Check check) {
    CheckSpec spec = check.spec();
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("id", check.id().toString());
    json.put("name", spec.name());
    json.put("type", spec.type());
    json.set("config", spec.config());
    json.put("interval_seconds", spec.intervalSeconds());
    json.set("selector", spec.selector().toJson());
    json.put("enabled", spec.enabled());
    json.put("updated_at", check.updatedAt().toString());
    return json;
  }

  private static Optional<String> text(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw new InvalidCheckException("\"" + field + "\" is a string");
    }
    return Optional.of(value.asText());
  }

  private static Optional<Integer> number(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      throw new InvalidCheckException("\"" + field + "\" is a whole number");
    }
    return Optional.of(value.asInt());
  }

  private static Optional<Boolean> bool(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isBoolean()) {
      throw new InvalidCheckException("\"" + field + "\" is true or false");
    }
    return Optional.of(value.asBoolean());
  }
}
