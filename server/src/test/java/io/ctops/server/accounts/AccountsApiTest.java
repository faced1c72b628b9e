package io.ctops.server.accounts;

import static io.ctops.server.testing.HostSeed.aHost;
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
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Accounts through the real web app: the fleet's filtered by login, privilege, group and SSH key,
 * paged and exported as CSV; a host's with its keys, notes and removed accounts; a user limited to
 * groups sees their groups' hosts only; bad filters are 400.
 */
@ExtendWith(FreshDatabase.class)
class AccountsApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";

  private WebFixture web;
  private WebClient admin;
  private UUID org;
  private UUID web1;
  private UUID db1;
  private UUID webGroup;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    admin = web.signedInAdmin();
    org = web.defaultOrg();
    web1 = aHost("web-1").status("online").insert(web.jdbi(), org);
    db1 = aHost("db-1").status("online").insert(web.jdbi(), org);
    webGroup =
        web.jdbi()
            .inTransaction(
                h -> {
                  UUID id =
                      HostGroups.create(
                          h,
                          org,
                          Actor.system("t"),
                          new HostGroups.GroupSpec("web", "", false, GroupRule.NONE));
                  HostGroups.addMembers(h, org, Actor.system("t"), id, List.of(web1));
                  return id;
                });
    account(web1, "root", 0, "system", true, true, null);
    account(web1, "alice", 1000, "human", true, true, null);
    account(web1, "=cmd|' /C calc'!A0", 1001, "human", true, false, null);
    account(db1, "alice", 1000, "human", true, false, null);
    account(db1, "postgres", 110, "system", false, false, null);
    account(db1, "mallory", 1002, "human", true, true, "now() - interval '1 day'");
    web.jdbi()
        .useHandle(
            h -> {
              h.execute(
                  "INSERT INTO host_ssh_keys (host_id, file_path, fingerprint, username,"
                      + " key_type, bits, comment, key_source, first_seen, last_seen)"
                      + " VALUES (?, '/home/alice/.ssh/authorized_keys', ?, 'alice',"
                      + " 'ssh-ed25519', 256, 'alice@laptop', 'authorized_keys', now(), now()),"
                      + " (?, '/etc/ssh/keys/deploy.pub', ?, '', 'ssh-ed25519', 256, 'deploy',"
                      + " 'identity', now(), now())",
                  web1,
                  KEY,
                  web1,
                  KEY);
              UUID check =
                  h.createQuery(
                          "INSERT INTO checks (org_id, name, check_type, config,"
                              + " interval_seconds, selector) VALUES (:org, 'Accounts',"
                              + " 'service_account', '{}', 21600, '{\"kind\": \"all\"}')"
                              + " RETURNING id")
                      .bind("org", org)
                      .mapTo(UUID.class)
                      .one();
              h.execute(
                  "INSERT INTO host_account_reports (host_id, check_id, kind, reported_at,"
                      + " listed, total, omitted, skipped, notes) VALUES (?, ?, 'accounts',"
                      + " now(), 3, 3, 0, 1, '{\"shadow not readable by the agent: denied\"}')",
                  web1,
                  check);
            });
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private void account(
      UUID host,
      String username,
      long uid,
      String type,
      boolean canLogIn,
      boolean privileged,
      String removedAt) {
    web.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "INSERT INTO host_accounts (host_id, username, uid, account_type, can_log_in,"
                        + " privileged, groups, first_seen, last_seen, removed_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, '{\"users\"}', now(), now(), "
                        + (removedAt == null ? "NULL" : removedAt)
                        + ")",
                    host,
                    username,
                    uid,
                    type,
                    canLogIn,
                    privileged));
  }

  private static JsonNode json(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    try {
      return JSON.readTree(response.body());
    } catch (Exception e) {
      throw new IllegalStateException(response.body(), e);
    }
  }

  private static List<String> rows(JsonNode list) {
    return list.get("items").findValuesAsText("hostname").isEmpty()
        ? List.of()
        : java.util.stream.StreamSupport.stream(list.get("items").spliterator(), false)
            .map(a -> a.get("hostname").asText() + " " + a.get("username").asText())
            .toList();
  }

  @Test
  void answersWhereALoginExistsWhoIsPrivilegedOnAGroupAndWhichHostsAcceptAKey() {
    assertThat(rows(json(admin.get("/api/v1/accounts?login=ALICE"))))
        .containsExactly("db-1 alice", "web-1 alice");
    assertThat(rows(json(admin.get("/api/v1/accounts?privileged=true&group=" + webGroup))))
        .containsExactly("web-1 alice", "web-1 root");
    assertThat(rows(json(admin.get("/api/v1/accounts?privileged=true"))))
        .as("mallory was removed: left out unless asked for")
        .containsExactly("web-1 alice", "web-1 root");
    assertThat(rows(json(admin.get("/api/v1/accounts?privileged=true&removed=true"))))
        .contains("db-1 mallory");
    String hex =
        "b8:d8:95:ce:d9:2c:0a:c0:e1:71:cd:2e:f5:ef:01:ba:34:17:55:4a:4a:64:80:d3:31:cc:c2:be:3d:ed:0f:6b";
    assertThat(rows(json(admin.get("/api/v1/accounts?fingerprint=" + hex))))
        .containsExactly("web-1 alice");
    assertThat(rows(json(admin.get("/api/v1/accounts?has_keys=1&type=human"))))
        .containsExactly("web-1 alice");
    assertThat(rows(json(admin.get("/api/v1/accounts?can_log_in=true&type=system"))))
        .containsExactly("web-1 root");

    JsonNode second = json(admin.get("/api/v1/accounts?size=2&page=2"));
    assertThat(second.get("total").asLong()).isEqualTo(5);
    assertThat(rows(second)).containsExactly("web-1 =cmd|' /C calc'!A0", "web-1 alice");
  }

  @Test
  void aHostsListHasKeysNotesAndRemovedAccounts() {
    JsonNode host = json(admin.get("/api/v1/hosts/" + db1 + "/accounts"));
    assertThat(host.get("items").findValuesAsText("username"))
        .containsExactly("alice", "postgres", "mallory");
    assertThat(host.get("items").get(2).has("removed_at")).isTrue();

    JsonNode withKeys = json(admin.get("/api/v1/hosts/" + web1 + "/accounts?has_keys=true"));
    assertThat(withKeys.get("items")).hasSize(1);
    assertThat(withKeys.get("items").get(0).get("keys").get(0).get("fingerprint_sha256").asText())
        .isEqualTo(KEY);
    assertThat(withKeys.get("other_keys").get(0).get("file_path").asText())
        .isEqualTo("/etc/ssh/keys/deploy.pub");
    assertThat(withKeys.get("reports").get(0).get("notes").get(0).asText())
        .isEqualTo("shadow not readable by the agent: denied");

    String tab = admin.get("/hosts/" + db1 + "/accounts").body();
    assertThat(tab).contains("id=\"tab-accounts\"", "data-username=\"mallory\"", "removed</span>");
    String webTab = admin.get("/hosts/" + web1 + "/accounts").body();
    assertThat(webTab)
        .contains("shadow not readable by the agent: denied", KEY, "data-privileged=\"true\"");
  }

  @Test
  void exportsEveryMatchingAccountAsCsvWithFormulasNeutralised() {
    HttpResponse<String> csv = admin.get("/api/v1/accounts.csv?type=human");
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
    List<String> lines = List.of(csv.body().split("\r\n"));
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).startsWith("\"hostname\",\"username\",\"uid\"");
    assertThat(lines).anyMatch(l -> l.startsWith("\"web-1\",\"'=cmd|' /C calc'!A0\""));
    assertThat(admin.get("/accounts.csv?login=alice&privileged=true").body())
        .contains("\"web-1\",\"alice\"")
        .doesNotContain("db-1");
  }

  @Test
  void aUserLimitedToAGroupSeesOnlyItsHostsAccounts() {
    UUID id = web.user(org, "scoped@example.com", Role.READ_ONLY);
    new UserScopes(web.jdbi())
        .scopeToGroups(org, id, Map.of(webGroup, Role.READ_ONLY), Actor.system("t"));
    WebClient scoped = web.client();
    scoped.signIn("scoped@example.com", WebFixture.PASSWORD);

    assertThat(rows(json(scoped.get("/api/v1/accounts?login=alice"))))
        .containsExactly("web-1 alice");
    assertThat(scoped.get("/api/v1/hosts/" + db1 + "/accounts").statusCode()).isEqualTo(404);
    assertThat(scoped.get("/accounts?login=alice").body()).contains("web-1").doesNotContain("db-1");
    assertThat(scoped.get("/accounts.csv").body()).doesNotContain("db-1");
  }

  @Test
  void engineersQueueARescanAndReadOnlyUsersCannot() {
    web.user(org, "engineer@example.com", Role.ENGINEER);
    web.user(org, "viewer@example.com", Role.READ_ONLY);
    WebClient engineer = web.client();
    engineer.signIn("engineer@example.com", WebFixture.PASSWORD);
    WebClient viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);

    assertThat(viewer.get("/hosts/" + web1 + "/accounts").body())
        .doesNotContain("id=\"rescan-accounts\"");
    assertThat(viewer.post("/hosts/" + web1 + "/accounts/rescan", Map.of()).statusCode())
        .isEqualTo(403);
    assertThat(engineer.get("/hosts/" + web1 + "/accounts").body())
        .contains("id=\"rescan-accounts\"");
    assertThat(engineer.post("/hosts/" + web1 + "/accounts/rescan", Map.of()).statusCode())
        .isEqualTo(303);

    assertThat(
            web.count(
                "SELECT count(*) FROM tasks WHERE type = 'account_scan' AND host_id = '"
                    + web1
                    + "'"))
        .isEqualTo(1);
    assertThat(engineer.get("/hosts/" + web1 + "/accounts").body())
        .contains("id=\"rescan-progress\"")
        .doesNotContain("id=\"rescan-accounts\"");
    assertThat(web.count("SELECT count(*) FROM audit_entries WHERE action LIKE 'task.%'"))
        .as("the task queue audits the request")
        .isEqualTo(1);
  }

  @Test
  void badFiltersAre400WithTheReason() {
    for (String query :
        List.of(
            "type=admin",
            "fingerprint=SHA256:short",
            "privileged=maybe",
            "group=" + UUID.randomUUID(),
            "size=501",
            "login=" + "x".repeat(300))) {
      HttpResponse<String> answer = admin.get("/api/v1/accounts?" + query);
      assertThat(answer.statusCode()).as(query).isEqualTo(400);
    }
    HttpResponse<String> page = admin.get("/accounts?type=admin");
    assertThat(page.statusCode()).isEqualTo(400);
    assertThat(page.body())
        .contains("id=\"filter-error\"", "type is one of human, service, system");
  }
}
