package io.ctops.server.directory;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.auth.Role;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DirectoryRolesTest {
  private static final UUID WEB = UUID.randomUUID();
  private static final UUID DB = UUID.randomUUID();
  private static final List<RoleMapping> MAPPINGS =
      List.of(
          RoleMapping.organisation("CN=Staff,DC=corp", Role.READ_ONLY),
          RoleMapping.organisation("CN=Admins,DC=corp", Role.ORG_ADMIN),
          RoleMapping.hostGroup("CN=Staff,DC=corp", Role.READ_ONLY, WEB),
          RoleMapping.hostGroup("CN=Web Devs,DC=corp", Role.ENGINEER, WEB),
          RoleMapping.hostGroup("CN=DBA,DC=corp", Role.ENGINEER, DB));

  @Test
  void theHighestRoleWinsOnEachScope() {
    DirectoryRoles roles =
        DirectoryRoles.of(
            MAPPINGS, List.of("CN=Staff,DC=corp", "CN=Admins,DC=corp", "CN=Web Devs,DC=corp"));
    assertThat(roles.organisation()).contains(Role.ORG_ADMIN);
    assertThat(roles.hostGroups()).containsExactly(Map.entry(WEB, Role.ENGINEER));
  }

  @Test
  void groupsAreComparedAsDnsNotAsText() {
    DirectoryRoles roles = DirectoryRoles.of(MAPPINGS, List.of("cn=dba, dc=CORP"));
    assertThat(roles.organisation()).isEmpty();
    assertThat(roles.hostGroups()).containsExactly(Map.entry(DB, Role.ENGINEER));
  }

  @Test
  void noMatchingGroupGivesNoRole() {
    assertThat(DirectoryRoles.of(MAPPINGS, List.of("CN=Visitors,DC=corp")).isEmpty()).isTrue();
  }
}
