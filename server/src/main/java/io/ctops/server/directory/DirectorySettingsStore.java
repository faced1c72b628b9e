package io.ctops.server.directory;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.auth.Role;
import io.ctops.server.platform.pki.KeyEncryptionKey;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Each organisation's directory settings and group → role mappings ({@code directory_settings},
 * {@code directory_role_mappings}), the bind password sealed with the server's key-encryption key.
 * A save with any problem changes nothing and says what is wrong with each field.
 */
public final class DirectorySettingsStore {
  private final Jdbi jdbi;
  private final KeyEncryptionKey kek;

  public DirectorySettingsStore(Jdbi jdbi, KeyEncryptionKey kek) {
    this.jdbi = jdbi;
    this.kek = kek;
  }

  /** How a save went. */
  public sealed interface Saved {
    /** Stored; the directory is used with these settings from now on. */
    record Done() implements Saved {}

    /** Nothing stored: each problem names its field. */
    record Refused(List<SettingsProblem> problems) implements Saved {
      public Refused {
        problems = List.copyOf(problems);
      }
    }
  }

  /**
   * The organisation's settings with the bind password opened; empty when none were saved. Throws
   * {@link IllegalStateException} when the password was sealed with another key: this instance's
   * key-encryption key file is not the one the others use.
   */
  public Optional<DirectorySettings> load(UUID orgId) {
    return jdbi.withHandle(handle -> load(handle, orgId));
  }

  private Optional<DirectorySettings> load(Handle handle, UUID orgId) {
    Optional<StoredRow> row =
        handle
            .createQuery(
                """
                SELECT enabled, server_urls, ca_certificate_pem, bind_dn, bind_password_sealed,
                       user_base_dn, user_filter, group_base_dn, login_attribute, upn_attribute,
                       display_name_attribute, mail_attribute, member_of_attribute,
                       account_control_attribute, account_expires_attribute,
                       disabled_flag_attribute
                  FROM directory_settings WHERE org_id = :org
                """)
            .bind("org", orgId)
            .map(
                (rs, ctx) ->
                    new StoredRow(
                        rs.getBoolean("enabled"),
                        List.of((String[]) rs.getArray("server_urls").getArray()),
                        Optional.ofNullable(rs.getString("ca_certificate_pem")),
                        rs.getString("bind_dn"),
                        rs.getBytes("bind_password_sealed"),
                        rs.getString("user_base_dn"),
                        rs.getString("user_filter"),
                        Optional.ofNullable(rs.getString("group_base_dn")),
                        new AttributeMapping(
                            rs.getString("login_attribute"),
                            rs.getString("upn_attribute"),
                            rs.getString("display_name_attribute"),
                            rs.getString("mail_attribute"),
                            rs.getString("member_of_attribute"),
                            rs.getString("account_control_attribute"),
                            rs.getString("account_expires_attribute"),
                            Optional.ofNullable(rs.getString("disabled_flag_attribute")))))
            .findOne();
    if (row.isEmpty()) {
      return Optional.empty();
    }
    List<RoleMapping> mappings =
        handle
            .createQuery(
                """
                SELECT group_dn, role, host_group_id FROM directory_role_mappings
                 WHERE org_id = :org ORDER BY id
                """)
            .bind("org", orgId)
            .map(
                (rs, ctx) ->
                    new RoleMapping(
                        rs.getString("group_dn"),
                        Role.fromDb(rs.getString("role")),
                        Optional.ofNullable(rs.getObject("host_group_id", UUID.class))))
            .list();
    StoredRow r = row.get();
    return Optional.of(
        new DirectorySettings(
            r.enabled(),
            r.serverUrls(),
            r.caCertificatePem(),
            r.bindDn(),
            open(r.sealedPassword()),
            r.userBaseDn(),
            r.userFilter(),
            r.groupBaseDn(),
            r.attributes(),
            mappings));
  }

  private record StoredRow(
      boolean enabled,
      List<String> serverUrls,
      Optional<String> caCertificatePem,
      String bindDn,
      byte[] sealedPassword,
      String userBaseDn,
      String userFilter,
      Optional<String> groupBaseDn,
      AttributeMapping attributes) {}

  /** The organisations whose directory is enabled (the hourly sync works through them). */
  public List<UUID> enabledOrganisations() {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery("SELECT org_id FROM directory_settings WHERE enabled ORDER BY org_id")
                .mapTo(UUID.class)
                .list());
  }

  /**
   * Saves the settings and replaces the mappings, in one transaction with its audit entry. An empty
   * bind password keeps the saved one (forms never show it back).
   */
  public Saved save(UUID orgId, DirectorySettings settings, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          DirectorySettings complete = settings;
          if (settings.bindPassword() == null || settings.bindPassword().isEmpty()) {
            Optional<String> saved = savedPassword(handle, orgId);
            if (saved.isPresent()) {
              complete = settings.withBindPassword(saved.get());
            }
          }
          List<SettingsProblem> problems = new ArrayList<>(complete.problems());
          problems.addAll(unknownHostGroups(handle, orgId, complete.roleMappings()));
          if (!problems.isEmpty()) {
            return new Saved.Refused(problems);
          }
          upsert(handle, orgId, complete, by);
          replaceMappings(handle, orgId, complete.roleMappings());
          AuditLog.record(
              handle,
              AuditEntry.of(orgId, by, AuditAction.DIRECTORY_SETTINGS_CHANGE)
                  .param("enabled", complete.enabled())
                  .param("server_urls", complete.serverUrls())
                  .param("bind_dn", complete.bindDn().strip())
                  .param("user_base_dn", complete.userBaseDn().strip())
                  .param(
                      "bind_credentials_changed",
                      settings.bindPassword() != null && !settings.bindPassword().isEmpty())
                  .param("role_mappings", complete.roleMappings().size()));
          return new Saved.Done();
        });
  }

  private Optional<String> savedPassword(Handle handle, UUID orgId) {
    return handle
        .createQuery("SELECT bind_password_sealed FROM directory_settings WHERE org_id = :org")
        .bind("org", orgId)
        .mapTo(byte[].class)
        .findOne()
        .map(this::open);
  }

  private List<SettingsProblem> unknownHostGroups(
      Handle handle, UUID orgId, List<RoleMapping> mappings) {
    Set<UUID> wanted = new HashSet<>();
    mappings.forEach(m -> m.hostGroupId().ifPresent(wanted::add));
    if (wanted.isEmpty()) {
      return List.of();
    }
    Set<UUID> existing =
        new HashSet<>(
            handle
                .createQuery("SELECT id FROM host_groups WHERE org_id = :org AND id = ANY(:ids)")
                .bind("org", orgId)
                .bindArray("ids", UUID.class, wanted)
                .mapTo(UUID.class)
                .list());
    List<SettingsProblem> problems = new ArrayList<>();
    for (int i = 0; i < mappings.size(); i++) {
      Optional<UUID> group = mappings.get(i).hostGroupId();
      if (group.isPresent() && !existing.contains(group.get())) {
        problems.add(
            new SettingsProblem(
                "role_mappings[" + i + "].host_group",
                "no host group " + group.get() + " in this organisation"));
      }
    }
    return problems;
  }

  private void upsert(Handle handle, UUID orgId, DirectorySettings settings, Actor by) {
    AttributeMapping a = settings.attributes();
    handle
        .createUpdate(
            """
            INSERT INTO directory_settings (
                org_id, enabled, server_urls, ca_certificate_pem, bind_dn, bind_password_sealed,
                user_base_dn, user_filter, group_base_dn, login_attribute, upn_attribute,
                display_name_attribute, mail_attribute, member_of_attribute,
                account_control_attribute, account_expires_attribute, disabled_flag_attribute,
                updated_by, updated_at)
            VALUES (:org, :enabled, :urls, :ca, :bindDn, :password, :userBase, :userFilter,
                    :groupBase, :login, :upn, :displayName, :mail, :memberOf, :control, :expires,
                    :disabledFlag, :user, now())
            ON CONFLICT (org_id) DO UPDATE SET
                enabled = EXCLUDED.enabled, server_urls = EXCLUDED.server_urls,
                ca_certificate_pem = EXCLUDED.ca_certificate_pem, bind_dn = EXCLUDED.bind_dn,
                bind_password_sealed = EXCLUDED.bind_password_sealed,
                user_base_dn = EXCLUDED.user_base_dn, user_filter = EXCLUDED.user_filter,
                group_base_dn = EXCLUDED.group_base_dn,
                login_attribute = EXCLUDED.login_attribute,
                upn_attribute = EXCLUDED.upn_attribute,
                display_name_attribute = EXCLUDED.display_name_attribute,
                mail_attribute = EXCLUDED.mail_attribute,
                member_of_attribute = EXCLUDED.member_of_attribute,
                account_control_attribute = EXCLUDED.account_control_attribute,
                account_expires_attribute = EXCLUDED.account_expires_attribute,
                disabled_flag_attribute = EXCLUDED.disabled_flag_attribute,
                updated_by = EXCLUDED.updated_by, updated_at = now()
            """)
        .bind("org", orgId)
        .bind("enabled", settings.enabled())
        .bindArray("urls", String.class, settings.serverUrls().stream().map(String::strip).toList())
        .bind("ca", settings.caCertificatePem().map(String::strip).orElse(null))
        .bind("bindDn", settings.bindDn().strip())
        .bind("password", kek.seal(settings.bindPassword().getBytes(StandardCharsets.UTF_8)))
        .bind("userBase", settings.userBaseDn().strip())
        .bind("userFilter", settings.userFilter().strip())
        .bind("groupBase", settings.groupBaseDn().map(String::strip).orElse(null))
        .bind("login", a.login())
        .bind("upn", a.userPrincipalName())
        .bind("displayName", a.displayName())
        .bind("mail", a.mail())
        .bind("memberOf", a.memberOf())
        .bind("control", a.userAccountControl())
        .bind("expires", a.accountExpires())
        .bind("disabledFlag", a.disabledFlag().orElse(null))
        .bind("user", by.userId().orElse(null))
        .execute();
  }

  private static void replaceMappings(Handle handle, UUID orgId, List<RoleMapping> mappings) {
    handle
        .createUpdate("DELETE FROM directory_role_mappings WHERE org_id = :org")
        .bind("org", orgId)
        .execute();
    if (mappings.isEmpty()) {
      return;
    }
    var insert =
        handle.prepareBatch(
            "INSERT INTO directory_role_mappings (org_id, group_dn, role, host_group_id)"
                + " VALUES (:org, :dn, :role, :group)");
    for (RoleMapping mapping : mappings) {
      insert
          .bind("org", orgId)
          .bind("dn", mapping.groupDn().strip())
          .bind("role", mapping.role().dbName())
          .bind("group", mapping.hostGroupId().orElse(null))
          .add();
    }
    insert.execute();
  }

  private String open(byte[] sealed) {
    try {
      return new String(kek.open(sealed), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "the directory bind password was sealed with another key-encryption key: every web"
              + " and ingest instance must use the same key file, or the password must be"
              + " entered again");
    }
  }
}
