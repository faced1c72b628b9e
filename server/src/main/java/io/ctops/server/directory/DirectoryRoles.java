package io.ctops.server.directory;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPException;
import io.ctops.server.auth.Role;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The roles a person's directory groups give: at most one on the whole organisation and one per
 * host group, each the highest that any of their groups is mapped to.
 */
public record DirectoryRoles(Optional<Role> organisation, Map<UUID, Role> hostGroups) {

  public DirectoryRoles {
    hostGroups = Map.copyOf(hostGroups);
  }

  /** No mapping matched: the person has no access here. */
  public boolean isEmpty() {
    return organisation.isEmpty() && hostGroups.isEmpty();
  }

  /** What the mappings give a member of these groups (DNs compared as DNs, not as text). */
  static DirectoryRoles of(List<RoleMapping> mappings, Collection<String> groupDns) {
    Set<DN> groups = new HashSet<>();
    for (String group : groupDns) {
      parse(group).ifPresent(groups::add);
    }
    Role organisation = null;
    Map<UUID, Role> hostGroups = new HashMap<>();
    for (RoleMapping mapping : mappings) {
      if (parse(mapping.groupDn()).filter(groups::contains).isEmpty()) {
        continue;
      }
      if (mapping.hostGroupId().isPresent()) {
        hostGroups.merge(mapping.hostGroupId().get(), mapping.role(), DirectoryRoles::higher);
      } else {
        organisation = organisation == null ? mapping.role() : higher(organisation, mapping.role());
      }
    }
    return new DirectoryRoles(Optional.ofNullable(organisation), hostGroups);
  }

  /** Roles are declared from the most to the least powerful. */
  private static Role higher(Role a, Role b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Optional<DN> parse(String dn) {
    try {
      return Optional.of(new DN(dn));
    } catch (LDAPException e) {
      return Optional.empty();
    }
  }
}
