package io.ctops.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * What a rule watches for. One class per kind: it checks the rule's parameters and turns them into
 * a {@link Condition}, the SQL that finds the hosts breaking it now. Checks and certificates add
 * their kinds here.
 */
public interface AlertKind {
  /** The kind's name as rules store it and the API sends it, e.g. {@code metric_threshold}. */
  String name();

  /**
   * The parameters checked and normalised (only the fields the kind knows, defaults filled in);
   * every mistake is an {@link InvalidRuleException} saying what is wrong.
   */
  ObjectNode validate(JsonNode parameters);

  /** The condition of already validated parameters. */
  Condition condition(JsonNode parameters);

  /** Every kind of this release. */
  List<AlertKind> ALL =
      List.of(new MetricThreshold(), new HostOffline(), new AgentPending(), new CheckFailing());

  static Optional<AlertKind> named(String name) {
    return ALL.stream().filter(k -> k.name().equals(name)).findFirst();
  }
}
