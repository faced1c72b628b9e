package io.ctops.server.users;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What admins do on the users page: the organisation's users and its software scan interval. */
@ExtendWith(FreshDatabase.class)
class UserPagesTest {
  private WebFixture web;
  private WebClient admin;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    admin = web.signedInAdmin();
  }

  @AfterEach
  void stop() {
    web.close();
  }

  @Test
  void adminsAddChangeAndRemoveUsersButKeepOneAdmin() {
    HttpResponse<String> added =
        admin.post(
            "/users",
            Map.of("email", "eng@example.com", "password", "twelve chars!", "role", "engineer"));
    assertThat(added.body()).contains("Added eng@example.com");
    UUID engineer =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT id FROM users WHERE email = 'eng@example.com'")
                        .mapTo(UUID.class)
                        .one());
    UUID self =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT id FROM users WHERE email = :e")
                        .bind("e", WebFixture.ADMIN_EMAIL)
                        .mapTo(UUID.class)
                        .one());

    assertThat(
            admin
                .post(
                    "/users",
                    Map.of(
                        "email",
                        "ENG@example.com",
                        "password",
                        "twelve chars!",
                        "role",
                        "engineer"))
                .statusCode())
        .isEqualTo(409);
    assertThat(
            admin
                .post(
                    "/users",
                    Map.of("email", "x@example.com", "password", "short", "role", "engineer"))
                .statusCode())
        .isEqualTo(400);
    assertThat(
            admin
                .post(
                    "/users",
                    Map.of(
                        "email",
                        "y@example.com",
                        "password",
                        "twelve chars!",
                        "role",
                        "super_admin"))
                .statusCode())
        .isEqualTo(403);
    assertThat(
            admin
                .post(
                    "/users",
                    Map.of("email", "z@example.com", "password", "twelve chars!", "role", "root"))
                .statusCode())
        .isEqualTo(400);

    WebClient eng = web.client();
    eng.signIn("eng@example.com", "twelve chars!");
    assertThat(eng.get("/users").statusCode()).isEqualTo(403);
    assertThat(eng.post("/users/" + self + "/remove", Map.of()).statusCode()).isEqualTo(403);

    assertThat(admin.post("/users/" + self + "/role", Map.of("role", "read_only")).body())
        .contains("the organisation must keep at least one admin");
    admin.post("/users/" + engineer + "/role", Map.of("role", "org_admin"));
    assertThat(eng.get("/users").statusCode()).isEqualTo(200);
    assertThat(eng.post("/users/" + self + "/remove", Map.of()).body()).contains("User removed");
    assertThat(eng.post("/users/" + engineer + "/remove", Map.of()).body())
        .contains("the organisation must keep at least one admin");
    // the removed admin's session is gone with the account
    assertThat(admin.get("/hosts").statusCode()).isEqualTo(302);
  }

  @Test
  void adminsSetTheSoftwareScanInterval() {
    assertThat(admin.get("/users").body()).contains("value=\"24\"");
    assertThat(admin.post("/settings/inventory-interval", Map.of("hours", "12")).body())
        .contains("Software is now scanned every 12 hours");
    assertThat(
            web.count(
                "SELECT inventory_scan_interval_hours FROM organisations WHERE slug = 'default'"))
        .isEqualTo(12);
    assertThat(admin.post("/settings/inventory-interval", Map.of("hours", "0")).statusCode())
        .isEqualTo(400);
    assertThat(admin.post("/settings/inventory-interval", Map.of("hours", "soon")).statusCode())
        .isEqualTo(400);
    assertThat(
            web.count(
                "SELECT inventory_scan_interval_hours FROM organisations WHERE slug = 'default'"))
        .isEqualTo(12);
    web.user(web.defaultOrg(), "eng2@example.com", Role.ENGINEER);
    WebClient engineer = web.client();
    engineer.signIn("eng2@example.com", WebFixture.PASSWORD);
    assertThat(engineer.post("/settings/inventory-interval", Map.of("hours", "1")).statusCode())
        .isEqualTo(403);
  }
}
