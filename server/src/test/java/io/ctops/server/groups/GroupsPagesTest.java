package io.ctops.server.groups;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
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
 * The Groups pages, a group's page with the host list, the host list's tags and the host page's
 * tags and groups, as the real web app serves them from a real database.
 */
@ExtendWith(FreshDatabase.class)
class GroupsPagesTest {
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
    web1 = aHost("web-1").ips("10.1.0.1").os("Ubuntu").status("online").insert(web.jdbi(), org);
    web2 = aHost("web-2").ips("10.1.0.2").status("offline").insert(web.jdbi(), org);
    db1 = aHost("db-1").ips("10.2.0.1").os("Debian").status("online").insert(web.jdbi(), org);
    GroupsApiTest.agentTags(web, web1, "env", "prod", "role", "web", "a", "1", "b", "2");
    GroupsApiTest.agentTags(web, web2, "env", "staging", "role", "web");
    GroupsApiTest.agentTags(web, db1, "env", "prod", "role", "db");
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private WebClient signedIn(Role role) {
    String email = role.dbName() + "@example.com";
    web.user(web.defaultOrg(), email, role);
    WebClient client = web.client();
    client.signIn(email, WebFixture.PASSWORD);
    return client;
  }

  private static Map<String, String> form(String... pairs) {
    Map<String, String> form = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      form.put(pairs[i], pairs[i + 1]);
    }
    return form;
  }

  private UUID createdGroup(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(303);
    String location = response.headers().firstValue("Location").orElseThrow();
    assertThat(location).startsWith("/groups/");
    return UUID.fromString(location.substring("/groups/".length()));
  }

  private int groups() {
    return web.count("SELECT count(*) FROM host_groups");
  }

  @Test
  void anAdminCreatesADynamicGroupWhosePageListsItsHostsWithTheHostListsFilters() {
    admin.get("/groups/new");
    UUID group =
        createdGroup(
            admin.post(
                "/groups",
                form(
                    "name", "Web",
                    "description", "front ends",
                    "kind", "dynamic",
                    "rule_tags", "role:web",
                    "rule_os", "",
                    "rule_hostname", "web-*",
                    "rule_cidr", "",
                    "rule_status", "")));

    String list = admin.get("/groups").body();
    assertThat(list)
        .contains("id=\"nav-groups\"")
        .contains("href=\"/groups/" + group + "\">Web</a>")
        .contains("front ends")
        .contains("tag role:web and hostname web-*")
        .contains("<td class=\"num members\">2</td>")
        .contains("<td class=\"num online\">1</td>")
        .contains("<td class=\"num offline\">1</td>");

    String page = admin.get("/groups/" + group).body();
    assertThat(page)
        .contains("<h1 id=\"group-name\">Web</h1>")
        .contains("data-host=\"" + web1 + "\"")
        .contains("data-host=\"" + web2 + "\"")
        .doesNotContain("data-host=\"" + db1 + "\"")
        .contains("href=\"/groups/" + group + "/notes\"")
        .contains("hx-get=\"/groups/" + group + "\"")
        .contains("data-confirm=\"Delete the group Web?");
    // counted with the group: its live members; the OS filter offers its members' systems only
    assertThat(page)
        .contains("id=\"host-count\">2 hosts")
        .contains("<option value=\"Ubuntu\"")
        .doesNotContain("<option value=\"Debian\"");
    // the same list: its sort links, filters and tag chips stay on the group's page
    assertThat(page)
        .contains("href=\"/groups/" + group + "?sort=os\"")
        .contains("href=\"/groups/" + group + "?tag=env%3Aprod\"")
        .doesNotContain("?group=");
    String filtered =
        admin
            .get(
                "/groups/" + group + "?status=online",
                "HX-Request",
                "true",
                "HX-Target",
                "host-list")
            .body();
    assertThat(filtered.strip())
        .startsWith("<div id=\"host-list\"")
        .contains("data-host=\"" + web1 + "\"")
        .doesNotContain("data-host=\"" + web2 + "\"")
        .contains("id=\"host-count\">1 host ");
    assertThat(admin.get("/hosts/" + web1).body())
        .contains("<a href=\"/groups/" + group + "\" class=\"chip\"");
    // the Hosts page filtered by the group names it, with a way back to every host
    String byGroup = admin.get("/hosts?group=" + group).body();
    assertThat(byGroup)
        .contains("id=\"group-filter-name\">Web</a>")
        .contains("href=\"/hosts\" class=\"chip tag-filter\"")
        .contains("id=\"host-count\">2 hosts");
    assertThat(admin.get("/hosts?group=" + UUID.randomUUID()).body())
        .contains("id=\"group-filter-name\">unknown group</a>")
        .contains("id=\"host-count\">0 hosts");
  }

  @Test
  void aRefusedFormComesBackWithTheReasonAndCreatesNothing() {
    admin.get("/groups/new");
    admin.post("/groups", form("name", "Web", "kind", "static"));
    int before = groups();
    Map<Map<String, String>, String> bad = new LinkedHashMap<>();
    bad.put(form("name", " ", "kind", "static"), "a group needs a name");
    bad.put(form("name", "WEB", "kind", "static"), "another group has this name already");
    bad.put(form("name", "n", "kind", "dynamic"), "needs at least one condition");
    bad.put(form("name", "n", "kind", "dynamic", "rule_cidr", "10.0.0/40"), "CIDR notation");
    bad.put(form("name", "n", "kind", "dynamic", "rule_hostname", "a b"), "hostname pattern");
    bad.put(
        form("name", "n", "kind", "dynamic", "rule_tags", "k:" + "v".repeat(300)),
        "limited to 255 characters");
    bad.put(form("name", "n", "kind", "dynamic", "rule_status", "asleep"), "status must be one of");
    bad.forEach(
        (fields, reason) -> {
          HttpResponse<String> answer = admin.post("/groups", fields);
          assertThat(answer.statusCode()).as(fields.toString()).isEqualTo(400);
          assertThat(answer.body())
              .as(fields.toString())
              .contains("id=\"form-error\"")
              .contains(reason)
              .contains("value=\"" + fields.get("name").replace(" ", " ") + "\"");
        });
    assertThat(groups()).isEqualTo(before);
  }

  @Test
  void anAdminPicksAStaticGroupsHostsByHostnameEditsAndDeletesIt() {
    admin.get("/groups/new");
    UUID group = createdGroup(admin.post("/groups", form("name", "picked", "kind", "static")));
    String candidates = admin.get("/groups/" + group + "/candidates?q=web").body();
    assertThat(candidates)
        .contains("data-add-host=\"web-1\"")
        .contains("data-add-host=\"web-2\"")
        .doesNotContain("db-1");
    admin.get("/groups/" + group);
    assertThat(
            admin
                .post("/groups/" + group + "/members", form("host_id", web1.toString()))
                .statusCode())
        .isEqualTo(303);
    assertThat(admin.get("/groups/" + group + "/candidates?q=web").body())
        .contains("data-remove-host=\"web-1\"")
        .contains("data-add-host=\"web-2\"");
    String page = admin.get("/groups/" + group).body();
    assertThat(page).contains("data-host=\"" + web1 + "\"").doesNotContain("data-host=\"" + web2);
    assertThat(
            admin
                .post("/groups/" + group + "/members/remove", form("host_id", web1.toString()))
                .statusCode())
        .isEqualTo(303);
    assertThat(admin.get("/groups/" + group).body()).doesNotContain("data-host=\"" + web1);
    UUID foreign = aHost("theirs").insert(web.jdbi(), web.otherOrg());
    assertThat(
            admin
                .post("/groups/" + group + "/members", form("host_id", foreign.toString()))
                .statusCode())
        .isEqualTo(404);
    assertThat(web.count("SELECT count(*) FROM host_group_members")).isZero();

    assertThat(admin.get("/groups/" + group + "/edit").body())
        .contains("value=\"picked\"")
        .contains("id=\"kind-static\" checked");
    assertThat(
            admin
                .post(
                    "/groups/" + group,
                    form("name", "Picked hosts", "description", "by hand", "kind", "static"))
                .statusCode())
        .isEqualTo(303);
    assertThat(admin.get("/groups").body()).contains("Picked hosts").contains("by hand");

    assertThat(admin.post("/groups/" + group + "/delete", Map.of()).statusCode()).isEqualTo(303);
    assertThat(groups()).isZero();
    assertThat(
            web.count(
                "SELECT count(*) FROM hosts WHERE deleted_at IS NULL"
                    + " AND hostname IN ('web-1', 'web-2', 'db-1')"))
        .isEqualTo(3);
  }

  @Test
  void onlyAdminsChangeGroupsAndOnlyWithTheCsrfToken() {
    admin.get("/groups/new");
    UUID group = createdGroup(admin.post("/groups", form("name", "ops", "kind", "static")));
    for (Role role : List.of(Role.READ_ONLY, Role.ENGINEER)) {
      WebClient user = signedIn(role);
      String list = user.get("/groups").body();
      assertThat(list).contains("ops").doesNotContain("id=\"new-group\"");
      assertThat(user.get("/groups/" + group).body())
          .doesNotContain("id=\"edit-group\"")
          .doesNotContain("id=\"pick-hosts\"");
      assertThat(user.get("/groups/new").statusCode()).isEqualTo(403);
      assertThat(user.post("/groups", form("name", "mine", "kind", "static")).statusCode())
          .isEqualTo(403);
      assertThat(user.post("/groups/" + group, form("name", "x", "kind", "static")).statusCode())
          .isEqualTo(403);
      assertThat(user.post("/groups/" + group + "/delete", Map.of()).statusCode()).isEqualTo(403);
      assertThat(
              user.post("/groups/" + group + "/members", form("host_id", web1.toString()))
                  .statusCode())
          .isEqualTo(403);
    }
    assertThat(admin.postRaw("/groups/" + group + "/delete", Map.of()).statusCode()).isEqualTo(403);
    assertThat(admin.postRaw("/groups", form("name", "forged", "kind", "static")).statusCode())
        .isEqualTo(403);
    assertThat(groups()).isEqualTo(1);
    assertThat(web.count("SELECT count(*) FROM host_group_members")).isZero();
  }

  @Test
  void theHostListShowsTagChipsThatFilterAndTheActiveTagFiltersCanBeRemoved() {
    String list = admin.get("/hosts").body();
    assertThat(list)
        .contains("<th>Tags</th>")
        .contains("id=\"tag-filter\"")
        .contains("title=\"a:1, b:2, env:prod, role:web\"")
        .contains("<span class=\"muted more-tags\">+1</span>")
        .contains("href=\"/hosts?tag=env%3Aprod\" class=\"chip tag agent\" data-tag=\"env:prod\"");

    String filtered = admin.get("/hosts?tag=env:prod&tag=role:web").body();
    assertThat(filtered)
        .contains("data-host=\"" + web1 + "\"")
        .doesNotContain("data-host=\"" + web2 + "\"")
        .doesNotContain("data-host=\"" + db1 + "\"")
        .contains("id=\"tag-filters\"")
        .contains("<input type=\"hidden\" name=\"tag\" value=\"env:prod\">")
        .contains("href=\"/hosts?tag=role%3Aweb\" class=\"chip tag-filter\" data-tag=\"env:prod\"");
    HttpResponse<String> bad = admin.get("/hosts?tag=" + "k".repeat(300));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("limited to 255 characters");
  }

  @Test
  void theHostPageShowsTagsBySourceAndEngineersAddAndRemoveOperatorTags() {
    WebClient engineer = signedIn(Role.ENGINEER);
    String page = engineer.get("/hosts/" + web1).body();
    assertThat(page).contains("id=\"add-tag-form\"");
    assertThat(engineer.post("/hosts/" + web1 + "/tags", form("tag", "env:live")).statusCode())
        .isEqualTo(303);
    page = engineer.get("/hosts/" + web1).body();
    assertThat(page)
        .contains("class=\"tag operator\" data-tag-key=\"env\" data-source=\"operator\"")
        .contains("class=\"tag overridden\" data-tag-key=\"env\" data-source=\"agent\"")
        .contains("env:prod <span class=\"tag-source\">agent, overridden</span>")
        .contains("aria-label=\"Remove the tag env:live\"");
    assertThat(engineer.get("/hosts?tag=env:live").body()).contains("data-host=\"" + web1 + "\"");

    HttpResponse<String> tooLong =
        engineer.post("/hosts/" + web1 + "/tags", form("tag", "k:" + "v".repeat(300)));
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(tooLong.body()).contains("limited to 255 characters");

    WebClient viewer = signedIn(Role.READ_ONLY);
    assertThat(viewer.get("/hosts/" + web1).body())
        .doesNotContain("id=\"add-tag-form\"")
        .doesNotContain("Remove the tag");
    assertThat(viewer.post("/hosts/" + web1 + "/tags", form("tag", "x")).statusCode())
        .isEqualTo(403);
    assertThat(viewer.post("/hosts/" + web1 + "/tags/remove", form("tag", "env")).statusCode())
        .isEqualTo(403);
    assertThat(engineer.postRaw("/hosts/" + web1 + "/tags/remove", form("tag", "env")).statusCode())
        .isEqualTo(403);

    assertThat(
            engineer.post("/hosts/" + web1 + "/tags/remove", form("tag", "env:live")).statusCode())
        .isEqualTo(303);
    assertThat(engineer.get("/hosts/" + web1).body())
        .contains("class=\"tag agent\" data-tag-key=\"env\"")
        .doesNotContain("overridden</span>");
    assertThat(web.count("SELECT count(*) FROM hosts WHERE operator_tags <> '{}'")).isZero();
  }
}
