package io.ctops.server.groups;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Which hosts something applies to: every host, a group's members, one host, or the hosts carrying
 * all of some tags. The one way features (alert rules, checks, scheduled tasks, scoped roles) name
 * hosts; {@link HostSelectors} resolves it in one query. Stored and sent as JSON: {@code {"kind":
 * "all"}}, {@code {"kind": "group", "group_id": …}}, {@code {"kind": "host", "host_id": …}} or
 * {@code {"kind": "tags", "tags": ["env:prod", …]}}.
 */
public sealed interface HostSelector {
  /** Every live host of the organisation. */
  record AllHosts() implements HostSelector {}

  /** The members of one group, static or dynamic. */
  record Group(UUID groupId) implements HostSelector {}

  /** One host. */
  record OneHost(UUID hostId) implements HostSelector {}

  /** The hosts that carry every one of these tags (a bare key: any value). */
  record Tags(List<Tag> tags) implements HostSelector {
    public Tags {
      if (tags.isEmpty()) {
        throw new InvalidSelectorException("a tag selector needs at least one tag");
      }
      tags = List.copyOf(tags);
    }

    public String[] terms() {
      return tags.stream().map(Tag::term).distinct().toArray(String[]::new);
    }
  }

  HostSelector ALL = new AllHosts();

  /**
   * The condition on a host row (alias {@code h}) that this selector adds to a query's WHERE; its
   * values are bound by {@link #bind}. Always over the organisation's live hosts, which the query
   * itself selects.
   */
  default String condition() {
    return switch (this) {
      case AllHosts a -> "TRUE";
      case Group g ->
          "h.id IN (SELECT sel_m.host_id FROM host_group_members sel_m"
              + " WHERE sel_m.group_id = :selectorGroup)";
      case OneHost o -> "h.id = :selectorHost";
      case Tags t ->
          "h.id IN (SELECT sel_t.host_id FROM host_tags sel_t"
              + " WHERE sel_t.terms @> CAST(:selectorTags AS text[]))";
    };
  }

  /**
   * The condition on a host row ({@code h}) for a selector stored in a table: {@code selector} its
   * JSON column, {@code terms} the column holding a tag selector's {@link Tags#terms()}. What a
   * query that matches many stored selectors at once (every check against every host) uses; it
   * means what {@link #condition()} means.
   */
  static String storedCondition(String selector, String terms) {
    return ("CASE %1$s->>'kind' WHEN 'all' THEN TRUE"
            + " WHEN 'host' THEN h.id = CAST(%1$s->>'host_id' AS uuid)"
            + " WHEN 'group' THEN EXISTS (SELECT 1 FROM host_group_members sel_m"
            + " WHERE sel_m.group_id = CAST(%1$s->>'group_id' AS uuid) AND sel_m.host_id = h.id)"
            + " WHEN 'tags' THEN EXISTS (SELECT 1 FROM host_tags sel_t"
            + " WHERE sel_t.host_id = h.id AND sel_t.terms @> %2$s)"
            + " ELSE FALSE END")
        .formatted(selector, terms);
  }

  /**
   * The filter terms to store with the selector for {@link #storedCondition}; empty unless tags.
   */
  default String[] storedTerms() {
    return this instanceof Tags t ? t.terms() : new String[0];
  }

  default <T extends SqlStatement<T>> T bind(T statement) {
    return switch (this) {
      case AllHosts a -> statement;
      case Group g -> statement.bind("selectorGroup", g.groupId());
      case OneHost o -> statement.bind("selectorHost", o.hostId());
      case Tags t -> statement.bindArray("selectorTags", String.class, (Object[]) t.terms());
    };
  }

  default ObjectNode toJson() {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    switch (this) {
      case AllHosts a -> json.put("kind", "all");
      case Group g -> json.put("kind", "group").put("group_id", g.groupId().toString());
      case OneHost o -> json.put("kind", "host").put("host_id", o.hostId().toString());
      case Tags t -> {
        json.put("kind", "tags");
        t.tags().forEach(tag -> json.withArray("tags").add(tag.toString()));
      }
    }
    return json;
  }

  /** Reads the JSON form; every mistake is an {@link InvalidSelectorException} naming it. */
  static HostSelector fromJson(JsonNode json) {
    if (json == null || !json.isObject()) {
      throw new InvalidSelectorException("a host selector is an object with a \"kind\"");
    }
    String kind = json.path("kind").asText("");
    return switch (kind) {
      case "all" -> ALL;
      case "group" -> new Group(uuid(json, "group_id"));
      case "host" -> new OneHost(uuid(json, "host_id"));
      case "tags" -> {
        JsonNode tags = json.get("tags");
        if (tags == null || !tags.isArray()) {
          throw new InvalidSelectorException("a tag selector needs \"tags\": an array of tags");
        }
        List<Tag> parsed = new ArrayList<>();
        for (JsonNode tag : tags) {
          if (!tag.isTextual()) {
            throw new InvalidSelectorException("tags are strings like \"env:prod\"");
          }
          try {
            parsed.add(Tag.parse(tag.asText()));
          } catch (Tag.InvalidTagException e) {
            throw new InvalidSelectorException(e.getMessage());
          }
        }
        yield new Tags(parsed);
      }
      default ->
          throw new InvalidSelectorException(
              "a host selector's kind is one of all, group, host, tags");
    };
  }

  private static UUID uuid(JsonNode json, String field) {
    try {
      return UUID.fromString(json.path(field).asText(""));
    } catch (IllegalArgumentException e) {
      throw new InvalidSelectorException(field + " must be an id");
    }
  }

  /** What was wrong with a selector, in words for the operator. */
  final class InvalidSelectorException extends IllegalArgumentException {
    public InvalidSelectorException(String message) {
      super(message);
    }
  }
}
