package io.ctops.server.directory;

import io.ctops.server.auth.Role;
import java.util.Optional;
import java.util.UUID;

/**
 * Members of a directory group get a role: on the whole organisation, or on one host group only
 * (then engineer or read-only, as for local users scoped to groups).
 */
public record RoleMapping(String groupDn, Role role, Optional<UUID> hostGroupId) {

  public static RoleMapping organisation(String groupDn, Role role) {
    return new RoleMapping(groupDn, role, Optional.empty());
  }

  public static RoleMapping hostGroup(String groupDn, Role role, UUID hostGroupId) {
    return new RoleMapping(groupDn, role, Optional.of(hostGroupId));
  }
}
