package io.ctops.server.groups;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.web.HttpProblem;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Reads what operators send about groups and tags, from the pages' forms and the API's JSON, into
 * {@link HostGroups.GroupSpec}s, tags and host ids; whatever is wrong answers 400 naming it.
 */
public final class GroupRequests {
  private GroupRequests() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** More host ids than one request may name: bulk work over more goes through a selection. */
  static final int MAX_HOST_IDS = 10_000;

  static final int MAX_TAGS = 50;

  /** Runs a parse or a write, turning what was wrong with the input into a 400. */
  public static <T> T orBadRequest(Supplier<T> work) {
    try {
      return work.get();
    } catch (GroupRule.InvalidRuleException
        | Tag.InvalidTagException
        | HostSelector.InvalidSelectorException e) {
      throw HttpProblem.badRequest(e.getMessage());
    } catch (HostGroups.UnknownGroupException e) {
      throw HttpProblem.notFound("no such group");
    } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
      if (HostGroups.isDuplicateName(e)) {
        throw HttpProblem.badRequest(
            "another group has this name already (names are compared without case)");
      }
      if (HostGroups.isInvalidCidr(e)) {
        throw HttpProblem.badRequest("not an IP network in CIDR notation (like 10.0.0.0/8)");
      }
      throw e;
    }
  }

  /** The group form: name, description, kind (static | dynamic) and the rule's fields. */
  static HostGroups.GroupSpec fromForm(Map<String, List<String>> form) {
    boolean dynamic = kind(first(form, "kind").orElse("static"));
    List<Tag> tags = new ArrayList<>();
    for (String line : form.getOrDefault("rule_tags", List.of())) {
      for (String one : line.split("[,\\n]")) {
        if (!one.isBlank()) {
          tags.add(Tag.parse(one));
        }
      }
    }
    GroupRule rule =
        dynamic
            ? new GroupRule(
                tags,
                blankless(form, "rule_os"),
                blankless(form, "rule_hostname"),
                blankless(form, "rule_cidr"),
                blankless(form, "rule_status"))
            : GroupRule.NONE;
    return new HostGroups.GroupSpec(
        first(form, "name").orElse(""), first(form, "description").orElse(""), dynamic, rule);
  }

  /**
   * A group as the API sends it; with {@code base} (PATCH) the fields not given keep their value.
   * Fields: name, description, kind, rule {tags, os, hostname_pattern, cidr, status}.
   */
  static HostGroups.GroupSpec fromJson(JsonNode body, Optional<HostGroups.Group> base) {
    for (var names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!Set.of("name", "description", "kind", "rule").contains(name)) {
        throw HttpProblem.badRequest(
            "unknown property \"" + name + "\"; a group has name, description, kind and rule");
      }
    }
    String name = text(body, "name").orElse(base.map(HostGroups.Group::name).orElse(""));
    String description =
        text(body, "description").orElse(base.map(HostGroups.Group::description).orElse(""));
    boolean dynamic =
        text(body, "kind")
            .map(GroupRequests::kind)
            .orElse(base.map(HostGroups.Group::dynamic).orElse(false));
    GroupRule rule;
    if (body.has("rule") && !body.get("rule").isNull()) {
      rule = rule(body.get("rule"));
    } else if (dynamic) {
      rule = base.map(HostGroups.Group::rule).orElse(GroupRule.NONE);
    } else {
      rule = GroupRule.NONE;
    }
    return new HostGroups.GroupSpec(name, description, dynamic, rule);
  }

  private static GroupRule rule(JsonNode rule) {
    if (!rule.isObject()) {
      throw HttpProblem.badRequest(
          "rule must be an object: {tags, os, hostname_pattern, cidr, status}");
    }
    for (var names = rule.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!Set.of("tags", "os", "hostname_pattern", "cidr", "status").contains(name)) {
        throw HttpProblem.badRequest(
            "unknown rule property \""
                + name
                + "\"; a rule has tags, os, hostname_pattern, cidr and status");
      }
    }
    List<Tag> tags = rule.has("tags") ? tags(rule.get("tags"), "rule.tags") : List.of();
    return new GroupRule(
        tags,
        text(rule, "os").filter(s -> !s.isEmpty()),
        text(rule, "hostname_pattern").filter(s -> !s.isEmpty()),
        text(rule, "cidr").filter(s -> !s.isEmpty()),
        text(rule, "status").filter(s -> !s.isEmpty()));
  }

  /** An array of tag strings ({@code null} means none). */
  public static List<Tag> tags(JsonNode array, String field) {
    if (array == null || array.isNull()) {
      return List.of();
    }
    if (!array.isArray()) {
      throw HttpProblem.badRequest(field + " must be an array of tags like \"env:prod\"");
    }
    if (array.size() > MAX_TAGS) {
      throw HttpProblem.badRequest("at most " + MAX_TAGS + " tags at once");
    }
    List<Tag> tags = new ArrayList<>();
    for (JsonNode tag : array) {
      if (!tag.isTextual()) {
        throw HttpProblem.badRequest(field + " must hold strings like \"env:prod\"");
      }
      tags.add(orBadRequest(() -> Tag.parse(tag.asText())));
    }
    return tags;
  }

  /** {@code {"host_ids": [...]}}: at least one id, at most {@link #MAX_HOST_IDS}. */
  static Set<UUID> hostIds(JsonNode body) {
    JsonNode ids = body.get("host_ids");
    if (ids == null || !ids.isArray() || ids.isEmpty()) {
      throw HttpProblem.badRequest("send {\"host_ids\": [\"…\"]} with at least one host id");
    }
    if (ids.size() > MAX_HOST_IDS) {
      throw HttpProblem.badRequest("at most " + MAX_HOST_IDS + " host ids at once");
    }
    Set<UUID> hosts = new LinkedHashSet<>();
    for (JsonNode id : ids) {
      try {
        hosts.add(UUID.fromString(id.asText("")));
      } catch (IllegalArgumentException e) {
        throw HttpProblem.badRequest("host_ids must hold host ids: " + shown(id.asText("")));
      }
    }
    return hosts;
  }

  /** The request body as a JSON object, or 400. */
  public static JsonNode object(String body, String example) {
    try {
      JsonNode json = JSON.readTree(body);
      if (json == null || !json.isObject()) {
        throw HttpProblem.badRequest("send a JSON object such as " + example);
      }
      return json;
    } catch (JsonProcessingException e) {
      throw HttpProblem.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private static boolean kind(String kind) {
    return switch (kind) {
      case "static" -> false;
      case "dynamic" -> true;
      default -> throw HttpProblem.badRequest("kind must be static or dynamic");
    };
  }

  private static Optional<String> text(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw HttpProblem.badRequest(field + " must be a string");
    }
    return Optional.of(value.asText().strip());
  }

  private static Optional<String> first(Map<String, List<String>> form, String name) {
    List<String> values = form.getOrDefault(name, List.of());
    if (values.size() > 1) {
      throw HttpProblem.badRequest(name + " may be given once");
    }
    return values.stream().findFirst();
  }

  private static Optional<String> blankless(Map<String, List<String>> form, String name) {
    return first(form, name).map(String::strip).filter(s -> !s.isEmpty());
  }

  private static String shown(String text) {
    return text.length() > 60 ? text.substring(0, 60) + "…" : text;
  }
}
