package io.ctops.server.groups;

import io.ctops.server.auth.HostScope;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.UuidParam;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * The "which hosts" fields every form that takes a {@link HostSelector} shares (alert rules,
 * silences, checks; their template is {@code groups/selector.jte}): {@code selector_kind}, {@code
 * selector_group}, {@code selector_host} by hostname and {@code selector_tags} comma-separated,
 * read into a selector, and a selector written back into them. A hostname is looked up within the
 * user's scope, so a host they do not see is as unknown as one that does not exist.
 */
public final class SelectorForm {
  public static final List<String> FIELDS =
      List.of("selector_kind", "selector_group", "selector_host", "selector_tags");

  private SelectorForm() {}

  /** The selector the fields name; empty for none ("" or "none"); a mistake is a 400. */
  public static Optional<HostSelector> read(
      Map<String, String> values, Jdbi jdbi, UUID orgId, HostScope scope) {
    return switch (values.getOrDefault("selector_kind", "")) {
      case "", "none" -> Optional.empty();
      case "all" -> Optional.of(HostSelector.ALL);
      case "group" ->
          Optional.of(
              new HostSelector.Group(
                  UuidParam.parse(values.getOrDefault("selector_group", ""), "group")));
      case "host" -> {
        String hostname = values.getOrDefault("selector_host", "").strip();
        UUID host =
            jdbi.withHandle(
                    h ->
                        scope
                            .bind(
                                h.createQuery(
                                    "SELECT h.id FROM hosts h WHERE h.org_id = :org"
                                        + " AND h.deleted_at IS NULL"
                                        + " AND lower(h.hostname) = lower(:name)"
                                        + scope.filter("h.id")
                                        + " ORDER BY h.id LIMIT 1"))
                            .bind("org", orgId)
                            .bind("name", hostname)
                            .mapTo(UUID.class)
                            .findOne())
                .orElseThrow(() -> HttpProblem.badRequest("no host is named \"" + hostname + "\""));
        yield Optional.of(new HostSelector.OneHost(host));
      }
      case "tags" -> {
        try {
          yield Optional.of(
              new HostSelector.Tags(
                  Arrays.stream(values.getOrDefault("selector_tags", "").split(","))
                      .filter(t -> !t.isBlank())
                      .map(t -> Tag.parse(t.strip()))
                      .toList()));
        } catch (Tag.InvalidTagException | HostSelector.InvalidSelectorException e) {
          throw HttpProblem.badRequest(e.getMessage());
        }
      }
      default -> throw HttpProblem.badRequest("hosts are all, a group, a host or tags");
    };
  }

  /** A selector as the form's fields (a host by its hostname, when the user sees it). */
  public static Map<String, String> fields(
      HostSelector selector, Jdbi jdbi, UUID orgId, HostScope scope) {
    Map<String, String> values = new LinkedHashMap<>();
    switch (selector) {
      case HostSelector.AllHosts a -> values.put("selector_kind", "all");
      case HostSelector.Group g -> {
        values.put("selector_kind", "group");
        values.put("selector_group", g.groupId().toString());
      }
      case HostSelector.OneHost o -> {
        values.put("selector_kind", "host");
        values.put(
            "selector_host",
            jdbi.withHandle(
                h ->
                    scope
                        .bind(
                            h.createQuery(
                                "SELECT h.hostname FROM hosts h WHERE h.id = :id"
                                    + " AND h.org_id = :org"
                                    + scope.filter("h.id")))
                        .bind("id", o.hostId())
                        .bind("org", orgId)
                        .mapTo(String.class)
                        .findOne()
                        .orElse("")));
      }
      case HostSelector.Tags t -> {
        values.put("selector_kind", "tags");
        values.put(
            "selector_tags", String.join(", ", t.tags().stream().map(Tag::toString).toList()));
      }
    }
    return values;
  }
}
