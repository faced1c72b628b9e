package io.ctops.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.server.groups.HostSelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;

/**
 * What an admin asks a rule to be, checked: every mistake is an {@link InvalidRuleException} naming
 * it, before anything is saved.
 *
 * @param parameters the kind's parameters as its {@link AlertKind#validate} normalised them
 * @param repeatEveryHours repeat the notification this often while firing and unacknowledged
 */
public record RuleSpec(
    String name,
    String description,
    Optional<String> runbookUrl,
    AlertKind kind,
    ObjectNode parameters,
    Severity severity,
    HostSelector selector,
    int forSeconds,
    int resolveAfterSeconds,
    boolean notifyResolved,
    OptionalInt repeatEveryHours,
    boolean enabled,
    List<UUID> channelIds) {

  /** A week: the longest "for", "resolve after" and repeat interval. */
  static final int MAX_SECONDS = 7 * 24 * 3600;

  public RuleSpec {
    name = name == null ? "" : name.strip();
    description = description == null ? "" : description.strip();
    runbookUrl = runbookUrl.map(String::strip).filter(u -> !u.isEmpty());
    if (name.isEmpty()) {
      throw new InvalidRuleException("a rule needs a name");
    }
    if (name.length() > 200) {
      throw new InvalidRuleException("a rule's name is limited to 200 characters");
    }
    if (description.length() > 2000) {
      throw new InvalidRuleException("a description is limited to 2,000 characters");
    }
    runbookUrl.ifPresent(RuleSpec::checkUrl);
    seconds(forSeconds, "for_seconds");
    seconds(resolveAfterSeconds, "resolve_after_seconds");
    if (repeatEveryHours.isPresent()
        && (repeatEveryHours.getAsInt() < 1 || repeatEveryHours.getAsInt() > 168)) {
      throw new InvalidRuleException("repeat_every_hours is between 1 and 168 (a week)");
    }
    if (channelIds.size() > 50) {
      throw new InvalidRuleException("a rule notifies at most 50 channels");
    }
    channelIds = List.copyOf(channelIds.stream().distinct().toList());
  }

  private static void seconds(int value, String field) {
    if (value < 0) {
      throw new InvalidRuleException(field + " cannot be negative");
    }
    if (value > MAX_SECONDS) {
      throw new InvalidRuleException(field + " is at most " + MAX_SECONDS + " (a week)");
    }
  }

  private static void checkUrl(String url) {
    if (url.length() > 2000) {
      throw new InvalidRuleException("a runbook link is limited to 2,000 characters");
    }
    try {
      URI uri = new URI(url);
      if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
          || uri.getHost() == null) {
        throw new InvalidRuleException("a runbook link is an http or https address");
      }
    } catch (URISyntaxException e) {
      throw new InvalidRuleException("a runbook link is an http or https address");
    }
  }

  /** The kind's parameters checked by the kind. */
  static ObjectNode parameters(AlertKind kind, JsonNode parameters) {
    if (parameters == null || parameters.isNull() || parameters.isMissingNode()) {
      return kind.validate(
          com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode());
    }
    if (!parameters.isObject()) {
      throw new InvalidRuleException("\"parameters\" is an object");
    }
    return kind.validate(parameters);
  }

  /** The condition in words, e.g. "CPU ≥ 90 % for 5 minutes". */
  public String conditionText() {
    String text = kind.condition(parameters).description();
    return forSeconds == 0 ? text : text + " for " + Durations.shown(forSeconds);
  }
}
