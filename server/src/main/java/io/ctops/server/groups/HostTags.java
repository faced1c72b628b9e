package io.ctops.server.groups;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.annotation.JsonValue;
import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Operators' tags on hosts: set (replacing the operator's tag with the same key, whatever its case)
 * and removed, on one host or many in one statement. The agent's tags are its own, from its
 * configuration; an operator's tag with the same key wins over it ({@code host_tag_terms}).
 */
public final class HostTags {
  private HostTags() {}

  /** Where a host's tag comes from. */
  public enum Source {
    AGENT,
    OPERATOR;

    /** As the API and the pages name it: {@code agent} or {@code operator}. */
    @JsonValue
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A tag as the host page and the API show it ({@code {"key", "value", "source", "overridden"}});
   * an agent tag an operator's replaces is {@code overridden}: shown, but not in effect.
   */
  public record ShownTag(@JsonUnwrapped Tag tag, Source source, boolean overridden) {}

  /** The host's tags, both sources, the effective ones first, by key. */
  public static List<ShownTag> shown(Map<String, String> agentTags, Map<String, String> operator) {
    Map<String, ShownTag> byKey = new TreeMap<>();
    List<ShownTag> overridden = new ArrayList<>();
    operator.forEach(
        (k, v) ->
            byKey.put(
                k.toLowerCase(Locale.ROOT), new ShownTag(new Tag(k, v), Source.OPERATOR, false)));
    agentTags.forEach(
        (k, v) -> {
          ShownTag tag = new ShownTag(new Tag(k, v), Source.AGENT, false);
          if (byKey.containsKey(k.toLowerCase(Locale.ROOT))) {
            overridden.add(new ShownTag(tag.tag(), Source.AGENT, true));
          } else {
            byKey.put(k.toLowerCase(Locale.ROOT), tag);
          }
        });
    List<ShownTag> all = new ArrayList<>(byKey.values());
    all.addAll(overridden);
    return List.copyOf(all);
  }

  /**
   * Sets operator tags on the organisation's live hosts among {@code hostIds}; returns how many
   * hosts changed. Recorded once, with the count when there are several hosts.
   */
  public static int tag(
      Handle handle, UUID orgId, Actor actor, Collection<UUID> hostIds, List<Tag> tags) {
    int changed = setTags(handle, orgId, hostIds, tags);
    record(handle, orgId, actor, AuditAction.HOST_TAG, hostIds, tags, changed);
    return changed;
  }

  /**
   * {@link #tag} without its audit entry, for a caller that records a larger action once (a bulk
   * job over many chunks of hosts).
   */
  public static int setTags(Handle handle, UUID orgId, Collection<UUID> hostIds, List<Tag> tags) {
    String[] lowerKeys =
        tags.stream().map(t -> t.key().toLowerCase(Locale.ROOT)).toArray(String[]::new);
    int changed =
        handle
            .createUpdate(
                """
                UPDATE hosts h
                   SET operator_tags =
                       (SELECT coalesce(jsonb_object_agg(o.key, o.value), '{}')
                          FROM jsonb_each(h.operator_tags) o
                         WHERE lower(o.key) <> ALL(:lowerKeys))
                       || jsonb_object(CAST(:keys AS text[]), CAST(:values AS text[]))
                 WHERE h.org_id = :org AND h.deleted_at IS NULL AND h.id = ANY(:hosts)
                   AND NOT (h.operator_tags @> jsonb_object(CAST(:keys AS text[]),
                                                            CAST(:values AS text[])))
                """)
            .bindArray("lowerKeys", String.class, (Object[]) lowerKeys)
            .bindArray("keys", String.class, tags.stream().map(Tag::key).toArray())
            .bindArray("values", String.class, tags.stream().map(Tag::value).toArray())
            .bind("org", orgId)
            .bindArray("hosts", UUID.class, hostIds)
            .execute();
    return changed;
  }

  /**
   * Removes operator tags: a bare key removes the key whatever its value, {@code key:value} only
   * that value (both without regard to case). Returns how many hosts changed.
   */
  public static int untag(
      Handle handle, UUID orgId, Actor actor, Collection<UUID> hostIds, List<Tag> tags) {
    int changed = removeTags(handle, orgId, hostIds, tags);
    record(handle, orgId, actor, AuditAction.HOST_UNTAG, hostIds, tags, changed);
    return changed;
  }

  /** {@link #untag} without its audit entry (see {@link #setTags}). */
  public static int removeTags(
      Handle handle, UUID orgId, Collection<UUID> hostIds, List<Tag> tags) {
    int changed =
        handle
            .createUpdate(
                """
                UPDATE hosts h
                   SET operator_tags =
                       (SELECT coalesce(jsonb_object_agg(o.key, o.value), '{}')
                          FROM jsonb_each_text(h.operator_tags) o
                         WHERE lower(o.key) <> ALL(:bareKeys)
                           AND lower(o.key) || ':' || lower(o.value) <> ALL(:terms))
                 WHERE h.org_id = :org AND h.deleted_at IS NULL AND h.id = ANY(:hosts)
                   AND EXISTS (SELECT 1 FROM jsonb_each_text(h.operator_tags) o
                                WHERE lower(o.key) = ANY(:bareKeys)
                                   OR lower(o.key) || ':' || lower(o.value) = ANY(:terms))
                """)
            .bindArray(
                "bareKeys",
                String.class,
                tags.stream().filter(Tag::isBare).map(Tag::term).toArray())
            .bindArray(
                "terms",
                String.class,
                tags.stream().filter(t -> !t.isBare()).map(Tag::term).toArray())
            .bind("org", orgId)
            .bindArray("hosts", UUID.class, hostIds)
            .execute();
    return changed;
  }

  private static void record(
      Handle handle,
      UUID orgId,
      Actor actor,
      AuditAction action,
      Collection<UUID> hostIds,
      List<Tag> tags,
      int changed) {
    AuditEntry entry =
        AuditEntry.of(orgId, actor, action)
            .param("tags", String.join(", ", tags.stream().map(Tag::toString).toList()));
    if (hostIds.size() == 1) {
      UUID host = hostIds.iterator().next();
      Optional<String> hostname =
          handle
              .createQuery("SELECT hostname FROM hosts WHERE id = :id AND org_id = :org")
              .bind("id", host)
              .bind("org", orgId)
              .mapTo(String.class)
              .findOne();
      entry = entry.target(Target.host(host, hostname.orElse(host.toString())));
    } else {
      entry = entry.param("hosts", hostIds.size()).param("changed", changed);
    }
    AuditLog.record(handle, entry);
  }
}
