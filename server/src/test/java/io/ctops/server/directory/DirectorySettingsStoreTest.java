package io.ctops.server.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.Role;
import io.ctops.server.platform.pki.KeyEncryptionKey;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Saving and reading the directory settings on the real database. */
@ExtendWith(FreshDatabase.class)
class DirectorySettingsStoreTest {
  private static final String PASSWORD = "Bind-Pa55word-for-the-reader";
  private static final Actor ADMIN = Actor.system("test");
  private static final DirectorySettings SETTINGS =
      DirectorySettings.activeDirectory(
              List.of("ldaps://dc1.corp.example", "ldap://dc2.corp.example:389"),
              "CN=ctops-reader,OU=Service,DC=corp,DC=example",
              PASSWORD,
              "OU=People,DC=corp,DC=example")
          .withGroupBaseDn(Optional.of("OU=Groups,DC=corp,DC=example"))
          .withRoleMappings(
              List.of(
                  RoleMapping.organisation(
                      "CN=Admins,OU=Groups,DC=corp,DC=example", Role.ORG_ADMIN)));

  private final KeyEncryptionKey kek = KeyEncryptionKey.random();

  @Test
  void savesAndReadsBackTheSettingsWithTheMappings(Jdbi jdbi) {
    UUID org = org(jdbi);
    UUID hostGroup = hostGroup(jdbi, org, "web");
    DirectorySettings settings =
        SETTINGS.withRoleMappings(
            List.of(
                RoleMapping.organisation("CN=Admins,OU=Groups,DC=corp,DC=example", Role.ORG_ADMIN),
                RoleMapping.hostGroup(
                    "CN=Web Devs,OU=Groups,DC=corp,DC=example", Role.ENGINEER, hostGroup)));
    DirectorySettingsStore store = new DirectorySettingsStore(jdbi, kek);

    assertThat(store.save(org, settings, ADMIN)).isEqualTo(new DirectorySettingsStore.Saved.Done());

    assertThat(store.load(org)).contains(settings);
    assertThat(
            Sql.number(
                jdbi,
                "SELECT count(*) FROM audit_entries WHERE action = 'directory_settings.change'"))
        .isEqualTo(1);
  }

  @Test
  void theBindPasswordIsStoredSealedAndNowhereInTheClear(Jdbi jdbi) {
    UUID org = org(jdbi);
    new DirectorySettingsStore(jdbi, kek).save(org, SETTINGS, ADMIN);

    String everything =
        Sql.string(
            jdbi,
            "SELECT row_to_json(d)::text || (SELECT string_agg(row_to_json(a)::text, '')"
                + " FROM audit_entries a) FROM directory_settings d");
    assertThat(everything).contains("ctops-reader").doesNotContain(PASSWORD);
    String sealedHex =
        Sql.string(jdbi, "SELECT encode(bind_password_sealed, 'escape') FROM directory_settings");
    assertThat(sealedHex).doesNotContain(PASSWORD);

    assertThatThrownBy(() -> new DirectorySettingsStore(jdbi, KeyEncryptionKey.random()).load(org))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("same key file");
  }

  @Test
  void anEmptyPasswordKeepsTheSavedOne(Jdbi jdbi) {
    UUID org = org(jdbi);
    DirectorySettingsStore store = new DirectorySettingsStore(jdbi, kek);
    store.save(org, SETTINGS, ADMIN);

    DirectorySettings changed =
        SETTINGS
            .withBindPassword("")
            .withUsersUnder("OU=Staff,DC=corp,DC=example", "(objectClass=user)");
    assertThat(store.save(org, changed, ADMIN)).isEqualTo(new DirectorySettingsStore.Saved.Done());

    DirectorySettings loaded = store.load(org).orElseThrow();
    assertThat(loaded.bindPassword()).isEqualTo(PASSWORD);
    assertThat(loaded.userBaseDn()).isEqualTo("OU=Staff,DC=corp,DC=example");
  }

  @Test
  void listsTheOrganisationsWhoseDirectoryIsEnabled(Jdbi jdbi) {
    UUID org = org(jdbi);
    DirectorySettingsStore store = new DirectorySettingsStore(jdbi, kek);
    assertThat(store.enabledOrganisations()).isEmpty();
    store.save(org, SETTINGS, ADMIN);
    assertThat(store.enabledOrganisations()).containsExactly(org);
    store.save(org, SETTINGS.withEnabled(false), ADMIN);
    assertThat(store.enabledOrganisations()).isEmpty();
  }

  @Test
  void aBadValueChangesNothing(Jdbi jdbi) {
    UUID org = org(jdbi);
    DirectorySettingsStore store = new DirectorySettingsStore(jdbi, kek);
    store.save(org, SETTINGS, ADMIN);

    DirectorySettingsStore.Saved refused =
        store.save(
            org, SETTINGS.withServerUrls(List.of("http://dc1")).withRoleMappings(List.of()), ADMIN);

    assertThat(refused).isInstanceOf(DirectorySettingsStore.Saved.Refused.class);
    assertThat(((DirectorySettingsStore.Saved.Refused) refused).problems())
        .extracting(SettingsProblem::field)
        .containsExactly("server_urls[0]");
    assertThat(store.load(org)).contains(SETTINGS);
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM audit_entries")).isEqualTo(1);
  }

  @Test
  void aFirstSaveNeedsAPasswordAndRefusesAnotherOrganisationsHostGroup(Jdbi jdbi) {
    UUID org = org(jdbi);
    UUID otherOrg =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "INSERT INTO organisations (name, slug) VALUES ('Other', 'other')"
                            + " RETURNING id")
                    .mapTo(UUID.class)
                    .one());
    UUID theirs = hostGroup(jdbi, otherOrg, "theirs");
    DirectorySettingsStore store = new DirectorySettingsStore(jdbi, kek);

    DirectorySettingsStore.Saved refused =
        store.save(
            org,
            SETTINGS
                .withBindPassword("")
                .withRoleMappings(
                    List.of(RoleMapping.hostGroup("CN=Ops,DC=corp", Role.ENGINEER, theirs))),
            ADMIN);

    assertThat(((DirectorySettingsStore.Saved.Refused) refused).problems())
        .extracting(SettingsProblem::toString)
        .containsExactly(
            "bind_password: is required",
            "role_mappings[0].host_group: no host group " + theirs + " in this organisation");
    assertThat(store.load(org)).isEmpty();
  }

  private static UUID org(Jdbi jdbi) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT id FROM organisations WHERE slug = 'default'")
                .mapTo(UUID.class)
                .one());
  }

  private static UUID hostGroup(Jdbi jdbi, UUID org, String name) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "INSERT INTO host_groups (org_id, name, dynamic) VALUES (:org, :name, false)"
                        + " RETURNING id")
                .bind("org", org)
                .bind("name", name)
                .mapTo(UUID.class)
                .one());
  }
}
