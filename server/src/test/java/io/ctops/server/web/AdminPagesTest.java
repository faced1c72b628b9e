package io.ctops.server.web;

import static io.ctops.server.web.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.auth.Role;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What admins do through the pages and the API: tokens, users, approvals. */
class AdminPagesTest {
  private WebFixture web;
  private WebClient admin;

  @BeforeEach
  void start() {
    web = WebFixture.start();
    web.admin();
    admin = web.client();
    admin.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
  }

  @AfterEach
  void stop() {
    web.close();
  }

  @Test
  void aTokenIsShownOnceWithItsCommandLineThenListedAndRevocable() {
    HttpResponse<String> created =
        admin.post(
            "/tokens",
            Map.of(
                "name",
                "rack <b>7</b>",
                "auto_approve",
                "on",
                "expires_in_days",
                "7",
                "max_uses",
                "3"));
    assertThat(created.statusCode()).isEqualTo(200);
    String body = created.body();
    int start = body.indexOf("id=\"token-value\">") + "id=\"token-value\">".length();
    String token = body.substring(start, body.indexOf("</pre>", start));
    assertThat(token).hasSizeGreaterThan(20);
    assertThat(body)
        .contains("CT_OPS_ORG_TOKEN=" + token)
        .contains("CT_OPS_INGEST_ADDRESS=localhost:9443")
        .contains("rack &lt;b&gt;7&lt;/b&gt;");

    String list = admin.get("/tokens").body();
    assertThat(list).doesNotContain(token).contains("…" + token.substring(token.length() - 4));
    assertThat(list).contains("0 / 3").contains(">active<");
    UUID id =
        web.jdbi()
            .withHandle(
                h -> h.createQuery("SELECT id FROM enrolment_tokens").mapTo(UUID.class).one());
    assertThat(admin.post("/tokens/" + id + "/revoke", Map.of()).statusCode()).isEqualTo(303);
    assertThat(admin.get("/tokens").body()).contains(">revoked<");

    HttpResponse<String> bad = admin.post("/tokens", Map.of("name", "x", "max_uses", "0"));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("max uses must be between 1 and 1000000");
    assertThat(admin.post("/tokens", Map.of("name", " ")).statusCode()).isEqualTo(400);
    assertThat(web.count("SELECT count(*) FROM enrolment_tokens")).isEqualTo(1);
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
  void approvalRunsTheDuplicateCheckAgainAndShowsItsRefusal() {
    aHost("twin")
        .status("online")
        .agent("active")
        .ips("10.0.0.9")
        .insert(web.jdbi(), web.defaultOrg());
    // the other host came online with the same name while this agent waited for approval
    UUID waiting =
        aHost("twin").status("pending").agent("pending").insert(web.jdbi(), web.defaultOrg());
    UUID agent =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT agent_id FROM hosts WHERE id = :id")
                        .bind("id", waiting)
                        .mapTo(UUID.class)
                        .one());
    HttpResponse<String> refused =
        admin.postRaw(
            "/agents/" + agent + "/approve",
            Map.of(),
            "HX-Request",
            "true",
            "X-CSRF-Token",
            admin.csrf());
    assertThat(refused.statusCode()).isEqualTo(200);
    assertThat(refused.body())
        .contains("id=\"pending-message\"")
        .contains("class=\"error\"")
        .contains("twin");
    assertThat(status(agent)).isEqualTo("pending");

    HttpResponse<String> api =
        admin.send(
            admin
                .request("/api/v1/agents/" + agent + "/approve")
                .header("X-CSRF-Token", admin.csrf())
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(api.statusCode()).isEqualTo(409);
    assertThat(api.body()).contains("twin");

    HttpResponse<String> revoked =
        admin.send(
            admin
                .request("/api/v1/agents/" + agent + "/revoke")
                .header("X-CSRF-Token", admin.csrf())
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(revoked.body()).contains("\"result\":\"revoked\"");
    assertThat(status(agent)).isEqualTo("revoked");
    assertThat(
            web.count("SELECT count(*) FROM agent_status_history WHERE reason LIKE 'revoked by%'"))
        .isEqualTo(1);
  }

  @Test
  void theApiServesAHostItsMetricsAndThePendingAgents() {
    UUID host =
        aHost("api-1")
            .os("Debian")
            .ips("10.2.3.4")
            .vitals(12f, 34f, 56f)
            .insert(web.jdbi(), web.defaultOrg());
    aHost("waiting").status("pending").agent("pending").insert(web.jdbi(), web.defaultOrg());
    String detail = admin.get("/api/v1/hosts/" + host).body();
    assertThat(detail)
        .contains("\"hostname\":\"api-1\"")
        .contains("\"ip_addresses\":[\"10.2.3.4\"]")
        .contains("\"cpu_percent\":12.0");
    String metrics = admin.get("/api/v1/hosts/" + host + "/metrics?range=24h").body();
    assertThat(metrics).contains("\"bucket_seconds\":87").contains("\"times\":[]");
    assertThat(admin.get("/api/v1/hosts/" + host + "/metrics?range=2h").statusCode())
        .isEqualTo(400);
    assertThat(admin.get("/api/v1/hosts/" + host + "/metrics?from=100").statusCode())
        .isEqualTo(400);
    assertThat(admin.get("/api/v1/hosts/" + host + "/metrics?from=200&to=100").statusCode())
        .isEqualTo(400);
    assertThat(admin.get("/api/v1/agents/pending").body()).contains("\"hostname\":\"waiting\"");
    web.web.invalidateOverview(web.defaultOrg()); // signing in read (and cached) the empty fleet
    assertThat(admin.get("/api/v1/overview").body())
        .contains("\"pending_approval\":1")
        .contains("\"total\":2");
    assertThat(admin.get("/api/v1/hosts?sort=cpu&dir=desc&size=25").body())
        .contains("\"size\":25")
        .contains("\"pages\":1");
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

  @Test
  void theOpenApiDocumentDescribesEveryApiRoute() throws Exception {
    WebClient anonymous = web.client();
    HttpResponse<String> document = anonymous.get("/api/v1/openapi.json");
    assertThat(document.statusCode()).isEqualTo(200);
    assertThat(document.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    var paths =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(document.body()).get("paths");
    // every API route the web app registers (read from its source) is in the document
    Pattern route =
        Pattern.compile("routes\\.(get|post|put|patch|delete)\\(\\s*\"(/api/v1/[^\"]*)\"");
    List<String> registered = new ArrayList<>();
    try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
      for (Path source : sources.filter(f -> f.toString().endsWith(".java")).toList()) {
        Matcher m = route.matcher(Files.readString(source));
        while (m.find()) {
          registered.add(m.group(1) + " " + m.group(2));
        }
      }
    }
    assertThat(registered)
        .contains("get /api/v1/hosts", "post /api/v1/tokens", "get /api/v1/software")
        .hasSizeGreaterThan(15);
    for (String line : registered) {
      String[] parts = line.split(" ");
      assertThat(paths.has(parts[1])).as("%s is documented", parts[1]).isTrue();
      assertThat(paths.get(parts[1]).has(parts[0])).as("%s is documented", line).isTrue();
    }
  }

  private String status(UUID agent) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT status FROM agents WHERE id = :id")
                    .bind("id", agent)
                    .mapTo(String.class)
                    .one());
  }
}
