package io.ctops.agent.tasks;

import io.ctops.agent.text.Json;
import java.util.Map;

/** A task's {@code config_json}: a JSON object, or nothing at all (an empty object). */
final class TaskConfig {
  private TaskConfig() {}

  /** The fields of {@code configJson}; a clear message (IllegalArgumentException) otherwise. */
  static Map<String, Object> object(String configJson) {
    if (configJson == null || configJson.isBlank()) {
      return Map.of();
    }
    Object parsed;
    try {
      parsed = Json.parse(configJson);
    } catch (Json.SyntaxException e) {
      throw new IllegalArgumentException("config_json is not valid JSON: " + e.getMessage());
    }
    if (!(parsed instanceof Map<?, ?> fields)) {
      throw new IllegalArgumentException("config_json must be a JSON object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> object = (Map<String, Object>) fields;
    return object;
  }
}
