package io.ctops.agent.checks;

import io.ctops.agent.text.Json;
import io.ctops.protocol.checks.CheckConfig;
import io.ctops.protocol.checks.CheckConfig.InvalidCheckException;
import io.ctops.protocol.v1.CheckDefinition;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the agent does with one definition: run it, or answer every interval with an {@code error}
 * result saying why it cannot (a type this release does not know, parameters that do not read). The
 * reading itself is {@link CheckConfig}'s, the same the server applies.
 */
sealed interface CheckPlan {
  /** The interval of a definition whose own interval is unusable. */
  Duration FALLBACK_INTERVAL = Duration.ofSeconds(60);

  /**
   * The start of the output for a type this agent does not run; the server recognises it and shows
   * "not supported by this agent version".
   */
  String UNSUPPORTED = "not supported by this agent version: check type ";

  Duration interval();

  /** A check to run every {@code interval}. */
  record Runs(CheckConfig config, Duration interval) implements CheckPlan {}

  /** A definition the agent cannot run: {@code reason} is reported every {@code interval}. */
  record Refused(String reason, Duration interval) implements CheckPlan {}

  static CheckPlan of(CheckDefinition definition) {
    String type = definition.getCheckType();
    int seconds = definition.getIntervalSeconds();
    Duration interval =
        seconds >= CheckConfig.MIN_INTERVAL_SECONDS && seconds <= CheckConfig.MAX_INTERVAL_SECONDS
            ? Duration.ofSeconds(seconds)
            : FALLBACK_INTERVAL;
    if (!type.isEmpty() && !CheckConfig.TYPES.contains(type)) {
      return new Refused(UNSUPPORTED + "\"" + type + "\"", interval);
    }
    // A server that has no parameters for a check may send none at all.
    String text = definition.getConfigJson().isBlank() ? "{}" : definition.getConfigJson();
    Object parsed;
    try {
      parsed = Json.parse(text);
    } catch (Json.SyntaxException e) {
      return new Refused("config_json is not valid JSON: " + e.getMessage(), interval);
    }
    if (!(parsed instanceof Map<?, ?> fields)) {
      return new Refused("config_json is not a JSON object", interval);
    }
    Map<String, Object> config = new LinkedHashMap<>();
    fields.forEach((key, value) -> config.put(String.valueOf(key), value));
    try {
      CheckConfig read = CheckConfig.read(type, config, false);
      CheckConfig.checkInterval(seconds, read);
      return new Runs(read, interval);
    } catch (InvalidCheckException e) {
      return new Refused(e.getMessage(), interval);
    }
  }
}
