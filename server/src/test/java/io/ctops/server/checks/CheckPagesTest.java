package io.ctops.server.checks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.UserScopes;
import io.ctops.server.groups.GroupRule;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.HostSeed;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Defining checks on the pages of the real web app: the form creates, refuses with the reason and
 * the values typed (saving nothing), edits without ever showing a stored password, enables,
 * disables and deletes; only admins, and engineers once an admin allows it, reach any of it.
 */
@ExtendWith(FreshDatabase.class)
class CheckPagesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WebFixture web;
  private WebClient admin;
  private UUID org;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    org = web.defaultOrg();
    HostSeed.aHost("web-1").status("online").insert(web.jdbi(), org);
    admin = web.signedInAdmin();
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private static Map<String, String> form(String... pairs) {
    Map<String, String> form = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      form.put(pairs[i], pairs[i + 1]);
    }
    return form;
  }

  private static Map<String, String> sshCheck() {
    return form(
        "name", "ssh answers",
        "type", "port",
        "port.host", "",
        "port.port", "22",
        "http.verify_tls", "on",
        "file.must_exist", "on",
        "timeout_seconds", "",
        "interval", "60",
        "selector_kind", "all",
        "enabled", "on");
  }

  private static Map<String, String> with(Map<String, String> form, String... pairs) {
    Map<String, String> changed = new LinkedHashMap<>(form);
    changed.putAll(form(pairs));
    return changed;
  }

  private UUID checkId() {
    return web.jdbi()
        .withHandle(h -> h.createQuery("SELECT id FROM checks").mapTo(UUID.class).one());
  }

  private JsonNode config() throws Exception {
    String config =
        web.jdbi()
            .withHandle(
                h -> h.createQuery("SELECT config::text FROM checks").mapTo(String.class).one());
    return JSON.readTree(config);
  }

  @Test
  void anAdminCreatesACheckFromTheFormLeavingEmptyFieldsOutOfItsParameters() throws Exception {
    String blank = admin.get("/checks/new").body();
    assertThat(blank)
        .contains("id=\"check-form\"", "id=\"check-port-port\"", "id=\"check-http-url\"");

    HttpResponse<String> saved = admin.post("/checks", sshCheck());

    assertThat(saved.statusCode()).as(saved.body()).isEqualTo(303);
    assertThat(saved.headers().firstValue("Location")).hasValue("/checks/" + checkId());
    assertThat(config()).isEqualTo(JSON.readTree("{\"port\": 22}"));
    assertThat(web.count("SELECT count(*) FROM checks WHERE interval_seconds = 60 AND enabled"))
        .isEqualTo(1);
    assertThat(web.count("SELECT count(*) FROM audit_entries WHERE action = 'check.create'"))
        .isEqualTo(1);
    String list = admin.get("/checks").body();
    assertThat(list)
        .contains("ssh answers", "port 22 on 127.0.0.1", "All hosts", "1 min")
        .contains("id=\"new-check\"");
    assertThat(admin.get("/checks/" + checkId()).body())
        .contains("id=\"check-what\">port 22 on 127.0.0.1<");

    // the other types' parameters go in under their own names, typed
    assertThat(
            admin
                .post(
                    "/checks",
                    with(
                        sshCheck(),
                        "name",
                        "health",
                        "type",
                        "http",
                        "http.url",
                        "https://example.com/health",
                        "http.expected_status",
                        "204",
                        "http.body_contains",
                        " ok ",
                        "interval",
                        "other",
                        "interval_seconds",
                        "90",
                        "timeout_seconds",
                        "5"))
                .statusCode())
        .isEqualTo(303);
    String http =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT config::text FROM checks WHERE name = 'health'")
                        .mapTo(String.class)
                        .one());
    assertThat(JSON.readTree(http))
        .isEqualTo(
            JSON.readTree(
                "{\"url\": \"https://example.com/health\", \"expected_status\": 204,"
                    + " \"body_contains\": \" ok \", \"timeout_seconds\": 5}"));
    assertThat(admin.get("/checks").body())
        .contains("GET https://example.com/health → 204", "90 s");
  }

  @Test
  void anAdminDefinesAccountAndKeyScansWithPathListsTypedCommaSeparated() throws Exception {
    Map<String, String> keys =
        with(
            sshCheck(),
            "name",
            "keys",
            "type",
            "ssh_key_scan",
            "ssh_key_scan.scan_paths",
            " /srv/keys,/opt/deploy/authorized_keys ,, ",
            "ssh_key_scan.skip_paths",
            "");
    assertThat(admin.post("/checks", keys).statusCode()).isEqualTo(303);
    UUID id = checkId();
    assertThat(config())
        .isEqualTo(
            JSON.readTree("{\"scan_paths\": [\"/srv/keys\", \"/opt/deploy/authorized_keys\"]}"));
    assertThat(admin.get("/checks/" + id + "/edit").body())
        .contains("value=\"/srv/keys, /opt/deploy/authorized_keys\"");
    assertThat(admin.get("/checks").body())
        .contains(
            "SSH authorized keys of every user and in /srv/keys, /opt/deploy/authorized_keys");

    HttpResponse<String> relative =
        admin.post("/checks", with(keys, "name", "bad", "ssh_key_scan.scan_paths", "keys/"));
    assertThat(relative.statusCode()).isEqualTo(400);
    assertThat(relative.body()).contains("scan_paths is a list of absolute paths");

    assertThat(
            admin
                .post(
                    "/checks",
                    with(
                        sshCheck(),
                        "name",
                        "accounts",
                        "type",
                        "service_account",
                        "service_account.min_human_uid",
                        "500",
                        "interval",
                        "3600"))
                .statusCode())
        .isEqualTo(303);
    assertThat(admin.get("/checks").body()).contains("accounts, human uids 500 to 60000");
  }

  @Test
  void aMistakeComesBackWithItsReasonAndWhatWasTypedAndSavesNothing() {
    Map<Map<String, String>, String> mistakes = new LinkedHashMap<>();
    mistakes.put(with(sshCheck(), "port.port", "70000"), "port is between 1 and 65535");
    mistakes.put(
        with(sshCheck(), "type", "http", "http.url", "https://x/", "http.body_regex", "(["),
        "body_regex is not a valid regular expression");
    mistakes.put(with(sshCheck(), "interval", "5"), "the interval is between 10 seconds");
    mistakes.put(
        with(sshCheck(), "interval", "other", "interval_seconds", "5"),
        "the interval is between 10 seconds");
    mistakes.put(with(sshCheck(), "name", ""), "a check needs a name");
    mistakes.put(
        with(sshCheck(), "selector_kind", "host", "selector_host", "nowhere"), "no host is named");

    mistakes.forEach(
        (typed, reason) -> {
          HttpResponse<String> refused = admin.post("/checks", typed);
          assertThat(refused.statusCode()).as(reason).isEqualTo(400);
          assertThat(refused.body()).contains("id=\"form-error\"").contains(reason);
          assertThat(refused.body()).contains("value=\"" + typed.get("port.port") + "\"");
        });
    assertThat(
            admin.post("/checks", with(sshCheck(), "name", "<b>bold</b>", "port.port", "0")).body())
        .contains("value=\"&lt;b>bold&lt;/b>\"")
        .doesNotContain("<b>bold");
    assertThat(web.count("SELECT count(*) FROM checks")).isZero();
  }

  @Test
  void editingACertificateFileCheckKeepsItsPasswordWhichNoPageShows() throws Exception {
    Map<String, String> keystore =
        with(
            sshCheck(),
            "name",
            "keystore",
            "type",
            "cert_file",
            "cert_file.file_path",
            "/etc/app/keystore.p12",
            "cert_file.format",
            "pkcs12",
            "cert_file.password",
            "s3cret-pass",
            "cert_file.alias",
            "");
    assertThat(admin.post("/checks", keystore).statusCode()).isEqualTo(303);
    UUID id = checkId();
    assertThat(config().get("password").asText()).isEqualTo("s3cret-pass");

    String edit = admin.get("/checks/" + id + "/edit").body();
    assertThat(edit)
        .doesNotContain("s3cret-pass")
        .contains("value=\"/etc/app/keystore.p12\"", "Remove the stored password");
    assertThat(admin.get("/checks/" + id).body()).doesNotContain("s3cret-pass");
    assertThat(admin.get("/checks").body()).doesNotContain("s3cret-pass");

    HttpResponse<String> refused =
        admin.post(
            "/checks/" + id, with(keystore, "cert_file.password", "typed-again", "interval", "5"));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).doesNotContain("typed-again");

    Map<String, String> aliased =
        with(keystore, "cert_file.password", "", "cert_file.alias", "web");
    assertThat(admin.post("/checks/" + id, aliased).statusCode()).isEqualTo(303);
    assertThat(config().get("password").asText()).isEqualTo("s3cret-pass");
    assertThat(config().get("alias").asText()).isEqualTo("web");

    assertThat(admin.post("/checks/" + id, with(aliased, "forget_password", "on")).statusCode())
        .isEqualTo(303);
    assertThat(config().has("password")).isFalse();
  }

  @Test
  void anAdminDisablesEnablesAndDeletesACheckAfterAConfirmation() {
    admin.post("/checks", sshCheck());
    UUID id = checkId();

    String page = admin.get("/checks/" + id).body();
    assertThat(page).contains("data-confirm=\"Delete the check ssh answers and its results?\"");

    assertThat(admin.post("/checks/" + id + "/disable", form("back", "list")).statusCode())
        .isEqualTo(303);
    assertThat(web.count("SELECT count(*) FROM checks WHERE NOT enabled")).isEqualTo(1);
    assertThat(admin.get("/checks/" + id).body()).contains("id=\"check-disabled\"", ">Enable<");
    assertThat(admin.post("/checks/" + id + "/enable", Map.of()).headers().firstValue("Location"))
        .hasValue("/checks/" + id);
    assertThat(web.count("SELECT count(*) FROM checks WHERE enabled")).isEqualTo(1);

    HttpResponse<String> deleted = admin.post("/checks/" + id + "/delete", Map.of());
    assertThat(deleted.statusCode()).isEqualTo(303);
    assertThat(web.count("SELECT count(*) FROM checks")).isZero();
    assertThat(admin.get("/checks/" + id).statusCode()).isEqualTo(404);
    assertThat(web.count("SELECT count(*) FROM audit_entries WHERE action = 'check.delete'"))
        .isEqualTo(1);
  }

  @Test
  void aReadOnlyUserSeesNoFormAndEveryWriteIsRefused() {
    admin.post("/checks", sshCheck());
    UUID id = checkId();
    web.user(org, "viewer@example.com", Role.READ_ONLY);
    WebClient viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);

    assertThat(viewer.get("/checks").body())
        .contains("ssh answers")
        .doesNotContain("id=\"new-check\"", "/edit\"", ">Delete<", ">Disable<");
    assertThat(viewer.get("/checks/" + id).body())
        .contains("ssh answers")
        .doesNotContain("id=\"edit-check\"", "id=\"delete-check\"");
    assertThat(viewer.get("/checks/new").statusCode()).isEqualTo(403);
    assertThat(viewer.get("/checks/" + id + "/edit").statusCode()).isEqualTo(403);
    assertThat(viewer.post("/checks", with(sshCheck(), "name", "mine")).statusCode())
        .isEqualTo(403);
    for (String action : new String[] {"", "/disable", "/enable", "/delete"}) {
      assertThat(viewer.post("/checks/" + id + action, sshCheck()).statusCode())
          .as(action)
          .isEqualTo(403);
    }
    assertThat(web.count("SELECT count(*) FROM checks WHERE name = 'ssh answers' AND enabled"))
        .isEqualTo(1);
  }

  @Test
  void engineersDefineChecksOnceAnAdminAllowsItOnTheUsersPage() {
    web.user(org, "engineer@example.com", Role.ENGINEER);
    WebClient engineer = web.client();
    engineer.signIn("engineer@example.com", WebFixture.PASSWORD);
    assertThat(engineer.get("/checks").body()).doesNotContain("id=\"new-check\"");
    HttpResponse<String> refused = engineer.post("/checks", sshCheck());
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("an admin can allow engineers");
    assertThat(engineer.post("/settings/engineers-manage-checks", form("allow", "1")).statusCode())
        .isEqualTo(403);

    assertThat(admin.get("/users").body()).contains("Engineers may define checks");
    HttpResponse<String> allowed =
        admin.post("/settings/engineers-manage-checks", form("allow", "1"));
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.body()).contains("Engineers may define checks");
    assertThat(allowed.body()).containsPattern("<option value=\"1\" selected>On</option>");
    assertThat(
            web.count(
                "SELECT count(*) FROM audit_entries WHERE action = 'org.settings_change'"
                    + " AND parameters->>'setting' = 'engineers_manage_checks'"))
        .isEqualTo(1);

    assertThat(engineer.get("/checks").body()).contains("id=\"new-check\"");
    assertThat(engineer.post("/checks", sshCheck()).statusCode()).isEqualTo(303);

    admin.post("/settings/engineers-manage-checks", form("allow", "0"));
    assertThat(engineer.post("/checks/" + checkId() + "/delete", Map.of()).statusCode())
        .isEqualTo(403);
    assertThat(web.count("SELECT count(*) FROM checks")).isEqualTo(1);
  }

  @Test
  void anEngineerLimitedToGroupsDefinesAndDeletesOnlyChecksOfTheirGroupsHosts() {
    admin.post("/settings/engineers-manage-checks", form("allow", "1"));
    UUID host =
        web.jdbi().withHandle(h -> h.createQuery("SELECT id FROM hosts").mapTo(UUID.class).one());
    Actor seeder = Actor.system("test seed");
    UUID webProd =
        web.jdbi()
            .inTransaction(
                h -> {
                  UUID id =
                      HostGroups.create(
                          h,
                          org,
                          seeder,
                          new HostGroups.GroupSpec("web-prod", "", false, GroupRule.NONE));
                  HostGroups.addMembers(h, org, seeder, id, List.of(host));
                  return id;
                });
    web.jdbi()
        .inTransaction(
            h ->
                HostGroups.create(
                    h,
                    org,
                    seeder,
                    new HostGroups.GroupSpec("db-prod", "", false, GroupRule.NONE)));
    UUID userId = web.user(org, "scoped@example.com", Role.READ_ONLY);
    new UserScopes(web.jdbi()).scopeToGroups(org, userId, Map.of(webProd, Role.ENGINEER), seeder);
    WebClient scoped = web.client();
    scoped.signIn("scoped@example.com", WebFixture.PASSWORD);
    assertThat(admin.post("/checks", sshCheck()).statusCode()).isEqualTo(303);
    UUID everywhere = checkId();

    assertThat(scoped.get("/checks/new").body())
        .contains("<option value=\"group\" selected>", ">web-prod<")
        .doesNotContain("db-prod");
    HttpResponse<String> refused = scoped.post("/checks", with(sshCheck(), "name", "mine"));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("your access is limited to some groups");
    Map<String, String> mine =
        with(
            sshCheck(),
            "name",
            "mine",
            "selector_kind",
            "group",
            "selector_group",
            webProd.toString());
    assertThat(scoped.post("/checks", mine).statusCode()).isEqualTo(303);

    assertThat(scoped.post("/checks/" + everywhere + "/delete", Map.of()).statusCode())
        .isEqualTo(400);
    assertThat(scoped.post("/checks/" + everywhere + "/disable", Map.of()).statusCode())
        .isEqualTo(400);
    assertThat(web.count("SELECT count(*) FROM checks WHERE name = 'ssh answers' AND enabled"))
        .isEqualTo(1);
    UUID own =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT id FROM checks WHERE name = 'mine'")
                        .mapTo(UUID.class)
                        .one());
    assertThat(scoped.post("/checks/" + own + "/delete", Map.of()).statusCode()).isEqualTo(303);
    assertThat(web.count("SELECT count(*) FROM checks")).isEqualTo(1);
  }
}
