package io.ctops.server.groups.bulk;

import java.util.Collection;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Keeps dynamic groups' members right when a bulk job changes a chunk of hosts in one statement.
 * The hosts' row trigger (V13__groups.sql) would evaluate every dynamic group's rule for every
 * host, with two statements per host; for the transaction of a chunk it steps aside
 * (V15__bulk_jobs.sql) and two set-based statements do its work, knowing what changed: only tags
 * (then only groups whose rule names tags can gain or lose the hosts) or deletion (a deleted host
 * matches no rule).
 */
final class DynamicMembers {
  private DynamicMembers() {}

  /** From now until the transaction ends, the hosts' row trigger leaves members to the caller. */
  static void takeOver(Handle handle) {
    handle.execute("SET LOCAL ctops.group_members_by_statement = 'on'");
  }

  /**
   * After the hosts' tags changed, and nothing else about them: each leaves the groups whose tags
   * it no longer has and joins those whose whole rule it matches now.
   */
  static void afterTagsChanged(Handle handle, UUID orgId, Collection<UUID> hostIds) {
    handle
        .createUpdate(
            """
            DELETE FROM host_group_members m
             USING host_groups g, hosts h
             WHERE m.host_id = ANY(:hosts) AND g.id = m.group_id AND g.dynamic AND h.id = m.host_id
               AND NOT (h.tag_terms @> g.rule_tags)
            """)
        .bindArray("hosts", UUID.class, hostIds)
        .execute();
    handle
        .createUpdate(
            """
            INSERT INTO host_group_members (group_id, host_id)
            SELECT g.id, h.id
              FROM hosts h
              JOIN host_groups g ON g.org_id = h.org_id AND g.dynamic
                                AND cardinality(g.rule_tags) > 0
             WHERE h.org_id = :org AND h.id = ANY(:hosts) AND h.tag_terms @> g.rule_tags
               AND host_matches_rule(h, g.rule_tags, g.rule_os, g.rule_hostname_like,
                                     g.rule_cidr, g.rule_status)
            ON CONFLICT DO NOTHING
            """)
        .bind("org", orgId)
        .bindArray("hosts", UUID.class, hostIds)
        .execute();
  }

  /** After the hosts were deleted: they leave every dynamic group (static ones keep them). */
  static void afterDeleted(Handle handle, Collection<UUID> hostIds) {
    handle
        .createUpdate(
            """
            DELETE FROM host_group_members m
             USING host_groups g, hosts h
             WHERE m.host_id = ANY(:hosts) AND g.id = m.group_id AND g.dynamic
               AND h.id = m.host_id AND h.deleted_at IS NOT NULL
            """)
        .bindArray("hosts", UUID.class, hostIds)
        .execute();
  }
}
