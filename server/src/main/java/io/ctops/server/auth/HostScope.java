package io.ctops.server.auth;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Which of the organisation's hosts a user may see: all of them, or only the members of the groups
 * they hold a role on (none when they hold none). Every query that names or lists hosts adds {@link
 * #filter(String)} and {@link #bind(SqlStatement)}, so a host outside the scope is as absent as
 * another organisation's.
 */
public sealed interface HostScope {
  HostScope ORGANISATION = new Organisation();

  /** The SQL bind name of the scope's group ids. */
  String GROUPS_PARAMETER = "scopeGroups";

  /** The whole organisation, with the user's organisation role. */
  record Organisation() implements HostScope {}

  /** The members of these groups, with a role per group. */
  record Groups(Map<UUID, Role> roles) implements HostScope {
    public Groups {
      roles = Map.copyOf(roles);
    }
  }

  default boolean isWholeOrganisation() {
    return this instanceof Organisation;
  }

  /**
   * An {@code AND} condition limiting the host id column to the scope; empty for the whole
   * organisation, so unscoped queries keep their plans.
   */
  default String filter(String hostIdColumn) {
    return switch (this) {
      case Organisation o -> "";
      case Groups g ->
          " AND "
              + hostIdColumn
              + " IN (SELECT scope_m.host_id FROM host_group_members scope_m"
              + " WHERE scope_m.group_id = ANY(:"
              + GROUPS_PARAMETER
              + "))";
    };
  }

  /** Binds what {@link #filter(String)} refers to. */
  default <T extends SqlStatement<T>> T bind(T statement) {
    if (this instanceof Groups g) {
      statement.bindArray(GROUPS_PARAMETER, UUID.class, g.roles().keySet());
    }
    return statement;
  }

  default Set<UUID> groupIds() {
    return this instanceof Groups g ? g.roles().keySet() : Set.of();
  }

  /**
   * The role a user has on one host: their organisation role, or the highest role of their groups
   * that contain it (empty when none does, or the host is not the organisation's).
   */
  default java.util.Optional<Role> roleOn(Handle handle, UUID hostId, Role organisationRole) {
    return switch (this) {
      case Organisation o -> java.util.Optional.of(organisationRole);
      case Groups g ->
          handle
              .createQuery(
                  "SELECT group_id FROM host_group_members"
                      + " WHERE host_id = :host AND group_id = ANY(:groups)")
              .bind("host", hostId)
              .bindArray("groups", UUID.class, g.roles().keySet())
              .mapTo(UUID.class)
              .stream()
              .map(g.roles()::get)
              .min(Enum::compareTo);
    };
  }
}
