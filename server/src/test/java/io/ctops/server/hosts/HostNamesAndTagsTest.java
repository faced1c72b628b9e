package io.ctops.server.hosts;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a host is called and tagged: the agent's tags on the host page and in the API, and the
 * display name engineers and admins set on the host page or through the API.
 */
@ExtendWith(FreshDatabase.class)
class HostNamesAndTagsTest {
  private WebFixture web;
  private UUID host;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    host = aHost("db-7").ips("10.9.8.7").insert(web.jdbi(), web.defaultOrg());
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private String displayName() {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT display_name FROM hosts WHERE id = :id")
                    .bind("id", host)
                    .mapTo(String.class)
                    .one());
  }

  private WebClient signedIn(Role role) {
    String email = role.dbName() + "@example.com";
    web.user(web.defaultOrg(), email, role);
    WebClient client = web.client();
    client.signIn(email, WebFixture.PASSWORD);
    return client;
  }

  private HttpResponse<String> patch(WebClient client, String json) {
    HttpRequest.Builder request =
        client
            .request("/api/v1/hosts/" + host)
            .header("Content-Type", "application/json")
            .header("X-CSRF-Token", client.csrf());
    return client.send(request.method("PATCH", HttpRequest.BodyPublishers.ofString(json)).build());
  }

  @Test
  void theAgentsTagsShowOnTheHostPageAndInTheApi() throws Exception {
    web.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        "UPDATE hosts SET metadata = jsonb_build_object('tags',"
                            + " jsonb_build_object('role', 'db', 'env', 'prod')) WHERE id = :id")
                    .bind("id", host)
                    .execute());
    WebClient viewer = signedIn(Role.READ_ONLY);
    String page = viewer.get("/hosts/" + host).body();
    assertThat(page)
        .contains("data-tag-key=\"env\" data-source=\"agent\"")
        .contains(">env:prod <span class=\"tag-source\">agent</span>")
        .contains(">role:db <span class=\"tag-source\">agent</span>");
    JsonNode detail = new ObjectMapper().readTree(viewer.get("/api/v1/hosts/" + host).body());
    assertThat(detail.get("agent_tags").get("env").asText()).isEqualTo("prod");
    assertThat(detail.get("agent_tags").get("role").asText()).isEqualTo("db");
    JsonNode list = new ObjectMapper().readTree(viewer.get("/api/v1/hosts").body());
    assertThat(list.get("items").get(0).get("agent_tags").get("env").asText()).isEqualTo("prod");

    UUID untagged = aHost("plain").insert(web.jdbi(), web.defaultOrg());
    assertThat(viewer.get("/api/v1/hosts/" + untagged).body()).contains("\"agent_tags\":{}");
  }

  @Test
  void engineersAndAdminsNameAHostAndTheNameShowsBesideTheHostname() throws Exception {
    WebClient engineer = signedIn(Role.ENGINEER);
    engineer.get("/hosts/" + host);
    HttpResponse<String> saved =
        engineer.post("/hosts/" + host + "/display-name", Map.of("display_name", "  Billing DB "));
    assertThat(saved.statusCode()).isEqualTo(303);
    assertThat(displayName()).isEqualTo("Billing DB");
    String page = engineer.get("/hosts/" + host).body();
    assertThat(page)
        .contains("<title>Billing DB")
        .contains("<h1 id=\"host-name\">Billing DB</h1>")
        .contains("<span class=\"muted\" id=\"host-hostname\">db-7</span>")
        .contains("id=\"display-name-form\"");
    assertThat(engineer.get("/hosts").body()).contains("db-7").contains("Billing DB");

    WebClient admin = web.signedInAdmin();
    admin.get("/hosts/" + host);
    HttpResponse<String> renamed = patch(admin, "{\"display_name\": \"Billing primary\"}");
    assertThat(renamed.statusCode()).isEqualTo(200);
    assertThat(new ObjectMapper().readTree(renamed.body()).get("display_name").asText())
        .isEqualTo("Billing primary");
    assertThat(patch(admin, "{\"display_name\": \"\"}").statusCode()).isEqualTo(200);
    assertThat(displayName()).isNull();
    assertThat(admin.get("/hosts/" + host).body()).contains("<h1 id=\"host-name\">db-7</h1>");
    assertThat(patch(admin, "{\"display_name\": \"x\"}").statusCode()).isEqualTo(200);
    assertThat(patch(admin, "{\"display_name\": null}").statusCode()).isEqualTo(200);
    assertThat(displayName()).isNull();
  }

  @Test
  void readOnlyUsersAndRequestsWithoutTheCsrfTokenChangeNoName() {
    web.jdbi()
        .useHandle(
            h ->
                h.createUpdate("UPDATE hosts SET display_name = 'kept' WHERE id = :id")
                    .bind("id", host)
                    .execute());
    WebClient viewer = signedIn(Role.READ_ONLY);
    String page = viewer.get("/hosts/" + host).body();
    assertThat(page).doesNotContain("display-name-form").contains("id=\"fact-display-name\"");
    assertThat(
            viewer
                .post("/hosts/" + host + "/display-name", Map.of("display_name", "mine"))
                .statusCode())
        .isEqualTo(403);
    assertThat(patch(viewer, "{\"display_name\": \"mine\"}").statusCode()).isEqualTo(403);

    WebClient engineer = signedIn(Role.ENGINEER);
    engineer.get("/hosts/" + host);
    assertThat(
            engineer
                .postRaw("/hosts/" + host + "/display-name", Map.of("display_name", "forged"))
                .statusCode())
        .isEqualTo(403);
    HttpResponse<String> noHeader =
        engineer.send(
            engineer
                .request("/api/v1/hosts/" + host)
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"display_name\":\"x\"}"))
                .build());
    assertThat(noHeader.statusCode()).isEqualTo(403);

    UUID foreign = aHost("theirs").insert(web.jdbi(), web.otherOrg());
    assertThat(
            engineer
                .post("/hosts/" + foreign + "/display-name", Map.of("display_name", "x"))
                .statusCode())
        .isEqualTo(404);
    assertThat(displayName()).isEqualTo("kept");
  }

  @Test
  void aBadNameGets400WithTheReasonAndChangesNothing() {
    web.jdbi()
        .useHandle(
            h ->
                h.createUpdate("UPDATE hosts SET display_name = 'kept' WHERE id = :id")
                    .bind("id", host)
                    .execute());
    WebClient admin = web.signedInAdmin();
    admin.get("/hosts/" + host);
    Map<String, String> badBodies =
        Map.of(
            "{\"display_name\": \"" + "n".repeat(101) + "\"}",
            "at most 100 characters",
            "{\"display_name\": \"bell\\u0007\"}",
            "control characters",
            "{\"display_name\": \"two\\nlines\"}",
            "control characters",
            "{\"display_name\": \"\\u202egnp.exe\"}",
            "control characters",
            "{\"display_name\": 42}",
            "must be a string",
            "{\"hostname\": \"other\"}",
            "unknown property \\\"hostname\\\"",
            "{}",
            "nothing to change",
            "not json",
            "JSON object");
    badBodies.forEach(
        (body, reason) -> {
          HttpResponse<String> answer = patch(admin, body);
          assertThat(answer.statusCode()).as(body).isEqualTo(400);
          assertThat(answer.body()).as(body).contains(reason);
        });
    HttpResponse<String> fromPage =
        admin.post("/hosts/" + host + "/display-name", Map.of("display_name", "tab\there"));
    assertThat(fromPage.statusCode()).isEqualTo(400);
    assertThat(fromPage.body()).contains("control characters");
    assertThat(displayName()).isEqualTo("kept");

    assertThat(patch(admin, "{\"display_name\": \"" + "n".repeat(100) + "\"}").statusCode())
        .isEqualTo(200);
  }
}
