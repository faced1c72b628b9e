package io.ctops.server.groups;

import io.ctops.server.auth.HostScope;
import io.ctops.server.web.HttpProblem;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Picking a static group's hosts: finding them by name, and refusing ids that name no host. */
public final class GroupMembers {
  private GroupMembers() {}

  static final int MAX_CANDIDATES = 20;

  /** A host found by name, and whether it is in the group already. */
  public record Candidate(UUID id, String hostname, String displayName, boolean isMember) {}

  /** The live hosts whose hostname or display name contains the search, by hostname. */
  static List<Candidate> candidates(
      Handle handle, UUID orgId, HostScope scope, UUID groupId, String search) {
    String pattern =
        "%"
            + search
                .toLowerCase(Locale.ROOT)
                .replace("\\", "\\\\")
                .replace("%", "\\%")
                .replace("_", "\\_")
            + "%";
    return scope
        .bind(
            handle.createQuery(
                """
                SELECT h.id, h.hostname, h.display_name,
                       EXISTS (SELECT 1 FROM host_group_members m
                                WHERE m.group_id = :group AND m.host_id = h.id) AS member
                  FROM hosts h
                 WHERE h.org_id = :org AND h.deleted_at IS NULL
                   AND (h.hostname ILIKE :pattern OR h.display_name ILIKE :pattern)
                """
                    + scope.filter("h.id")
                    + " ORDER BY lower(h.hostname), h.id LIMIT "
                    + MAX_CANDIDATES))
        .bind("group", groupId)
        .bind("org", orgId)
        .bind("pattern", pattern)
        .map(
            (rs, ctx) ->
                new Candidate(
                    rs.getObject("id", UUID.class),
                    rs.getString("hostname"),
                    rs.getString("display_name"),
                    rs.getBoolean("member")))
        .list();
  }

  /** 404 naming the first id that is not a live host the user may see. */
  static void requireHosts(Handle handle, UUID orgId, HostScope scope, Collection<UUID> hostIds) {
    Set<UUID> known =
        new HashSet<>(
            scope
                .bind(
                    handle.createQuery(
                        "SELECT h.id FROM hosts h WHERE h.org_id = :org AND h.deleted_at IS NULL"
                            + " AND h.id = ANY(:hosts)"
                            + scope.filter("h.id")))
                .bind("org", orgId)
                .bindArray("hosts", UUID.class, hostIds)
                .mapTo(UUID.class)
                .list());
    for (UUID id : hostIds) {
      if (!known.contains(id)) {
        throw HttpProblem.notFound("no such host: " + id);
      }
    }
  }
}
