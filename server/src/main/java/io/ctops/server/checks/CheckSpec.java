package io.ctops.server.checks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.protocol.checks.CheckConfig;
import io.ctops.server.groups.HostSelector;
import java.util.Map;

/**
 * What an operator asks a check to be, validated before anything is saved: the parameters by the
 * same reader agents use ({@link CheckConfig}, strictly: an unknown key is refused), the interval
 * and the selector. Every mistake is an {@link CheckConfig.InvalidCheckException} (or the
 * selector's own) naming it.
 *
 * @param config the parameters as sent ({@code config_json} on the wire)
 */
public record CheckSpec(
    String name,
    String type,
    ObjectNode config,
    int intervalSeconds,
    HostSelector selector,
    boolean enabled) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public CheckSpec {
    name = name == null ? "" : name.strip();
    if (name.isEmpty()) {
      throw new CheckConfig.InvalidCheckException("a check needs a name");
    }
    if (name.length() > 200) {
      throw new CheckConfig.InvalidCheckException("a check's name is limited to 200 characters");
    }
    if (config.toString().length() > 16_384) {
      throw new CheckConfig.InvalidCheckException("a check's parameters are limited to 16 KiB");
    }
    CheckConfig.checkInterval(intervalSeconds, read(type, config));
  }

  /** The parameters read as agents read them. */
  public CheckConfig parameters() {
    return read(type, config);
  }

  @SuppressWarnings("unchecked")
  private static CheckConfig read(String type, ObjectNode config) {
    return CheckConfig.read(type, JSON.convertValue(config, Map.class), true);
  }
}
