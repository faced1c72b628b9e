package io.ctops.server.audit;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctops.server.auth.Role;
import io.ctops.server.enrolment.AgentApprovals;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every operator action lands in the audit log with who, where from, what, to what and how it
 * ended; refused attempts say so; secrets never get in. Each action goes through the real web app.
 */
@ExtendWith(FreshDatabase.class)
class AuditLogTest {
  private static final String LOOPBACK = "127.0.0.1";

  private WebFixture web;
  private WebClient admin;
  private UUID org;
  private UUID adminId;
  private AuditTrail log;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    adminId = web.admin();
    org = web.defaultOrg();
    admin = web.client();
    admin.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
    log = new AuditTrail(web.jdbi());
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private UUID agentOf(UUID host) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT agent_id FROM hosts WHERE id = :id")
                    .bind("id", host)
                    .mapTo(UUID.class)
                    .one());
  }

  private static HttpResponse<String> postJson(WebClient client, String path, String json) {
    return client.send(
        client
            .request(path)
            .header("Content-Type", "application/json")
            .header("X-CSRF-Token", client.csrf())
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  @Test
  void signInsAndRefusedSignInsAreRecordedWithTheAddress() {
    AuditTrail.Row signIn = log.last("user.sign_in");
    assertThat(signIn.outcome()).isEqualTo("succeeded");
    assertThat(signIn.actorUserId()).isEqualTo(adminId);
    assertThat(signIn.actorName()).isEqualTo(WebFixture.ADMIN_EMAIL);
    assertThat(signIn.orgId()).isEqualTo(org);
    assertThat(signIn.sourceAddress()).isEqualTo(LOOPBACK);

    web.client().signIn(WebFixture.ADMIN_EMAIL, "not the password at all");
    AuditTrail.Row wrong = log.last("user.sign_in");
    assertThat(wrong.outcome()).isEqualTo("failed");
    assertThat(wrong.reason()).isEqualTo("wrong email or password");
    assertThat(wrong.actorUserId()).as("the account tried").isEqualTo(adminId);
    assertThat(wrong.orgId()).isEqualTo(org);

    web.client().signIn("nobody@example.com", "not the password at all");
    AuditTrail.Row unknown = log.last("user.sign_in");
    assertThat(unknown.outcome()).isEqualTo("failed");
    assertThat(unknown.actorName()).isEqualTo("nobody@example.com");
    assertThat(unknown.orgId()).as("no account, no organisation").isNull();
    assertThat(log.everything()).doesNotContain("not the password at all");
  }

  @Test
  void approvalsAndRevocationsAreRecordedAndARefusedApprovalSaysWhy() {
    UUID host = aHost("web-1").agent("pending").insert(web.jdbi(), org);
    UUID agent = agentOf(host);

    admin.post("/agents/" + agent + "/approve", Map.of());
    AuditTrail.Row approved = log.last("agent.approve");
    assertThat(approved.outcome()).isEqualTo("succeeded");
    assertThat(approved.targetType()).isEqualTo("agent");
    assertThat(approved.targetLabel()).isEqualTo("web-1");
    assertThat(approved.targetHostId()).isEqualTo(host);
    assertThat(approved.actorName()).isEqualTo(WebFixture.ADMIN_EMAIL);
    assertThat(approved.sourceAddress()).isEqualTo(LOOPBACK);

    admin.post("/agents/" + agent + "/revoke", Map.of());
    assertThat(log.last("agent.revoke").outcome()).isEqualTo("succeeded");

    HttpResponse<String> refused = postJson(admin, "/api/v1/agents/" + agent + "/approve", "{}");
    assertThat(refused.statusCode()).isEqualTo(409);
    AuditTrail.Row failed = log.last("agent.approve");
    assertThat(failed.outcome()).isEqualTo("failed");
    assertThat(failed.reason()).contains("is revoked");
    assertThat(log.all("agent.approve")).hasSize(2);
  }

  @Test
  void deletesRestoresAndPermanentDeletesAreRecordedAndARefusedRestoreToo() {
    UUID host = aHost("db-1").ips("10.0.0.5").agent("active").insert(web.jdbi(), org);

    admin.post("/hosts/" + host + "/delete", Map.of());
    AuditTrail.Row deleted = log.last("host.delete");
    assertThat(deleted.targetHostId()).isEqualTo(host);
    assertThat(deleted.targetLabel()).isEqualTo("db-1");

    admin.post("/hosts/" + host + "/restore", Map.of());
    assertThat(log.last("host.restore").outcome()).isEqualTo("succeeded");

    admin.post("/hosts/" + host + "/delete", Map.of());
    aHost("db-1-new").ips("10.0.0.5").insert(web.jdbi(), org);
    assertThat(admin.post("/hosts/" + host + "/restore", Map.of()).statusCode()).isEqualTo(409);
    AuditTrail.Row refused = log.last("host.restore");
    assertThat(refused.outcome()).isEqualTo("failed");
    assertThat(refused.reason()).contains("db-1-new");

    admin.post("/hosts/" + host + "/delete-permanently", Map.of());
    AuditTrail.Row gone = log.last("host.delete_permanently");
    assertThat(gone.targetHostId()).isEqualTo(host);
    assertThat(gone.outcome()).isEqualTo("succeeded");
    assertThat(log.last("agent.revoke").targetHostId())
        .as("the agent is revoked on the way out")
        .isEqualTo(host);
    assertThat(
            web.count("SELECT count(*) FROM audit_entries WHERE target_host_id = '" + host + "'"))
        .as("the host's entries outlive the host")
        .isEqualTo(6);
  }

  @Test
  void tokensAreRecordedByNameAndHintNeverTheToken() {
    String page =
        admin
            .post("/tokens", Map.of("name", "rack 4", "auto_approve", "on", "max_uses", "3"))
            .body();
    Matcher shown = Pattern.compile("id=\"token-value\">(ctops_[^<]+)<").matcher(page);
    assertThat(shown.find()).isTrue();
    String token = shown.group(1);

    AuditTrail.Row created = log.last("token.create");
    assertThat(created.targetLabel()).isEqualTo("rack 4");
    assertThat(created.parameters())
        .contains(token.substring(token.length() - 4) + "\"")
        .contains("\"max_uses\": 3")
        .contains("\"auto_approve\": true");

    UUID id =
        web.jdbi()
            .withHandle(
                h -> h.createQuery("SELECT id FROM enrolment_tokens").mapTo(UUID.class).one());
    admin.post("/tokens/" + id + "/revoke", Map.of());
    AuditTrail.Row revoked = log.last("token.revoke");
    assertThat(revoked.outcome()).isEqualTo("succeeded");
    assertThat(revoked.targetLabel()).isEqualTo("rack 4");

    assertThat(log.everything()).doesNotContain(token);
  }

  @Test
  void apiKeysAreRecordedAndWhatAKeyDoesNamesTheKeyAndItsOwner() {
    UUID host = aHost("app-1").agent("active").insert(web.jdbi(), org);
    String page = admin.post("/profile/api-keys", Map.of("name", "deploy script")).body();
    int start = page.indexOf("id=\"new-api-key\">") + "id=\"new-api-key\">".length();
    String key = page.substring(start, page.indexOf("</pre>", start));
    assertThat(key).startsWith("ctops_");

    AuditTrail.Row created = log.last("api_key.create");
    assertThat(created.targetLabel()).isEqualTo("deploy script");
    assertThat(created.actorUserId()).isEqualTo(adminId);

    HttpResponse<String> rescan =
        web.client()
            .send(
                web.client()
                    .request("/api/v1/hosts/" + host + "/rescan")
                    .header("Authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build());
    assertThat(rescan.statusCode()).isEqualTo(202);
    AuditTrail.Row byKey = log.last("host.rescan");
    assertThat(byKey.actorKind()).isEqualTo("api_key");
    assertThat(byKey.apiKeyName()).isEqualTo("deploy script");
    assertThat(byKey.actorUserId()).as("the key's owner").isEqualTo(adminId);
    assertThat(byKey.sourceAddress()).isEqualTo(LOOPBACK);

    UUID keyId =
        web.jdbi()
            .withHandle(h -> h.createQuery("SELECT id FROM api_keys").mapTo(UUID.class).one());
    admin.post("/profile/api-keys/" + keyId + "/revoke", Map.of());
    assertThat(log.last("api_key.revoke").targetLabel()).isEqualTo("deploy script");

    assertThat(log.everything()).doesNotContain(key);
  }

  @Test
  void userChangesAreRecordedWithoutPasswordsAndKeepingTheLastAdminIsARefusal() {
    admin.post(
        "/users",
        Map.of("email", "eng@example.com", "password", "a secret passphrase", "role", "engineer"));
    AuditTrail.Row created = log.last("user.create");
    assertThat(created.targetLabel()).isEqualTo("eng@example.com");
    assertThat(created.parameters()).contains("\"role\": \"engineer\"");
    UUID engineer =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT id FROM users WHERE email = 'eng@example.com'")
                        .mapTo(UUID.class)
                        .one());

    admin.post("/users/" + engineer + "/role", Map.of("role", "read_only"));
    AuditTrail.Row role = log.last("user.role_change");
    assertThat(role.parameters())
        .contains("\"from\": \"engineer\"")
        .contains("\"to\": \"read_only\"");

    admin.post("/users/" + engineer + "/remove", Map.of());
    assertThat(log.last("user.remove").targetLabel()).isEqualTo("eng@example.com");

    assertThat(admin.post("/users/" + adminId + "/role", Map.of("role", "engineer")).statusCode())
        .isEqualTo(409);
    AuditTrail.Row refused = log.last("user.role_change");
    assertThat(refused.outcome()).isEqualTo("failed");
    assertThat(refused.reason()).isEqualTo("the organisation must keep at least one admin");

    admin.post(
        "/users",
        Map.of("email", "ENG2@example.com", "password", "a secret passphrase", "role", "engineer"));
    admin.post(
        "/users",
        Map.of("email", "eng2@example.com", "password", "a secret passphrase", "role", "engineer"));
    assertThat(log.last("user.create").outcome()).as("the email is taken").isEqualTo("failed");

    admin.post(
        "/profile/password",
        Map.of("current_password", WebFixture.PASSWORD, "new_password", "another long secret"));
    assertThat(log.last("user.password_change").actorUserId()).isEqualTo(adminId);

    assertThat(log.everything())
        .doesNotContain("a secret passphrase")
        .doesNotContain("another long secret")
        .doesNotContain(WebFixture.PASSWORD);
  }

  @Test
  void settingsChangesRecordTheOldAndNewValue() {
    admin.post("/settings/inventory-interval", Map.of("hours", "12"));
    AuditTrail.Row changed = log.last("org.settings_change");
    assertThat(changed.orgId()).isEqualTo(org);
    assertThat(changed.parameters())
        .contains("\"setting\": \"inventory_scan_interval_hours\"")
        .contains("\"from\": 24")
        .contains("\"to\": 12");
  }

  @Test
  void namingAHostIsRecordedWithTheName() {
    UUID host = aHost("web-7").insert(web.jdbi(), org);

    admin.post("/hosts/" + host + "/display-name", Map.of("display_name", "Payments web"));

    AuditTrail.Row renamed = log.last("host.rename");
    assertThat(renamed.targetLabel()).isEqualTo("web-7");
    assertThat(renamed.parameters()).contains("\"display_name\": \"Payments web\"");
    assertThat(renamed.actorUserId()).isEqualTo(adminId);
  }

  @Test
  void rescansAndTaskRequestsAreRecordedAndARefusedRequestSaysWhy() {
    UUID host = aHost("ci-1").agent("active").insert(web.jdbi(), org);
    WebClient engineer = web.client();
    web.user(org, "eng@example.com", Role.ENGINEER);
    engineer.signIn("eng@example.com", WebFixture.PASSWORD);

    engineer.post("/hosts/" + host + "/rescan", Map.of());
    AuditTrail.Row rescan = log.last("host.rescan");
    assertThat(rescan.actorName()).isEqualTo("eng@example.com");
    assertThat(rescan.targetHostId()).isEqualTo(host);
    assertThat(rescan.parameters()).contains("\"joined_scan_under_way\": false");

    HttpResponse<String> refused =
        postJson(
            engineer, "/api/v1/hosts/" + host + "/tasks", "{\"type\": \"software_inventory\"}");
    assertThat(refused.statusCode()).isEqualTo(409);
    AuditTrail.Row failed = log.last("task.request");
    assertThat(failed.outcome()).isEqualTo("failed");
    assertThat(failed.reason()).contains("already under way");
    assertThat(failed.targetHostId()).isEqualTo(host);

    String task =
        web.jdbi()
            .withHandle(h -> h.createQuery("SELECT id::text FROM tasks").mapTo(String.class).one());
    postJson(engineer, "/api/v1/tasks/" + task + "/cancel", "{}");
    assertThat(log.last("task.cancel").outcome()).isEqualTo("succeeded");

    HttpResponse<String> requested =
        postJson(
            engineer, "/api/v1/hosts/" + host + "/tasks", "{\"type\": \"software_inventory\"}");
    assertThat(requested.statusCode()).isEqualTo(202);
    AuditTrail.Row ok = log.last("task.request");
    assertThat(ok.outcome()).isEqualTo("succeeded");
    assertThat(ok.parameters()).contains("\"type\": \"software_inventory\"");
  }

  @Test
  void theCommandLineIsRecordedAsTheSystem() {
    UUID host = aHost("cli-1").agent("active").insert(web.jdbi(), org);
    new AgentApprovals(web.jdbi(), Clock.systemUTC())
        .revoke(agentOf(host), "revoked with ctops agent revoke");
    AuditTrail.Row revoked = log.last("agent.revoke");
    assertThat(revoked.actorKind()).isEqualTo("system");
    assertThat(revoked.actorName()).isEqualTo("command line");
    assertThat(revoked.sourceAddress()).isNull();
  }

  @Test
  void newOrganisationsAreRecordedAndATakenNameIsARefusal() {
    web.user(org, "root@example.com", Role.SUPER_ADMIN);
    WebClient root = web.client();
    root.signIn("root@example.com", WebFixture.PASSWORD);

    root.post("/orgs", Map.of("name", "Branch office"));
    AuditTrail.Row created = log.last("org.create");
    assertThat(created.outcome()).isEqualTo("succeeded");
    assertThat(created.targetLabel()).isEqualTo("Branch office");
    assertThat(created.actorName()).isEqualTo("root@example.com");

    root.post("/orgs", Map.of("name", "branch office"));
    AuditTrail.Row taken = log.last("org.create");
    assertThat(taken.outcome()).isEqualTo("failed");
    assertThat(taken.reason()).isEqualTo("an organisation with this name already exists");
  }

  @Test
  void anActionRolledBackLeavesNoEntry() {
    UUID host = aHost("tx-1").insert(web.jdbi(), org);
    assertThatThrownBy(
            () ->
                web.jdbi()
                    .useTransaction(
                        handle -> {
                          AuditLog.record(
                              handle,
                              AuditEntry.of(org, Actor.system("test"), AuditAction.HOST_DELETE)
                                  .target(Target.host(host, "tx-1")));
                          throw new IllegalStateException("the action failed");
                        }))
        .hasMessage("the action failed");
    assertThat(web.count("SELECT count(*) FROM audit_entries WHERE action = 'host.delete'"))
        .isZero();
  }

  @Test
  void anEntryCarryingASecretIsABugAndIsRefused() {
    Actor actor = Actor.system("secret check");
    AuditEntry withPassword =
        AuditEntry.of(org, actor, AuditAction.USER_CREATE).param("password", "whatever it is");
    AuditEntry withToken =
        AuditEntry.of(org, actor, AuditAction.TOKEN_CREATE)
            .param("note", "ctops_abcdefghijklmnopqrstuvwxyz0123456789");
    assertThatThrownBy(() -> AuditLog.recordAlone(web.jdbi(), withPassword))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AuditLog.recordAlone(web.jdbi(), withToken))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(web.count("SELECT count(*) FROM audit_entries WHERE actor_name = 'secret check'"))
        .isZero();
  }

  @Test
  void entriesCannotBeChanged() {
    assertThatThrownBy(
            () ->
                web.jdbi().useHandle(h -> h.execute("UPDATE audit_entries SET outcome = 'failed'")))
        .hasMessageContaining("audit entries cannot be changed");
  }
}
