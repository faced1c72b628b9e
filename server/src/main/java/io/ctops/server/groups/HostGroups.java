package io.ctops.server.groups;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import io.ctops.server.auth.HostScope;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Host groups of an organisation: create, change, delete, and their members. A static group's
 * members are added and removed by hand; a dynamic group's are whatever live hosts match its rule,
 * kept in {@code host_group_members} by the database (a host that changes) and by {@link #refresh}
 * (a rule that changes), so reading members is always an index lookup. Every change is recorded in
 * the audit log in its own transaction.
 */
public final class HostGroups {
  private HostGroups() {}

  /** A group as lists show it: its rule and how many live members it has, online and offline. */
  public record Group(
      UUID id,
      String name,
      String description,
      boolean dynamic,
      GroupRule rule,
      long members,
      long online,
      long offline) {}

  /** What an operator asks a group to be. */
  public record GroupSpec(String name, String description, boolean dynamic, GroupRule rule) {
    public GroupSpec {
      name = name == null ? "" : name.strip();
      description = description == null ? "" : description.strip();
      if (name.isEmpty()) {
        throw new GroupRule.InvalidRuleException("a group needs a name");
      }
      if (name.length() > 200) {
        throw new GroupRule.InvalidRuleException("a group name is limited to 200 characters");
      }
      if (description.length() > 2000) {
        throw new GroupRule.InvalidRuleException("a description is limited to 2,000 characters");
      }
      if (dynamic && rule.isEmpty()) {
        throw new GroupRule.InvalidRuleException(
            "a dynamic group needs at least one condition (tag, OS, hostname pattern, CIDR or"
                + " status)");
      }
      if (!dynamic && !rule.isEmpty()) {
        throw new GroupRule.InvalidRuleException(
            "a static group has no rule: its members are picked by hand");
      }
    }
  }

  /**
   * The groups matching {@code where} (a condition on alias {@code g}) with their live members
   * counted in one grouped join, not three counts per group: the Groups page of 200 groups took
   * seconds that way.
   */
  private static String groupsWhere(String where) {
    return """
        SELECT g.id, g.name, g.description, g.dynamic, g.rule_tags, g.rule_os, g.rule_hostname,
               host(g.rule_cidr) || '/' || masklen(g.rule_cidr) AS rule_cidr, g.rule_status,
               coalesce(c.members, 0) AS members, coalesce(c.online, 0) AS online,
               coalesce(c.offline, 0) AS offline
          FROM host_groups g
          LEFT JOIN (SELECT m.group_id, count(*) AS members,
                            count(*) FILTER (WHERE h.status = 'online') AS online,
                            count(*) FILTER (WHERE h.status = 'offline') AS offline
                       FROM host_group_members m
                       JOIN hosts h ON h.id = m.host_id AND h.deleted_at IS NULL
                      WHERE m.group_id IN (SELECT g.id FROM host_groups g WHERE %1$s)
                      GROUP BY m.group_id) c ON c.group_id = g.id
         WHERE %1$s
        """
        .formatted(where);
  }

  /** The organisation's groups the user may see (a scoped user: their own), by name. */
  public static List<Group> list(Handle handle, UUID orgId, HostScope scope) {
    return handle
        .createQuery(
            groupsWhere("g.org_id = :org" + scopeFilter(scope)) + " ORDER BY lower(g.name)")
        .bind("org", orgId)
        .bindArray("scopeGroups", UUID.class, scope.groupIds())
        .map(HostGroups::group)
        .list();
  }

  public static Optional<Group> find(Handle handle, UUID orgId, HostScope scope, UUID id) {
    return detail(handle, orgId, scope, id).map(GroupDetail::group);
  }

  /** A group's name, when the user may see the group. */
  public static Optional<String> name(Handle handle, UUID orgId, HostScope scope, UUID id) {
    return handle
        .createQuery(
            "SELECT g.name FROM host_groups g WHERE g.org_id = :org AND g.id = :id"
                + scopeFilter(scope))
        .bind("org", orgId)
        .bind("id", id)
        .bindArray("scopeGroups", UUID.class, scope.groupIds())
        .mapTo(String.class)
        .findOne();
  }

  /** A group and the operating systems of its live members, by name: its page's OS filter. */
  public record GroupDetail(Group group, List<String> operatingSystems) {}

  /**
   * One group, its members counted by status and OS in one pass over them: its page needs the
   * counts, the OS names and (unfiltered) its list's total, which would otherwise be three passes.
   */
  public static Optional<GroupDetail> detail(Handle handle, UUID orgId, HostScope scope, UUID id) {
    return handle
        .createQuery(
            """
            WITH g AS (SELECT * FROM host_groups g WHERE g.org_id = :org AND g.id = :id %s),
                 b AS (SELECT h.status, h.os, count(*) AS hosts
                         FROM host_group_members m
                         JOIN hosts h ON h.id = m.host_id AND h.deleted_at IS NULL
                        WHERE m.group_id = (SELECT g.id FROM g)
                        GROUP BY h.status, h.os)
            SELECT g.id, g.name, g.description, g.dynamic, g.rule_tags, g.rule_os,
                   g.rule_hostname, host(g.rule_cidr) || '/' || masklen(g.rule_cidr) AS rule_cidr,
                   g.rule_status,
                   (SELECT coalesce(sum(b.hosts), 0) FROM b) AS members,
                   (SELECT coalesce(sum(b.hosts), 0) FROM b WHERE b.status = 'online') AS online,
                   (SELECT coalesce(sum(b.hosts), 0) FROM b WHERE b.status = 'offline') AS offline,
                   ARRAY(SELECT DISTINCT b.os FROM b WHERE b.os IS NOT NULL ORDER BY b.os)
                     AS operating_systems
              FROM g
            """
                .formatted(scopeFilter(scope)))
        .bind("org", orgId)
        .bind("id", id)
        .bindArray("scopeGroups", UUID.class, scope.groupIds())
        .map((rs, ctx) -> new GroupDetail(group(rs, ctx), terms(rs.getArray("operating_systems"))))
        .findOne();
  }

  /** The groups a host belongs to, that the user may see. */
  public static List<Group> groupsOf(Handle handle, UUID orgId, HostScope scope, UUID hostId) {
    return handle
        .createQuery(
            groupsWhere(
                    "g.org_id = :org"
                        + " AND g.id IN (SELECT group_id FROM host_group_members"
                        + " WHERE host_id = :host)"
                        + scopeFilter(scope))
                + " ORDER BY lower(g.name)")
        .bind("org", orgId)
        .bind("host", hostId)
        .bindArray("scopeGroups", UUID.class, scope.groupIds())
        .map(HostGroups::group)
        .list();
  }

  private static String scopeFilter(HostScope scope) {
    return scope.isWholeOrganisation() ? "" : " AND g.id = ANY(:scopeGroups)";
  }

  /** Creates a group (a dynamic one with its members at once) and returns its id. */
  public static UUID create(Handle handle, UUID orgId, Actor actor, GroupSpec spec) {
    UUID id =
        bindRule(
                handle.createQuery(
                    """
                    INSERT INTO host_groups (org_id, name, description, dynamic, rule_tags,
                        rule_os, rule_hostname, rule_hostname_like, rule_cidr, rule_status,
                        created_by)
                    VALUES (:org, :name, :description, :dynamic, :tags, :os, :hostname,
                        :hostnameLike, CAST(network(CAST(:cidr AS inet)) AS cidr), :status,
                        :createdBy)
                    RETURNING id
                    """),
                spec)
            .bind("org", orgId)
            .bind("createdBy", actor.userId().orElse(null))
            .mapTo(UUID.class)
            .one();
    refresh(handle, id);
    AuditLog.record(
        handle,
        AuditEntry.of(orgId, actor, AuditAction.GROUP_CREATE)
            .target(Target.group(id, spec.name()))
            .param("dynamic", spec.dynamic())
            .param("rule", spec.dynamic() ? describe(spec.rule()) : null));
    return id;
  }

  /** Changes a group; false when it is not the organisation's. */
  public static boolean update(Handle handle, UUID orgId, Actor actor, UUID id, GroupSpec spec) {
    int changed =
        bindRule(
                handle.createUpdate(
                    """
                    UPDATE host_groups SET name = :name, description = :description,
                        dynamic = :dynamic, rule_tags = :tags, rule_os = :os,
                        rule_hostname = :hostname, rule_hostname_like = :hostnameLike,
                        rule_cidr = CAST(network(CAST(:cidr AS inet)) AS cidr),
                        rule_status = :status, updated_at = now()
                     WHERE id = :id AND org_id = :org
                    """),
                spec)
            .bind("id", id)
            .bind("org", orgId)
            .execute();
    if (changed == 0) {
      return false;
    }
    refresh(handle, id);
    AuditLog.record(
        handle,
        AuditEntry.of(orgId, actor, AuditAction.GROUP_UPDATE)
            .target(Target.group(id, spec.name()))
            .param("dynamic", spec.dynamic())
            .param("rule", spec.dynamic() ? describe(spec.rule()) : null));
    return true;
  }

  /** Deletes a group (its members stay hosts, its scoped roles go); false when unknown. */
  public static boolean delete(Handle handle, UUID orgId, Actor actor, UUID id) {
    Optional<String> name =
        handle
            .createQuery("DELETE FROM host_groups WHERE id = :id AND org_id = :org RETURNING name")
            .bind("id", id)
            .bind("org", orgId)
            .mapTo(String.class)
            .findOne();
    name.ifPresent(
        n ->
            AuditLog.record(
                handle,
                AuditEntry.of(orgId, actor, AuditAction.GROUP_DELETE).target(Target.group(id, n))));
    return name.isPresent();
  }

  /**
   * Adds the organisation's live hosts among {@code hostIds} to a static group; returns how many
   * were not members yet. A dynamic group's members follow its rule and cannot be picked.
   */
  public static int addMembers(
      Handle handle, UUID orgId, Actor actor, UUID groupId, Collection<UUID> hostIds) {
    Group group = requireStatic(handle, orgId, groupId);
    int added = insertMembers(handle, orgId, groupId, hostIds);
    AuditLog.record(
        handle,
        AuditEntry.of(orgId, actor, AuditAction.GROUP_MEMBERS_ADD)
            .target(Target.group(groupId, group.name()))
            .param("hosts", hostIds.size())
            .param("added", added));
    return added;
  }

  /**
   * {@link #addMembers} without its checks and audit entry, for a caller that checked the group is
   * static and records a larger action once (a bulk job over many chunks of hosts).
   */
  public static int insertMembers(
      Handle handle, UUID orgId, UUID groupId, Collection<UUID> hostIds) {
    return handle
        .createUpdate(
            """
                INSERT INTO host_group_members (group_id, host_id)
                SELECT :group, h.id FROM hosts h
                 WHERE h.org_id = :org AND h.deleted_at IS NULL AND h.id = ANY(:hosts)
                ON CONFLICT DO NOTHING
                """)
        .bind("group", groupId)
        .bind("org", orgId)
        .bindArray("hosts", UUID.class, hostIds)
        .execute();
  }

  /** Removes hosts from a static group; returns how many were members. */
  public static int removeMembers(
      Handle handle, UUID orgId, Actor actor, UUID groupId, Collection<UUID> hostIds) {
    Group group = requireStatic(handle, orgId, groupId);
    int removed = deleteMembers(handle, groupId, hostIds);
    AuditLog.record(
        handle,
        AuditEntry.of(orgId, actor, AuditAction.GROUP_MEMBERS_REMOVE)
            .target(Target.group(groupId, group.name()))
            .param("hosts", hostIds.size())
            .param("removed", removed));
    return removed;
  }

  /** {@link #removeMembers} without its checks and audit entry (see {@link #insertMembers}). */
  public static int deleteMembers(Handle handle, UUID groupId, Collection<UUID> hostIds) {
    return handle
        .createUpdate(
            "DELETE FROM host_group_members WHERE group_id = :group AND host_id = ANY(:hosts)")
        .bind("group", groupId)
        .bindArray("hosts", UUID.class, hostIds)
        .execute();
  }

  /**
   * The organisation's static group: {@link UnknownGroupException} when there is none with this id,
   * {@link GroupRule.InvalidRuleException} saying why when it is dynamic.
   */
  public static Group requireStatic(Handle handle, UUID orgId, UUID groupId) {
    Group group =
        find(handle, orgId, HostScope.ORGANISATION, groupId)
            .orElseThrow(() -> new UnknownGroupException(groupId));
    if (group.dynamic()) {
      throw new GroupRule.InvalidRuleException(
          "the members of the dynamic group \""
              + group.name()
              + "\" follow its rule; change the rule or the hosts' tags instead");
    }
    return group;
  }

  /**
   * Makes a dynamic group's members the live hosts matching its rule now: one statement removes
   * those that no longer match, one adds the new ones, with the rule bound as values so the tag,
   * tag index can serve it. A static group keeps its members.
   */
  public static void refresh(Handle handle, UUID groupId) {
    handle
        .createUpdate(
            """
            DELETE FROM host_group_members m
             USING host_groups g, hosts h, host_tags t
             WHERE m.group_id = :group AND g.id = m.group_id AND g.dynamic AND h.id = m.host_id
               AND t.host_id = h.id
               AND NOT host_matches_rule(h.deleted_at, h.os, h.hostname, h.ip_addresses, h.status,
                                         t.terms, g.rule_tags, g.rule_os, g.rule_hostname_like,
                                         g.rule_cidr, g.rule_status)
            """)
        .bind("group", groupId)
        .execute();
    handle
        .createUpdate(
            """
            INSERT INTO host_group_members (group_id, host_id)
            SELECT g.id, h.id
              FROM host_groups g
              JOIN hosts h ON h.org_id = g.org_id AND h.deleted_at IS NULL
              JOIN host_tags t ON t.host_id = h.id
             WHERE g.id = :group AND g.dynamic
               AND host_matches_rule(h.deleted_at, h.os, h.hostname, h.ip_addresses, h.status,
                                     t.terms, g.rule_tags, g.rule_os, g.rule_hostname_like,
                                     g.rule_cidr, g.rule_status)
            ON CONFLICT DO NOTHING
            """)
        .bind("group", groupId)
        .execute();
  }

  private static <T extends org.jdbi.v3.core.statement.SqlStatement<T>> T bindRule(
      T statement, GroupSpec spec) {
    GroupRule rule = spec.rule();
    return statement
        .bind("name", spec.name())
        .bind("description", spec.description())
        .bind("dynamic", spec.dynamic())
        .bindArray("tags", String.class, (Object[]) rule.tagTerms())
        .bind("os", rule.os().orElse(null))
        .bind("hostname", rule.hostnamePattern().orElse(null))
        .bind("hostnameLike", rule.hostnameLike().orElse(null))
        .bind("cidr", rule.cidr().orElse(null))
        .bind("status", rule.status().orElse(null));
  }

  /** The rule in words, for the audit log and the groups page. */
  public static String describe(GroupRule rule) {
    List<String> parts = new java.util.ArrayList<>();
    rule.tags().forEach(t -> parts.add("tag " + t));
    rule.os().ifPresent(o -> parts.add("OS " + o));
    rule.hostnamePattern().ifPresent(p -> parts.add("hostname " + p));
    rule.cidr().ifPresent(c -> parts.add("address in " + c));
    rule.status().ifPresent(s -> parts.add("status " + s));
    return String.join(" and ", parts);
  }

  private static Group group(ResultSet rs, StatementContext ctx) throws SQLException {
    GroupRule rule =
        new GroupRule(
            terms(rs.getArray("rule_tags")).stream().map(Tag::parse).toList(),
            Optional.ofNullable(rs.getString("rule_os")),
            Optional.ofNullable(rs.getString("rule_hostname")),
            Optional.ofNullable(rs.getString("rule_cidr")),
            Optional.ofNullable(rs.getString("rule_status")));
    return new Group(
        rs.getObject("id", UUID.class),
        rs.getString("name"),
        rs.getString("description"),
        rs.getBoolean("dynamic"),
        rule,
        rs.getLong("members"),
        rs.getLong("online"),
        rs.getLong("offline"));
  }

  private static List<String> terms(Array array) throws SQLException {
    return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
  }

  /** True when a statement failed on the unique group name of the organisation. */
  public static boolean isDuplicateName(UnableToExecuteStatementException e) {
    return e.getCause() instanceof SQLException sql
        && "23505".equals(sql.getSQLState())
        && String.valueOf(sql.getMessage()).contains("host_groups_name_key");
  }

  /** True when PostgreSQL refused the rule's network (an address it cannot read). */
  public static boolean isInvalidCidr(UnableToExecuteStatementException e) {
    return e.getCause() instanceof SQLException sql && "22P02".equals(sql.getSQLState());
  }

  /** A group id that is not the organisation's. */
  public static final class UnknownGroupException extends RuntimeException {
    public UnknownGroupException(UUID id) {
      super("no such group: " + id, null, false, false);
    }
  }
}
