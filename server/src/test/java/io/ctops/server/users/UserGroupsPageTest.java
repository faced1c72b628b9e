package io.ctops.server.users;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.Role;
import io.ctops.server.groups.GroupRule;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Admins limit a user to groups on the user's groups page, and give the whole organisation back
 * with a role; each change is in the audit log, bad input is a 400 that changes nothing.
 */
@ExtendWith(FreshDatabase.class)
class UserGroupsPageTest {
  private WebFixture web;
  private WebClient admin;
  private UUID org;
  private UUID webProd;
  private UUID dbProd;
  private UUID user;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    admin = web.signedInAdmin();
    org = web.defaultOrg();
    webProd = group("web-prod");
    dbProd = group("db-prod");
    user = web.user(org, "eng@example.com", Role.ENGINEER);
  }

  @AfterEach
  void stop() {
    web.close();
  }

  @Test
  void anAdminLimitsAUserToGroupsWithARoleOnEachAndGivesTheOrganisationBack() {
    String page = admin.get("/users/" + user + "/groups").body();
    assertThat(page).contains("Role on web-prod", "Role on db-prod", "the whole organisation");

    HttpResponse<String> scoped =
        post("/users/" + user + "/groups", List.of(webProd + ":engineer", dbProd + ":read_only"));

    assertThat(scoped.statusCode()).isEqualTo(200);
    assertThat(scoped.body()).contains("web-prod: Engineer", "db-prod: Read only", "Per group");
    assertThat(column("host_scope")).isEqualTo("groups");
    assertThat(column("role")).isEqualTo("engineer");
    assertThat(groupRoles()).containsExactlyInAnyOrder("web-prod engineer", "db-prod read_only");
    assertThat(audit("user.scope_change"))
        .singleElement()
        .asString()
        .contains(
            "\"scope\": \"groups\"",
            "\"role\": \"engineer\"",
            "\"groups\": {\"db-prod\": \"read_only\", \"web-prod\": \"engineer\"}");

    // read-only on every group: the user's role is read-only, the highest they hold
    post("/users/" + user + "/groups", List.of(dbProd + ":read_only", ""));
    assertThat(column("role")).isEqualTo("read_only");
    assertThat(groupRoles()).containsExactly("db-prod read_only");

    assertThat(admin.post("/users/" + user + "/role", Map.of("role", "engineer")).statusCode())
        .isEqualTo(200);
    assertThat(column("host_scope")).isEqualTo("organisation");
    assertThat(groupRoles()).isEmpty();
    assertThat(audit("user.scope_change")).last().asString().contains("organisation");
  }

  @Test
  void badChoicesAreRefusedWithTheReasonAndChangeNothing() {
    post("/users/" + user + "/groups", List.of(webProd + ":engineer"));
    int entries = web.count("SELECT count(*) FROM audit_entries");

    for (List<String> bad :
        List.of(
            List.<String>of(),
            List.of(""),
            List.of(webProd + ":org_admin"),
            List.of(webProd + ":super_admin"),
            List.of("web-prod:engineer"),
            List.of(webProd.toString()),
            List.of(UUID.randomUUID() + ":engineer"),
            List.of(webProd + ":engineer", webProd + ":read_only"))) {
      HttpResponse<String> refused = post("/users/" + user + "/groups", bad);
      assertThat(refused.statusCode()).as(bad.toString()).isEqualTo(400);
      assertThat(refused.body()).contains("id=\"groups-message\"");
    }

    assertThat(groupRoles()).containsExactly("web-prod engineer");
    assertThat(column("role")).isEqualTo("engineer");
    assertThat(web.count("SELECT count(*) FROM audit_entries")).isEqualTo(entries);
    assertThat(admin.get("/users/" + UUID.randomUUID() + "/groups").statusCode()).isEqualTo(404);
  }

  @Test
  void theLastAdminCannotBeLimitedToGroups() {
    UUID self =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT id FROM users WHERE email = :e")
                        .bind("e", WebFixture.ADMIN_EMAIL)
                        .mapTo(UUID.class)
                        .one());

    HttpResponse<String> refused =
        post("/users/" + self + "/groups", List.of(webProd + ":engineer"));

    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(refused.body()).contains("at least one admin");
    assertThat(
            web.count(
                "SELECT count(*) FROM users WHERE role = 'org_admin' AND host_scope = 'organisation'"))
        .isEqualTo(1);
  }

  private UUID group(String name) {
    return web.jdbi()
        .inTransaction(
            h ->
                HostGroups.create(
                    h,
                    org,
                    Actor.system("test"),
                    new HostGroups.GroupSpec(name, "", false, GroupRule.NONE)));
  }

  /** A form with the {@code group} field repeated, as the groups page sends it. */
  private HttpResponse<String> post(String path, List<String> groups) {
    StringBuilder form = new StringBuilder("_csrf=").append(admin.csrf());
    for (String group : groups) {
      form.append("&group=").append(URLEncoder.encode(group, StandardCharsets.UTF_8));
    }
    return admin.send(
        admin
            .request(path)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form.toString()))
            .build());
  }

  private String column(String name) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT " + name + " FROM users WHERE id = :id")
                    .bind("id", user)
                    .mapTo(String.class)
                    .one());
  }

  private List<String> groupRoles() {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "SELECT g.name || ' ' || r.role FROM user_group_roles r"
                            + " JOIN host_groups g ON g.id = r.group_id WHERE r.user_id = :id")
                    .bind("id", user)
                    .mapTo(String.class)
                    .list());
  }

  private List<String> audit(String action) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "SELECT CAST(parameters AS text) FROM audit_entries"
                            + " WHERE action = :action AND target_type = 'user'"
                            + " AND target_id = :id ORDER BY at, id")
                    .bind("action", action)
                    .bind("id", user.toString())
                    .mapTo(String.class)
                    .list());
  }
}
