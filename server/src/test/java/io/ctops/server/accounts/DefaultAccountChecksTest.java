package io.ctops.server.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.audit.Actor;
import io.ctops.server.orgs.Organisations;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every organisation reads its hosts' accounts and SSH keys every 6 hours: a new one gets both
 * checks when it is created, the upgrade's function adds them to one that has none, and a check an
 * admin already named so is left as it is.
 */
@ExtendWith(FreshDatabase.class)
class DefaultAccountChecksTest {
  @Test
  void aNewOrganisationGetsBothChecksOnAllHostsEverySixHours(Jdbi jdbi) {
    Organisations.Creation created = new Organisations(jdbi).create("Acme", Actor.system("t"));
    assertThat(created).isInstanceOf(Organisations.Creation.Created.class);
    UUID org = ((Organisations.Creation.Created) created).organisation().id();

    assertThat(
            Sql.strings(
                jdbi,
                "SELECT name || ' ' || check_type || ' ' || interval_seconds || ' '"
                    + " || (selector ->> 'kind') || ' ' || enabled FROM checks"
                    + " WHERE org_id = '"
                    + org
                    + "' ORDER BY name"))
        .containsExactly(
            "Accounts service_account 21600 all true", "SSH keys ssh_key_scan 21600 all true");
  }

  @Test
  void theUpgradeAddsThemOnceAndLeavesAnAdminsCheckOfTheSameNameAlone(Jdbi jdbi) {
    jdbi.useHandle(
        h ->
            h.execute(
                "INSERT INTO checks (org_id, name, check_type, config, interval_seconds, selector)"
                    + " SELECT id, 'Accounts', 'service_account', '{\"min_human_uid\": 500}',"
                    + " 3600, '{\"kind\": \"all\"}' FROM organisations WHERE slug = 'default'"));

    assertThat(
            Sql.number(
                jdbi,
                "SELECT add_default_account_checks(id) FROM organisations WHERE slug = 'default'"))
        .isEqualTo(1);
    assertThat(
            Sql.number(
                jdbi,
                "SELECT add_default_account_checks(id) FROM organisations WHERE slug = 'default'"))
        .as("run again, it adds nothing")
        .isZero();
    assertThat(
            Sql.strings(jdbi, "SELECT name || ' ' || interval_seconds FROM checks ORDER BY name"))
        .containsExactly("Accounts 3600", "SSH keys 21600");
  }
}
