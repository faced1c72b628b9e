package io.ctops.server.directory;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.auth.Role;
import io.ctops.server.platform.pki.DevelopmentCertificate;
import io.ctops.server.platform.pki.Pem;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad value of the directory settings is refused with a message naming its field. */
class DirectorySettingsTest {
  private static final DirectorySettings GOOD =
      DirectorySettings.activeDirectory(
              List.of("ldap://dc1.corp.example", "ldaps://dc2.corp.example:3269"),
              "CN=ctops-reader,OU=Service,DC=corp,DC=example",
              "secret",
              "OU=People,DC=corp,DC=example")
          .withGroupBaseDn(Optional.of("OU=Groups,DC=corp,DC=example"))
          .withCaCertificate(
              Optional.of(Pem.encode(DevelopmentCertificate.create(Set.of()).certificate())))
          .withRoleMappings(
              List.of(
                  RoleMapping.organisation(
                      "CN=Admins,OU=Groups,DC=corp,DC=example", Role.ORG_ADMIN),
                  RoleMapping.hostGroup(
                      "CN=Web,OU=Groups,DC=corp,DC=example", Role.ENGINEER, UUID.randomUUID())));

  @Test
  void activeDirectoryDefaultsWithTheOrganisationsValuesHaveNoProblem() {
    assertThat(GOOD.problems()).isEmpty();
    assertThat(GOOD.userFilter()).isEqualTo("(&(objectClass=user)(objectCategory=person))");
    assertThat(GOOD.attributes().login()).isEqualTo("sAMAccountName");
    assertThat(GOOD.servers())
        .containsExactly(
            new ServerUrl(false, "dc1.corp.example", 389),
            new ServerUrl(true, "dc2.corp.example", 3269));
  }

  static Stream<Arguments> badValues() {
    String privateKey =
        Pem.encodePrivateKey(DevelopmentCertificate.create(Set.of()).keyPair().getPrivate());
    return Stream.of(
        bad("no server", s -> s.withServerUrls(List.of()), "server_urls", "at least one"),
        bad(
            "http URL",
            s -> s.withServerUrls(List.of("http://dc1.corp.example")),
            "server_urls[0]",
            "must start with ldap:// (StartTLS) or ldaps:// (TLS), not http://"),
        bad(
            "URL without scheme",
            s -> s.withServerUrls(List.of("ldap://ok.example", "dc1.corp.example")),
            "server_urls[1]",
            "must start with ldap://"),
        bad(
            "URL that does not parse",
            s -> s.withServerUrls(List.of("ldap://dc 1.example")),
            "server_urls[0]",
            "is not a URL"),
        bad(
            "URL with a base DN",
            s -> s.withServerUrls(List.of("ldap://dc1.example/DC=corp")),
            "server_urls[0]",
            "the base DN is its own field"),
        bad(
            "URL with port 0",
            s -> s.withServerUrls(List.of("ldaps://dc1.example:0")),
            "server_urls[0]",
            "port 0"),
        bad(
            "CA that is a private key",
            s -> s.withCaCertificate(Optional.of(privateKey)),
            "ca_certificate",
            "holds a private key"),
        bad(
            "CA that is not PEM",
            s -> s.withCaCertificate(Optional.of("hello")),
            "ca_certificate",
            "holds no certificate"),
        bad(
            "CA with broken base64",
            s ->
                s.withCaCertificate(
                    Optional.of("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")),
            "ca_certificate",
            "is not valid PEM"),
        bad("empty bind DN", s -> s.withBind(" ", "secret"), "bind_dn", "is required"),
        bad(
            "bind DN that does not parse",
            s -> s.withBind("ctops-reader", "secret"),
            "bind_dn",
            "\"ctops-reader\" is not a DN"),
        bad("empty bind password", s -> s.withBind(s.bindDn(), ""), "bind_password", "required"),
        bad(
            "user base DN that does not parse",
            s -> s.withUsersUnder("OU=People,,DC=corp", s.userFilter()),
            "user_base_dn",
            "is not a DN"),
        bad(
            "empty user base DN",
            s -> s.withUsersUnder("", s.userFilter()),
            "user_base_dn",
            "is required"),
        bad(
            "filter that does not parse",
            s -> s.withUsersUnder(s.userBaseDn(), "(&(objectClass=user)"),
            "user_filter",
            "is not an LDAP filter"),
        bad(
            "empty filter",
            s -> s.withUsersUnder(s.userBaseDn(), ""),
            "user_filter",
            "is required"),
        bad(
            "group base DN that does not parse",
            s -> s.withGroupBaseDn(Optional.of("Groups")),
            "group_base_dn",
            "is not a DN"),
        bad(
            "attribute that is not a name",
            s ->
                s.withAttributes(
                    new AttributeMapping(
                        "uid)(x",
                        "userPrincipalName",
                        "displayName",
                        "mail",
                        "memberOf",
                        "userAccountControl",
                        "accountExpires",
                        Optional.empty())),
            "attributes.login",
            "is not an attribute name"),
        bad(
            "mapping to a group DN that does not parse",
            s -> s.withRoleMappings(List.of(RoleMapping.organisation("Admins", Role.ORG_ADMIN))),
            "role_mappings[0].group_dn",
            "is not a DN"),
        bad(
            "mapping to super_admin",
            s ->
                s.withRoleMappings(
                    List.of(RoleMapping.organisation("CN=Root,DC=corp", Role.SUPER_ADMIN))),
            "role_mappings[0].role",
            "super_admin is never given"),
        bad(
            "admin role on a host group",
            s ->
                s.withRoleMappings(
                    List.of(
                        RoleMapping.hostGroup(
                            "CN=Ops,DC=corp", Role.ORG_ADMIN, UUID.randomUUID()))),
            "role_mappings[0].role",
            "engineer or read_only"),
        bad(
            "the same group mapped twice on one scope",
            s ->
                s.withRoleMappings(
                    List.of(
                        RoleMapping.organisation("CN=Ops,DC=corp", Role.ENGINEER),
                        RoleMapping.organisation("cn=ops, dc=CORP", Role.READ_ONLY))),
            "role_mappings[1].group_dn",
            "mapped twice"));
  }

  private static Arguments bad(
      String what, UnaryOperator<DirectorySettings> change, String field, String message) {
    return Arguments.of(what, change, field, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badValues")
  void refusesABadValueNamingItsField(
      String what, UnaryOperator<DirectorySettings> change, String field, String message) {
    List<SettingsProblem> problems = change.apply(GOOD).problems();
    assertThat(problems).as(what).hasSize(1);
    assertThat(problems.get(0).field()).isEqualTo(field);
    assertThat(problems.get(0).message()).contains(message);
  }

  @Test
  void listsEveryProblemAtOnce() {
    DirectorySettings bad =
        GOOD.withServerUrls(List.of("https://x"))
            .withBind("nope", "")
            .withUsersUnder("nope", "(nope");
    assertThat(bad.problems())
        .extracting(SettingsProblem::field)
        .containsExactly(
            "server_urls[0]", "bind_dn", "bind_password", "user_base_dn", "user_filter");
  }

  @Test
  void neverPrintsTheBindPassword() {
    assertThat(GOOD.toString()).doesNotContain("secret").contains("ldap://dc1.corp.example");
  }
}
