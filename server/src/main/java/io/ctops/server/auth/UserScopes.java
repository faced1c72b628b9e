package io.ctops.server.auth;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Which hosts each user sees: the whole organisation (with {@code users.role}), or only the members
 * of some groups, with a role per group. A scoped user's {@code users.role} is the highest of their
 * group roles, so navigation shows it; it is never an admin role, since admins decide who sees
 * what. Sessions read the scope on every request, so a change applies at the user's next request.
 */
public final class UserScopes {
  /** The roles a user may hold on a group. */
  public static final List<Role> GROUP_ROLES = List.of(Role.ENGINEER, Role.READ_ONLY);

  private final Jdbi jdbi;

  public UserScopes(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** A role on one group. */
  public record GroupRole(UUID groupId, String groupName, Role role) {}

  /** A user's access: the whole organisation, or these groups (none left: no host at all). */
  public record Access(boolean wholeOrganisation, List<GroupRole> groups) {
    public static final Access ORGANISATION = new Access(true, List.of());

    public Optional<Role> roleOn(UUID groupId) {
      return groups.stream()
          .filter(g -> g.groupId().equals(groupId))
          .map(GroupRole::role)
          .findAny();
    }
  }

  /** A group a user may be given a role on. */
  public record GroupName(UUID id, String name) {}

  /** The organisation's groups, by name. */
  public List<GroupName> groups(UUID orgId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT id, name FROM host_groups WHERE org_id = :org ORDER BY lower(name), id")
                .bind("org", orgId)
                .map(
                    (rs, ctx) ->
                        new GroupName(rs.getObject("id", UUID.class), rs.getString("name")))
                .list());
  }

  private record Row(UUID userId, Optional<GroupRole> groupRole) {}

  /** The access of every user of the organisation scoped to groups; the others see it all. */
  public Map<UUID, Access> scoped(UUID orgId) {
    List<Row> rows =
        jdbi.withHandle(
            handle ->
                handle
                    .createQuery(
                        """
                        SELECT u.id, g.id AS group_id, g.name, r.role
                          FROM users u
                          LEFT JOIN user_group_roles r ON r.user_id = u.id
                          LEFT JOIN host_groups g ON g.id = r.group_id
                         WHERE u.org_id = :org AND u.host_scope = 'groups'
                         ORDER BY u.id, lower(g.name)
                        """)
                    .bind("org", orgId)
                    .map(
                        (rs, ctx) -> {
                          UUID group = rs.getObject("group_id", UUID.class);
                          return new Row(
                              rs.getObject("id", UUID.class),
                              group == null
                                  ? Optional.empty()
                                  : Optional.of(
                                      new GroupRole(
                                          group,
                                          rs.getString("name"),
                                          Role.fromDb(rs.getString("role")))));
                        })
                    .list());
    Map<UUID, List<GroupRole>> roles = new LinkedHashMap<>();
    for (Row row : rows) {
      List<GroupRole> groups = roles.computeIfAbsent(row.userId(), id -> new ArrayList<>());
      row.groupRole().ifPresent(groups::add);
    }
    Map<UUID, Access> access = new HashMap<>();
    roles.forEach((user, groups) -> access.put(user, new Access(false, List.copyOf(groups))));
    return access;
  }

  /** One user's access; the organisation's few scoped users are read in one query. */
  public Access of(UUID orgId, UUID userId) {
    return scoped(orgId).getOrDefault(userId, Access.ORGANISATION);
  }

  /**
   * Scopes a user to groups, a role on each (engineer or read-only), replacing what they had; their
   * user role becomes the highest of these. Refused for the organisation's last admin. Throws
   * {@link IllegalArgumentException} naming what is wrong (no group, an admin role, a group that is
   * not the organisation's), changing nothing.
   */
  public Users.Change scopeToGroups(UUID orgId, UUID userId, Map<UUID, Role> roles, Actor by) {
    if (roles.isEmpty()) {
      throw new IllegalArgumentException("choose a role on at least one group");
    }
    for (Role role : roles.values()) {
      if (!GROUP_ROLES.contains(role)) {
        throw new IllegalArgumentException(
            "a role on a group is engineer or read_only, not " + role.dbName());
      }
    }
    return jdbi.inTransaction(
        handle -> {
          Optional<Users.User> user = Users.lock(handle, orgId, userId);
          if (user.isEmpty()) {
            return new Users.Change.NotFound();
          }
          Map<UUID, String> names = groupNames(handle, orgId, roles);
          Map<String, String> shown = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
          roles.forEach((group, role) -> shown.put(names.get(group), role.dbName()));
          Role highest = roles.values().stream().min(Enum::compareTo).orElseThrow();
          AuditEntry entry =
              AuditEntry.of(orgId, by, AuditAction.USER_SCOPE_CHANGE)
                  .target(Target.user(userId, user.get().email()))
                  .param("scope", "groups")
                  .param("groups", shown)
                  .param("role", highest.dbName());
          if (user.get().role().isAdmin() && Users.lastAdmin(handle, orgId)) {
            AuditLog.record(handle, entry.failed(Users.LAST_ADMIN));
            return new Users.Change.Refused(Users.LAST_ADMIN);
          }
          handle
              .createUpdate("UPDATE users SET host_scope = 'groups', role = :role WHERE id = :id")
              .bind("role", highest.dbName())
              .bind("id", userId)
              .execute();
          handle
              .createUpdate("DELETE FROM user_group_roles WHERE user_id = :id")
              .bind("id", userId)
              .execute();
          var insert =
              handle.prepareBatch(
                  "INSERT INTO user_group_roles (user_id, group_id, role)"
                      + " VALUES (:user, :group, :role)");
          roles.forEach(
              (group, role) ->
                  insert
                      .bind("user", userId)
                      .bind("group", group)
                      .bind("role", role.dbName())
                      .add());
          insert.execute();
          AuditLog.record(handle, entry);
          return new Users.Change.Done();
        });
  }

  private static Map<UUID, String> groupNames(Handle handle, UUID orgId, Map<UUID, Role> roles) {
    Map<UUID, String> names = new HashMap<>();
    handle
        .createQuery("SELECT id, name FROM host_groups WHERE org_id = :org AND id = ANY(:ids)")
        .bind("org", orgId)
        .bindArray("ids", UUID.class, roles.keySet())
        .map((rs, ctx) -> Map.entry(rs.getObject("id", UUID.class), rs.getString("name")))
        .forEach(e -> names.put(e.getKey(), e.getValue()));
    for (UUID group : roles.keySet()) {
      if (!names.containsKey(group)) {
        throw new IllegalArgumentException("no group " + group + " in this organisation");
      }
    }
    return names;
  }

  /**
   * Gives a scoped user the whole organisation again (in the caller's transaction, as their role
   * changes) and records it; does nothing for a user who already has it.
   */
  static void scopeToOrganisation(Handle handle, UUID orgId, Users.User user, Actor by) {
    int changed =
        handle
            .createUpdate(
                "UPDATE users SET host_scope = 'organisation'"
                    + " WHERE id = :id AND host_scope <> 'organisation'")
            .bind("id", user.id())
            .execute();
    handle
        .createUpdate("DELETE FROM user_group_roles WHERE user_id = :id")
        .bind("id", user.id())
        .execute();
    if (changed > 0) {
      AuditLog.record(
          handle,
          AuditEntry.of(orgId, by, AuditAction.USER_SCOPE_CHANGE)
              .target(Target.user(user.id(), user.email()))
              .param("scope", "organisation"));
    }
  }
}
