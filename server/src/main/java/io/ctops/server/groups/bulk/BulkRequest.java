package io.ctops.server.groups.bulk;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.groups.Tag;
import io.ctops.server.web.HttpProblem;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A bulk action as asked, checked: the action, which hosts (ids, a host list view's query string,
 * or a host selector: exactly one), and what the action needs (tags, a group; for a delete, whether
 * agents uninstall themselves first). Every mistake is a 400 naming it, before anything is resolved
 * or queued.
 */
public record BulkRequest(
    BulkAction action,
    Hosts hosts,
    List<Tag> tags,
    Optional<UUID> groupId,
    Optional<Uninstall> uninstall) {

  /** With a delete: have the agents of online hosts uninstall themselves first. */
  public record Uninstall(boolean removeData) {}

  /** The most hosts one job covers. */
  public static final int MAX_HOSTS = 100_000;

  static final int MAX_TAGS = 20;

  public BulkRequest {
    tags = List.copyOf(tags);
  }

  /** Which hosts the request names. */
  public sealed interface Hosts {}

  /** The hosts checked on the list (or listed by an API client). */
  public record Ids(List<UUID> ids) implements Hosts {
    public Ids {
      ids = List.copyOf(ids);
    }
  }

  /** Every host a host list view matches: its query string ({@code status=online&tag=env:prod}). */
  public record Filter(String query) implements Hosts {
    /** The query string's parameters; a broken %-escape is a 400. */
    Map<String, List<String>> parameters() {
      Map<String, List<String>> parameters = new LinkedHashMap<>();
      String text = query.startsWith("?") ? query.substring(1) : query;
      for (String pair : text.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int equals = pair.indexOf('=');
        String name = equals < 0 ? pair : pair.substring(0, equals);
        String value = equals < 0 ? "" : pair.substring(equals + 1);
        parameters.computeIfAbsent(decode(name), n -> new ArrayList<>()).add(decode(value));
      }
      return parameters;
    }

    private static String decode(String text) {
      try {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw HttpProblem.badRequest("filter is not a query string: " + e.getMessage());
      }
    }
  }

  /** The hosts a host selector names now. */
  public record Selected(HostSelector selector) implements Hosts {}

  private static final Set<String> JSON_PROPERTIES =
      Set.of(
          "action",
          "host_ids",
          "filter",
          "selector",
          "tags",
          "group_id",
          "uninstall",
          "remove_data");

  /** The API's body: {@code {"action": …, "host_ids" | "filter" | "selector": …, …}}. */
  static BulkRequest fromJson(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw HttpProblem.badRequest(
          "the body must be a JSON object such as {\"action\": \"tag\", \"host_ids\": […],"
              + " \"tags\": [\"env:prod\"]}");
    }
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!JSON_PROPERTIES.contains(name)) {
        throw HttpProblem.badRequest(
            "unknown property \""
                + name
                + "\"; a bulk action has action, host_ids, filter, selector, tags, group_id");
      }
    }
    BulkAction action = BulkAction.parse(text(body, "action").orElse(""));
    List<Hosts> given = new ArrayList<>();
    if (body.has("host_ids")) {
      JsonNode ids = body.get("host_ids");
      if (!ids.isArray()) {
        throw HttpProblem.badRequest("host_ids must be an array of host ids");
      }
      List<String> texts = new ArrayList<>();
      for (JsonNode id : ids) {
        texts.add(id.isTextual() ? id.asText() : id.toString());
      }
      given.add(ids(texts));
    }
    if (body.has("filter")) {
      given.add(new Filter(text(body, "filter").orElse("")));
    }
    if (body.has("selector")) {
      try {
        given.add(new Selected(HostSelector.fromJson(body.get("selector"))));
      } catch (HostSelector.InvalidSelectorException e) {
        throw HttpProblem.badRequest("selector: " + e.getMessage());
      }
    }
    List<String> tags = new ArrayList<>();
    if (body.has("tags")) {
      JsonNode array = body.get("tags");
      if (!array.isArray()) {
        throw HttpProblem.badRequest("tags must be an array of tags such as [\"env:prod\"]");
      }
      for (JsonNode tag : array) {
        if (!tag.isTextual()) {
          throw HttpProblem.badRequest("tags are strings such as \"env:prod\"");
        }
        tags.add(tag.asText());
      }
    }
    return of(
        action,
        given,
        body.has("tags") ? Optional.of(tags) : Optional.empty(),
        text(body, "group_id"),
        flag(body, "uninstall"),
        flag(body, "remove_data"));
  }

  private static boolean flag(JsonNode body, String name) {
    JsonNode value = body.get(name);
    if (value == null || value.isNull()) {
      return false;
    }
    if (!value.isBoolean()) {
      throw HttpProblem.badRequest(name + " must be true or false");
    }
    return value.asBoolean();
  }

  private static boolean flag(Map<String, List<String>> form, String name) {
    return switch (first(form, name).orElse("")) {
      case "" -> false;
      case "1", "true", "on" -> true;
      default -> throw HttpProblem.badRequest(name + " must be 1 when given");
    };
  }

  /**
   * The host list's form: {@code action}, {@code host_ids} (comma-separated) or {@code filter} (the
   * list's query string; present but empty for an unfiltered list), {@code tags} (comma-separated),
   * {@code group_id}.
   */
  static BulkRequest fromForm(Map<String, List<String>> form) {
    BulkAction action = BulkAction.parse(first(form, "action").orElse(""));
    List<Hosts> given = new ArrayList<>();
    Optional<String> ids = first(form, "host_ids").filter(s -> !s.isBlank());
    if (ids.isPresent()) {
      given.add(ids(List.of(ids.get().split(","))));
    }
    first(form, "filter").ifPresent(query -> given.add(new Filter(query)));
    Optional<List<String>> tags =
        first(form, "tags")
            .filter(s -> !s.isBlank())
            .map(s -> List.of(s.split(",")).stream().filter(t -> !t.isBlank()).toList());
    return of(
        action,
        given,
        tags,
        first(form, "group_id").filter(s -> !s.isBlank()),
        flag(form, "uninstall"),
        flag(form, "remove_data"));
  }

  private static BulkRequest of(
      BulkAction action,
      List<Hosts> given,
      Optional<List<String>> tagTexts,
      Optional<String> group,
      boolean uninstall,
      boolean removeData) {
    if (given.isEmpty()) {
      throw HttpProblem.badRequest("say which hosts: host_ids, filter or selector");
    }
    if (given.size() > 1) {
      throw HttpProblem.badRequest("give only one of host_ids, filter and selector");
    }
    List<Tag> tags = new ArrayList<>();
    if (action.needsTags()) {
      List<String> texts = tagTexts.orElse(List.of());
      if (texts.isEmpty()) {
        throw HttpProblem.badRequest(action.param() + " needs at least one tag, such as env:prod");
      }
      if (texts.size() > MAX_TAGS) {
        throw HttpProblem.badRequest("at most " + MAX_TAGS + " tags at once");
      }
      for (String text : texts) {
        try {
          tags.add(Tag.parse(text));
        } catch (Tag.InvalidTagException e) {
          throw HttpProblem.badRequest("tags: " + e.getMessage());
        }
      }
    } else if (tagTexts.isPresent()) {
      throw HttpProblem.badRequest("tags are for the tag and untag actions only");
    }
    Optional<UUID> groupId = Optional.empty();
    if (action.needsGroup()) {
      String id =
          group.orElseThrow(() -> HttpProblem.badRequest(action.param() + " needs a group_id"));
      try {
        groupId = Optional.of(UUID.fromString(id));
      } catch (IllegalArgumentException e) {
        throw HttpProblem.badRequest("group_id must be a group id");
      }
    } else if (group.isPresent()) {
      throw HttpProblem.badRequest("group_id is for add_to_group and remove_from_group only");
    }
    if ((uninstall || removeData) && action != BulkAction.DELETE) {
      throw HttpProblem.badRequest("uninstall and remove_data go with the delete action only");
    }
    if (removeData && !uninstall) {
      throw HttpProblem.badRequest("remove_data goes with uninstall");
    }
    return new BulkRequest(
        action,
        given.get(0),
        tags,
        groupId,
        uninstall ? Optional.of(new Uninstall(removeData)) : Optional.empty());
  }

  private static Ids ids(List<String> texts) {
    if (texts.size() > MAX_HOSTS) {
      throw HttpProblem.badRequest("at most " + BulkJob.number(MAX_HOSTS) + " hosts at once");
    }
    List<UUID> ids = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      try {
        ids.add(UUID.fromString(texts.get(i).strip()));
      } catch (IllegalArgumentException e) {
        throw HttpProblem.badRequest("host_ids[" + i + "] is not a host id");
      }
    }
    return new Ids(ids);
  }

  private static Optional<String> text(JsonNode body, String name) {
    JsonNode value = body.get(name);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw HttpProblem.badRequest(name + " must be a string");
    }
    return Optional.of(value.asText());
  }

  private static Optional<String> first(Map<String, List<String>> form, String name) {
    List<String> values = form.getOrDefault(name, List.of());
    if (values.size() > 1) {
      throw HttpProblem.badRequest("parameter " + name + " may be given once");
    }
    return values.isEmpty() ? Optional.empty() : Optional.ofNullable(values.get(0));
  }
}
