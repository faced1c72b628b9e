package io.ctops.server.groups;

import io.ctops.server.auth.HostScope;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * Resolves a {@link HostSelector} to the live hosts it names, in one SQL query, within the asking
 * user's {@link HostScope}: a group's members come from {@code host_group_members}, tags from the
 * GIN-indexed {@code host_tags.terms}.
 */
public final class HostSelectors {
  private HostSelectors() {}

  /** The ids of the hosts the selector names now. */
  public static List<UUID> resolve(
      Handle handle, UUID orgId, HostScope scope, HostSelector selector) {
    return query(handle, "SELECT h.id", orgId, scope, selector, "").mapTo(UUID.class).list();
  }

  /** The first {@code limit} of those ids, by id: a preview that never reads the whole fleet. */
  public static List<UUID> first(
      Handle handle, UUID orgId, HostScope scope, HostSelector selector, int limit) {
    return query(handle, "SELECT h.id", orgId, scope, selector, " ORDER BY h.id LIMIT :limit")
        .bind("limit", limit)
        .mapTo(UUID.class)
        .list();
  }

  /** How many hosts the selector names now. */
  public static long count(Handle handle, UUID orgId, HostScope scope, HostSelector selector) {
    return query(handle, "SELECT count(*)", orgId, scope, selector, "").mapTo(Long.class).one();
  }

  /**
   * Checks that what the selector refers to exists in the organisation (and the scope): a group or
   * host id that does not is refused where the selector is saved, not found empty later.
   */
  public static void requireKnown(
      Handle handle, UUID orgId, HostScope scope, HostSelector selector) {
    switch (selector) {
      case HostSelector.Group g -> {
        boolean known =
            handle
                .createQuery(
                    "SELECT count(*) > 0 FROM host_groups WHERE id = :id AND org_id = :org")
                .bind("id", g.groupId())
                .bind("org", orgId)
                .mapTo(Boolean.class)
                .one();
        if (!known || (!scope.isWholeOrganisation() && !scope.groupIds().contains(g.groupId()))) {
          throw new HostSelector.InvalidSelectorException("no such group: " + g.groupId());
        }
      }
      case HostSelector.OneHost o -> {
        if (count(handle, orgId, scope, o) == 0) {
          throw new HostSelector.InvalidSelectorException("no such host: " + o.hostId());
        }
      }
      case HostSelector.AllHosts a -> {}
      case HostSelector.Tags t -> {}
    }
  }

  private static Query query(
      Handle handle,
      String select,
      UUID orgId,
      HostScope scope,
      HostSelector selector,
      String orderAndLimit) {
    Query query =
        handle.createQuery(
            select
                + " FROM hosts h WHERE h.org_id = :org AND h.deleted_at IS NULL AND "
                + selector.condition()
                + scope.filter("h.id")
                + orderAndLimit);
    return scope.bind(selector.bind(query.bind("org", orgId)));
  }
}
