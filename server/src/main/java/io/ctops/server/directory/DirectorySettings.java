package io.ctops.server.directory;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.UserScopes;
import io.ctops.server.platform.pki.Pem;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * An organisation's directory: the servers (tried in order), the CA their certificates chain to
 * (absent: the JDK's trusted CAs), the account the server searches as, where people and groups are,
 * which attributes say what, and which directory groups give which roles. {@link #problems()} lists
 * every value that cannot be used, each naming its field; nothing is saved while there is one.
 */
public record DirectorySettings(
    boolean enabled,
    List<String> serverUrls,
    Optional<String> caCertificatePem,
    String bindDn,
    String bindPassword,
    String userBaseDn,
    String userFilter,
    Optional<String> groupBaseDn,
    AttributeMapping attributes,
    List<RoleMapping> roleMappings) {

  /** Active Directory's people: users that are persons (computer accounts are users too). */
  public static final String DEFAULT_USER_FILTER = "(&(objectClass=user)(objectCategory=person))";

  private static final int MAX_SERVERS = 10;
  private static final int MAX_TEXT = 4096;
  private static final int MAX_MAPPINGS = 500;

  public DirectorySettings {
    serverUrls = List.copyOf(serverUrls);
    roleMappings = List.copyOf(roleMappings);
  }

  /** Active Directory defaults around the values that are always the organisation's own. */
  public static DirectorySettings activeDirectory(
      List<String> serverUrls, String bindDn, String bindPassword, String userBaseDn) {
    return new DirectorySettings(
        true,
        serverUrls,
        Optional.empty(),
        bindDn,
        bindPassword,
        userBaseDn,
        DEFAULT_USER_FILTER,
        Optional.empty(),
        AttributeMapping.activeDirectory(),
        List.of());
  }

  public DirectorySettings withEnabled(boolean on) {
    return new DirectorySettings(
        on,
        serverUrls,
        caCertificatePem,
        bindDn,
        bindPassword,
        userBaseDn,
        userFilter,
        groupBaseDn,
        attributes,
        roleMappings);
  }

  public DirectorySettings withServerUrls(List<String> urls) {
    return new DirectorySettings(
        enabled,
        urls,
        caCertificatePem,
        bindDn,
        bindPassword,
        userBaseDn,
        userFilter,
        groupBaseDn,
        attributes,
        roleMappings);
  }

  public DirectorySettings withUsersUnder(String baseDn, String filter) {
    return new DirectorySettings(
        enabled,
        serverUrls,
        caCertificatePem,
        bindDn,
        bindPassword,
        baseDn,
        filter,
        groupBaseDn,
        attributes,
        roleMappings);
  }

  public DirectorySettings withBind(String dn, String password) {
    return new DirectorySettings(
        enabled,
        serverUrls,
        caCertificatePem,
        dn,
        password,
        userBaseDn,
        userFilter,
        groupBaseDn,
        attributes,
        roleMappings);
  }

  public DirectorySettings withAttributes(AttributeMapping mapping) {
    return new DirectorySettings(
        enabled,
        serverUrls,
        caCertificatePem,
        bindDn,
        bindPassword,
        userBaseDn,
        userFilter,
        groupBaseDn,
        mapping,
        roleMappings);
  }

  /** The CA certificate(s) to trust, PEM; empty: the JDK's trusted CAs. */
  public DirectorySettings withCaCertificate(Optional<String> pem) {
    return new DirectorySettings(
        enabled,
        serverUrls,
        pem,
        bindDn,
        bindPassword,
        userBaseDn,
        userFilter,
        groupBaseDn,
        attributes,
        roleMappings);
  }

  /** Groups named by their {@code member} values are searched under this DN; empty: none are. */
  public DirectorySettings withGroupBaseDn(Optional<String> dn) {
    return new DirectorySettings(
        enabled,
        serverUrls,
        caCertificatePem,
        bindDn,
        bindPassword,
        userBaseDn,
        userFilter,
        dn,
        attributes,
        roleMappings);
  }

  public DirectorySettings withRoleMappings(List<RoleMapping> mappings) {
    return new DirectorySettings(
        enabled,
        serverUrls,
        caCertificatePem,
        bindDn,
        bindPassword,
        userBaseDn,
        userFilter,
        groupBaseDn,
        attributes,
        mappings);
  }

  public DirectorySettings withBindPassword(String password) {
    return new DirectorySettings(
        enabled,
        serverUrls,
        caCertificatePem,
        bindDn,
        password,
        userBaseDn,
        userFilter,
        groupBaseDn,
        attributes,
        roleMappings);
  }

  /** Every value that cannot be used, each naming its field; empty when all can. */
  public List<SettingsProblem> problems() {
    List<SettingsProblem> problems = new ArrayList<>();
    if (serverUrls.isEmpty()) {
      problems.add(new SettingsProblem("server_urls", "name at least one server"));
    }
    if (serverUrls.size() > MAX_SERVERS) {
      problems.add(new SettingsProblem("server_urls", "name at most " + MAX_SERVERS + " servers"));
    }
    for (int i = 0; i < serverUrls.size(); i++) {
      try {
        ServerUrl.parse(serverUrls.get(i));
      } catch (IllegalArgumentException e) {
        problems.add(new SettingsProblem("server_urls[" + i + "]", e.getMessage()));
      }
    }
    caCertificatePem.ifPresent(
        pem -> {
          try {
            Pem.certificates(pem);
          } catch (IllegalArgumentException e) {
            problems.add(new SettingsProblem("ca_certificate", e.getMessage()));
          }
        });
    checkDn(problems, "bind_dn", bindDn);
    if (bindPassword == null || bindPassword.isEmpty()) {
      problems.add(new SettingsProblem("bind_password", "is required"));
    } else if (bindPassword.length() > MAX_TEXT) {
      problems.add(new SettingsProblem("bind_password", "is longer than " + MAX_TEXT));
    }
    checkDn(problems, "user_base_dn", userBaseDn);
    checkFilter(problems, "user_filter", userFilter);
    groupBaseDn.ifPresent(dn -> checkDn(problems, "group_base_dn", dn));
    checkAttributes(problems);
    checkMappings(problems);
    return problems;
  }

  private void checkAttributes(List<SettingsProblem> problems) {
    checkAttribute(problems, "login", attributes.login());
    checkAttribute(problems, "user_principal_name", attributes.userPrincipalName());
    checkAttribute(problems, "display_name", attributes.displayName());
    checkAttribute(problems, "mail", attributes.mail());
    checkAttribute(problems, "member_of", attributes.memberOf());
    checkAttribute(problems, "user_account_control", attributes.userAccountControl());
    checkAttribute(problems, "account_expires", attributes.accountExpires());
    attributes.disabledFlag().ifPresent(a -> checkAttribute(problems, "disabled_flag", a));
  }

  private void checkMappings(List<SettingsProblem> problems) {
    if (roleMappings.size() > MAX_MAPPINGS) {
      problems.add(
          new SettingsProblem("role_mappings", "hold at most " + MAX_MAPPINGS + " mappings"));
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < roleMappings.size(); i++) {
      RoleMapping mapping = roleMappings.get(i);
      String field = "role_mappings[" + i + "]";
      Optional<DN> dn = checkDn(problems, field + ".group_dn", mapping.groupDn());
      if (mapping.role() == null) {
        problems.add(new SettingsProblem(field + ".role", "is required"));
        continue;
      }
      if (mapping.role() == Role.SUPER_ADMIN) {
        problems.add(
            new SettingsProblem(
                field + ".role",
                "super_admin is never given by a directory group; choose org_admin"));
      } else if (mapping.hostGroupId().isPresent()
          && !UserScopes.GROUP_ROLES.contains(mapping.role())) {
        problems.add(
            new SettingsProblem(
                field + ".role",
                "a role on a host group is engineer or read_only, not " + mapping.role().dbName()));
      }
      if (dn.isPresent()
          && !seen.add(dn.get().toNormalizedString() + " " + mapping.hostGroupId().orElse(null))) {
        problems.add(
            new SettingsProblem(
                field + ".group_dn",
                mapping.groupDn().strip()
                    + " is mapped twice on the same scope; keep one mapping with the role it"
                    + " should give"));
      }
    }
  }

  private static Optional<DN> checkDn(List<SettingsProblem> problems, String field, String dn) {
    return check(
        problems,
        field,
        dn,
        value -> {
          try {
            return new DN(value);
          } catch (LDAPException e) {
            throw new IllegalArgumentException(
                "\"" + value + "\" is not a DN (" + e.getExceptionMessage() + ")");
          }
        });
  }

  private static void checkFilter(List<SettingsProblem> problems, String field, String filter) {
    check(
        problems,
        field,
        filter,
        value -> {
          try {
            return Filter.create(value);
          } catch (LDAPException e) {
            throw new IllegalArgumentException(
                "\"" + value + "\" is not an LDAP filter (" + e.getExceptionMessage() + ")");
          }
        });
  }

  private static void checkAttribute(List<SettingsProblem> problems, String name, String value) {
    check(
        problems,
        "attributes." + name,
        value,
        v -> {
          // an attribute description: a name or an OID, with options (RFC 4512 section 2.5)
          if (!v.matches("[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*|[0-9]+(\\.[0-9]+)+")) {
            throw new IllegalArgumentException("\"" + v + "\" is not an attribute name");
          }
          return v;
        });
  }

  private static <T> Optional<T> check(
      List<SettingsProblem> problems, String field, String value, Function<String, T> parse) {
    if (value == null || value.isBlank()) {
      problems.add(new SettingsProblem(field, "is required"));
      return Optional.empty();
    }
    if (value.length() > MAX_TEXT) {
      problems.add(new SettingsProblem(field, "is longer than " + MAX_TEXT + " characters"));
      return Optional.empty();
    }
    try {
      return Optional.of(parse.apply(value.strip()));
    } catch (IllegalArgumentException e) {
      problems.add(new SettingsProblem(field, e.getMessage()));
      return Optional.empty();
    }
  }

  /** The servers, in the order they are tried; call only on settings without problems. */
  List<ServerUrl> servers() {
    return serverUrls.stream().map(ServerUrl::parse).toList();
  }

  /** The CAs to trust, when the settings name some; call only on settings without problems. */
  Optional<List<X509Certificate>> trustedCas() {
    return caCertificatePem.map(Pem::certificates);
  }

  /** Never prints the bind password. */
  @Override
  public String toString() {
    return "DirectorySettings[enabled="
        + enabled
        + ", servers="
        + serverUrls
        + ", bindDn="
        + bindDn
        + ", userBaseDn="
        + userBaseDn
        + ", userFilter="
        + userFilter
        + ", groupBaseDn="
        + groupBaseDn.orElse("")
        + ", roleMappings="
        + roleMappings.size()
        + "]";
  }
}
