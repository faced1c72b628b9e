package io.ctops.server.groups;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Host groups, operator tags and the selector preview through the JSON API of the real web app on a
 * real database: shapes, counts, who may write, and bad input answered 400 with nothing changed.
 */
@ExtendWith(FreshDatabase.class)
class GroupsApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WebFixture web;
  private WebClient admin;
  private UUID web1;
  private UUID web2;
  private UUID db1;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    admin = web.signedInAdmin();
    UUID org = web.defaultOrg();
    web1 = aHost("web-1").ips("10.1.0.1").status("online").insert(web.jdbi(), org);
    web2 = aHost("web-2").ips("10.1.0.2").status("offline").insert(web.jdbi(), org);
    db1 = aHost("db-1").ips("10.2.0.1").os("Debian").status("online").insert(web.jdbi(), org);
    agentTags(web, web1, "env", "prod", "role", "web");
    agentTags(web, web2, "env", "staging", "role", "web");
    agentTags(web, db1, "env", "prod", "role", "db");
  }

  @AfterEach
  void stop() {
    web.close();
  }

  /** Tags as the agent's registration stores them. */
  static void agentTags(WebFixture web, UUID host, String... keyValues) {
    web.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        "UPDATE hosts SET metadata = jsonb_build_object('tags',"
                            + " jsonb_object(CAST(:pairs AS text[]))) WHERE id = :id")
                    .bindArray("pairs", String.class, (Object[]) keyValues)
                    .bind("id", host)
                    .execute());
  }

  private HttpResponse<String> call(WebClient client, String method, String path, String body) {
    HttpRequest.Builder request =
        client
            .request(path)
            .header("Content-Type", "application/json")
            .header("X-CSRF-Token", client.csrf());
    return client.send(
        request
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  private JsonNode ok(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);
    return json(response);
  }

  private WebClient signedIn(Role role) {
    String email = role.dbName() + "@example.com";
    web.user(web.defaultOrg(), email, role);
    WebClient client = web.client();
    client.signIn(email, WebFixture.PASSWORD);
    return client;
  }

  private static List<String> hostnames(JsonNode list) {
    List<String> names = new ArrayList<>();
    list.get("items").forEach(h -> names.add(h.get("hostname").asText()));
    return names;
  }

  private int groups() {
    return web.count("SELECT count(*) FROM host_groups");
  }

  @Test
  void aDynamicGroupByTagHoldsTheMatchingHostsWithCountsAndListsThemLikeTheHostList()
      throws Exception {
    JsonNode created =
        ok(
            call(
                admin,
                "POST",
                "/api/v1/groups",
                "{\"name\": \"Web prod\", \"description\": \"front ends\", \"kind\": \"dynamic\","
                    + " \"rule\": {\"tags\": [\"role:web\"], \"cidr\": \"10.1.0.0/16\"}}"));
    assertThat(created.get("name").asText()).isEqualTo("Web prod");
    assertThat(created.get("description").asText()).isEqualTo("front ends");
    assertThat(created.get("kind").asText()).isEqualTo("dynamic");
    assertThat(created.get("rule").get("tags").get(0).asText()).isEqualTo("role:web");
    assertThat(created.get("rule").get("cidr").asText()).isEqualTo("10.1.0.0/16");
    assertThat(created.get("rule").get("hostname_pattern").isNull()).isTrue();
    assertThat(created.get("members").get("total").asInt()).isEqualTo(2);
    assertThat(created.get("members").get("online").asInt()).isEqualTo(1);
    assertThat(created.get("members").get("offline").asInt()).isEqualTo(1);
    String id = created.get("id").asText();

    JsonNode list = ok(admin.get("/api/v1/groups"));
    assertThat(list.get("items")).hasSize(1);
    assertThat(list.get("items").get(0).get("members").get("total").asInt()).isEqualTo(2);

    JsonNode hosts = ok(admin.get("/api/v1/groups/" + id + "/hosts?sort=hostname&dir=desc"));
    assertThat(hostnames(hosts)).containsExactly("web-2", "web-1");
    assertThat(hosts.get("total").asInt()).isEqualTo(2);
    JsonNode sameFromTheHostList = ok(admin.get("/api/v1/hosts?group=" + id + "&sort=hostname"));
    assertThat(hostnames(sameFromTheHostList)).containsExactly("web-1", "web-2");
    assertThat(hostnames(ok(admin.get("/api/v1/groups/" + id + "/hosts?status=online"))))
        .containsExactly("web-1");
    assertThat(hostnames(ok(admin.get("/api/v1/groups/" + id + "/hosts?tag=env:staging"))))
        .containsExactly("web-2");

    JsonNode patched =
        ok(call(admin, "PATCH", "/api/v1/groups/" + id, "{\"rule\": {\"tags\": [\"env:prod\"]}}"));
    assertThat(patched.get("name").asText()).isEqualTo("Web prod");
    assertThat(patched.get("description").asText()).isEqualTo("front ends");
    assertThat(hostnames(ok(admin.get("/api/v1/groups/" + id + "/hosts"))))
        .containsExactly("db-1", "web-1");

    assertThat(call(admin, "DELETE", "/api/v1/groups/" + id, null).statusCode()).isEqualTo(204);
    assertThat(admin.get("/api/v1/groups/" + id).statusCode()).isEqualTo(404);
    assertThat(web.count("SELECT count(*) FROM hosts WHERE deleted_at IS NULL")).isEqualTo(3);
    assertThat(
            web.count(
                "SELECT count(*) FROM audit_entries WHERE action IN ('group.create', 'group.update',"
                    + " 'group.delete')"))
        .isEqualTo(3);
  }

  @Test
  void aStaticGroupsMembersAreAddedAndRemovedByIdAndADynamicGroupsCannotBe() throws Exception {
    String id =
        ok(call(admin, "POST", "/api/v1/groups", "{\"name\": \"picked\"}")).get("id").asText();
    JsonNode added =
        ok(
            call(
                admin,
                "POST",
                "/api/v1/groups/" + id + "/members",
                "{\"host_ids\": [\"" + web1 + "\", \"" + db1 + "\"]}"));
    assertThat(added.get("added").asInt()).isEqualTo(2);
    assertThat(hostnames(ok(admin.get("/api/v1/groups/" + id + "/hosts"))))
        .containsExactly("db-1", "web-1");
    JsonNode removed =
        ok(
            call(
                admin,
                "DELETE",
                "/api/v1/groups/" + id + "/members",
                "{\"host_ids\": [\"" + db1 + "\"]}"));
    assertThat(removed.get("removed").asInt()).isEqualTo(1);
    assertThat(hostnames(ok(admin.get("/api/v1/groups/" + id + "/hosts"))))
        .containsExactly("web-1");

    UUID foreign = aHost("theirs").insert(web.jdbi(), web.otherOrg());
    HttpResponse<String> unknownHost =
        call(
            admin,
            "POST",
            "/api/v1/groups/" + id + "/members",
            "{\"host_ids\": [\"" + web2 + "\", \"" + foreign + "\"]}");
    assertThat(unknownHost.statusCode()).isEqualTo(404);
    assertThat(unknownHost.body()).contains("no such host: " + foreign);
    assertThat(web.count("SELECT count(*) FROM host_group_members")).isEqualTo(1);

    String dynamic =
        ok(call(
                admin,
                "POST",
                "/api/v1/groups",
                "{\"name\": \"debian\", \"kind\": \"dynamic\", \"rule\": {\"os\": \"debian\"}}"))
            .get("id")
            .asText();
    HttpResponse<String> refused =
        call(
            admin,
            "POST",
            "/api/v1/groups/" + dynamic + "/members",
            "{\"host_ids\": [\"" + web1 + "\"]}");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("follow its rule");
    assertThat(hostnames(ok(admin.get("/api/v1/groups/" + dynamic + "/hosts"))))
        .containsExactly("db-1");
  }

  @Test
  void badGroupsGet400WithTheReasonAndChangeNothing() throws Exception {
    ok(call(admin, "POST", "/api/v1/groups", "{\"name\": \"Web\"}"));
    int before = groups();
    int auditBefore = web.count("SELECT count(*) FROM audit_entries WHERE action LIKE 'group.%'");
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("{\"name\": \"  \"}", "a group needs a name");
    bad.put("{\"name\": \"wEB\"}", "another group has this name already");
    bad.put(
        "{\"name\": \"n\", \"kind\": \"dynamic\", \"rule\": {\"cidr\": \"10.0.0.300/8\"}}",
        "CIDR notation");
    bad.put(
        "{\"name\": \"n\", \"kind\": \"dynamic\", \"rule\": {\"cidr\": \"10.0.0.0/33\"}}",
        "CIDR notation");
    bad.put(
        "{\"name\": \"n\", \"kind\": \"dynamic\", \"rule\": {\"hostname_pattern\": \"web[0-9]\"}}",
        "hostname pattern may hold");
    bad.put(
        "{\"name\": \"n\", \"kind\": \"dynamic\", \"rule\": {\"tags\": [\"k:"
            + "v".repeat(260)
            + "\"]}}",
        "limited to 255 characters");
    bad.put("{\"name\": \"n\", \"kind\": \"dynamic\"}", "needs at least one condition");
    bad.put(
        "{\"name\": \"n\", \"kind\": \"dynamic\", \"rule\": {\"status\": \"asleep\"}}",
        "status must be one of");
    bad.put("{\"name\": \"n\", \"kind\": \"mixed\"}", "kind must be static or dynamic");
    bad.put("{\"name\": \"n\", \"colour\": \"red\"}", "unknown property");
    bad.put("{\"name\": 7}", "name must be a string");
    bad.put("[1]", "JSON object");
    bad.put("not json", "not valid JSON");
    bad.forEach(
        (body, reason) -> {
          HttpResponse<String> answer = call(admin, "POST", "/api/v1/groups", body);
          assertThat(answer.statusCode()).as(body).isEqualTo(400);
          assertThat(answer.body()).as(body).contains(reason);
        });
    assertThat(groups()).isEqualTo(before);
    assertThat(web.count("SELECT count(*) FROM audit_entries WHERE action LIKE 'group.%'"))
        .isEqualTo(auditBefore);

    UUID foreignGroup =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO host_groups (org_id, name, dynamic) VALUES (:org,"
                                + " 'theirs', false) RETURNING id")
                        .bind("org", web.otherOrg())
                        .mapTo(UUID.class)
                        .one());
    assertThat(admin.get("/api/v1/groups/" + foreignGroup).statusCode()).isEqualTo(404);
    assertThat(admin.get("/api/v1/groups/" + foreignGroup + "/hosts").statusCode()).isEqualTo(404);
    assertThat(
            call(admin, "PATCH", "/api/v1/groups/" + foreignGroup, "{\"name\": \"mine\"}")
                .statusCode())
        .isEqualTo(404);
    assertThat(call(admin, "DELETE", "/api/v1/groups/" + foreignGroup, null).statusCode())
        .isEqualTo(404);
    assertThat(admin.get("/api/v1/groups/not-an-id").statusCode()).isEqualTo(404);
    assertThat(groups()).isEqualTo(before + 1);
  }

  @Test
  void onlyAdminsWriteGroupsAndEveryoneReadsThem() throws Exception {
    String id = ok(call(admin, "POST", "/api/v1/groups", "{\"name\": \"ops\"}")).get("id").asText();
    for (Role role : List.of(Role.READ_ONLY, Role.ENGINEER)) {
      WebClient user = signedIn(role);
      assertThat(ok(user.get("/api/v1/groups")).get("items")).hasSize(1);
      assertThat(ok(user.get("/api/v1/groups/" + id)).get("name").asText()).isEqualTo("ops");
      assertThat(call(user, "POST", "/api/v1/groups", "{\"name\": \"x\"}").statusCode())
          .isEqualTo(403);
      assertThat(call(user, "PATCH", "/api/v1/groups/" + id, "{\"name\": \"x\"}").statusCode())
          .isEqualTo(403);
      assertThat(call(user, "DELETE", "/api/v1/groups/" + id, null).statusCode()).isEqualTo(403);
      assertThat(
              call(
                      user,
                      "POST",
                      "/api/v1/groups/" + id + "/members",
                      "{\"host_ids\": [\"" + web1 + "\"]}")
                  .statusCode())
          .isEqualTo(403);
    }
    assertThat(groups()).isEqualTo(1);
    assertThat(web.count("SELECT count(*) FROM host_group_members")).isZero();
  }

  @Test
  void operatorTagsAreAddedAndRemovedThroughTheApiAndWinOverTheAgentsByKey() throws Exception {
    JsonNode after =
        ok(
            call(
                admin,
                "POST",
                "/api/v1/hosts/" + web1 + "/tags",
                "{\"tags\": [\"ENV:live\", \"pci\"]}"));
    assertThat(after.get("tags").toString())
        .contains(
            "{\"key\":\"ENV\",\"value\":\"live\",\"source\":\"operator\",\"overridden\":false}")
        .contains("{\"key\":\"pci\",\"value\":\"\",\"source\":\"operator\",\"overridden\":false}")
        .contains("{\"key\":\"env\",\"value\":\"prod\",\"source\":\"agent\",\"overridden\":true}")
        .contains("{\"key\":\"role\",\"value\":\"web\",\"source\":\"agent\",\"overridden\":false}");

    JsonNode row = ok(admin.get("/api/v1/hosts?tag=env:live")).get("items");
    assertThat(row).hasSize(1);
    assertThat(row.get(0).get("hostname").asText()).isEqualTo("web-1");
    assertThat(row.get(0).get("operator_tags").get("ENV").asText()).isEqualTo("live");
    assertThat(row.get(0).get("agent_tags").get("env").asText()).isEqualTo("prod");
    assertThat(row.get(0).get("tags")).hasSize(4);
    assertThat(hostnames(ok(admin.get("/api/v1/hosts?tag=env:prod")))).containsExactly("db-1");
    assertThat(hostnames(ok(admin.get("/api/v1/hosts?tag=pci&tag=role:web"))))
        .containsExactly("web-1");
    assertThat(hostnames(ok(admin.get("/api/v1/hosts?q=live")))).containsExactly("web-1");

    HttpResponse<String> removed =
        call(
            admin,
            "DELETE",
            "/api/v1/hosts/"
                + web1
                + "/tags/"
                + URLEncoder.encode("env:LIVE", StandardCharsets.UTF_8),
            null);
    assertThat(removed.statusCode()).isEqualTo(200);
    assertThat(json(removed).get("tags").toString()).doesNotContain("live");
    assertThat(hostnames(ok(admin.get("/api/v1/hosts?tag=env:prod"))))
        .containsExactly("db-1", "web-1");
    HttpResponse<String> agentTag =
        call(admin, "DELETE", "/api/v1/hosts/" + web1 + "/tags/role", null);
    assertThat(agentTag.statusCode()).isEqualTo(404);
    assertThat(agentTag.body()).contains("agent's configuration");

    int audit = web.count("SELECT count(*) FROM audit_entries WHERE action LIKE 'host.%tag'");
    HttpResponse<String> tooLong =
        call(
            admin,
            "POST",
            "/api/v1/hosts/" + web1 + "/tags",
            "{\"tags\": [\"k:" + "v".repeat(300) + "\"]}");
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(tooLong.body()).contains("limited to 255 characters");
    for (String body :
        List.of("{\"tags\": []}", "{\"tags\": \"env:prod\"}", "{\"tag\": [\"a\"]}")) {
      assertThat(call(admin, "POST", "/api/v1/hosts/" + web1 + "/tags", body).statusCode())
          .as(body)
          .isEqualTo(400);
    }
    WebClient viewer = signedIn(Role.READ_ONLY);
    assertThat(
            call(viewer, "POST", "/api/v1/hosts/" + web1 + "/tags", "{\"tags\": [\"x\"]}")
                .statusCode())
        .isEqualTo(403);
    assertThat(call(viewer, "DELETE", "/api/v1/hosts/" + web1 + "/tags/pci", null).statusCode())
        .isEqualTo(403);
    WebClient engineer = signedIn(Role.ENGINEER);
    assertThat(
            call(engineer, "POST", "/api/v1/hosts/" + web1 + "/tags", "{\"tags\": [\"team:a\"]}")
                .statusCode())
        .isEqualTo(200);
    UUID foreign = aHost("theirs").insert(web.jdbi(), web.otherOrg());
    assertThat(
            call(admin, "POST", "/api/v1/hosts/" + foreign + "/tags", "{\"tags\": [\"x\"]}")
                .statusCode())
        .isEqualTo(404);
    assertThat(web.count("SELECT count(*) FROM audit_entries WHERE action LIKE 'host.%tag'"))
        .isEqualTo(audit + 1);
    assertThat(
            web.count(
                "SELECT count(*) FROM hosts WHERE operator_tags <> '{}' AND id <> '" + web1 + "'"))
        .isZero();
  }

  @Test
  void aSelectorPreviewCountsAndListsTheHostsItNames() throws Exception {
    String group =
        ok(call(
                admin,
                "POST",
                "/api/v1/groups",
                "{\"name\": \"db\", \"kind\": \"dynamic\", \"rule\": {\"tags\": [\"role:db\"]}}"))
            .get("id")
            .asText();
    Map<String, List<UUID>> cases = new LinkedHashMap<>();
    cases.put("{\"kind\": \"all\"}", List.of(web1, web2, db1));
    cases.put("{\"kind\": \"group\", \"group_id\": \"" + group + "\"}", List.of(db1));
    cases.put("{\"kind\": \"host\", \"host_id\": \"" + web2 + "\"}", List.of(web2));
    cases.put("{\"kind\": \"tags\", \"tags\": [\"ROLE:web\", \"env\"]}", List.of(web1, web2));
    for (Map.Entry<String, List<UUID>> c : cases.entrySet()) {
      JsonNode resolved = ok(call(admin, "POST", "/api/v1/host-selectors/resolve", c.getKey()));
      assertThat(resolved.get("count").asInt()).as(c.getKey()).isEqualTo(c.getValue().size());
      List<String> ids = new ArrayList<>();
      resolved.get("host_ids").forEach(id -> ids.add(id.asText()));
      assertThat(ids)
          .as(c.getKey())
          .containsExactlyInAnyOrderElementsOf(c.getValue().stream().map(UUID::toString).toList());
    }
    UUID foreign = aHost("theirs").insert(web.jdbi(), web.otherOrg());
    Map<String, String> bad =
        Map.of(
            "{\"kind\": \"host\", \"host_id\": \"" + foreign + "\"}",
            "no such host",
            "{\"kind\": \"group\", \"group_id\": \"" + UUID.randomUUID() + "\"}",
            "no such group",
            "{\"kind\": \"tags\", \"tags\": []}",
            "at least one tag",
            "{\"kind\": \"some\"}",
            "kind is one of");
    bad.forEach(
        (body, reason) -> {
          HttpResponse<String> answer = call(admin, "POST", "/api/v1/host-selectors/resolve", body);
          assertThat(answer.statusCode()).as(body).isEqualTo(400);
          assertThat(answer.body()).as(body).contains(reason);
        });
  }
}
