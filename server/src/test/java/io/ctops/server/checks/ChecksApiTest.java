package io.ctops.server.checks;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.Role;
import io.ctops.server.orgs.Organisations;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Checks through the JSON API of the real web app: definitions written and read back, bad input
 * answered 400 with nothing saved, who may write, a host's checks and the fleet's counts.
 */
@ExtendWith(FreshDatabase.class)
class ChecksApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WebFixture web;
  private WebClient admin;
  private UUID org;
  private UUID web1;
  private UUID web2;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    admin = web.signedInAdmin();
    org = web.defaultOrg();
    web1 = aHost("web-1").status("online").insert(web.jdbi(), org);
    web2 = aHost("web-2").status("online").insert(web.jdbi(), org);
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private static HttpResponse<String> call(
      WebClient client, String method, String path, String body) {
    return client.send(
        client
            .request(path)
            .header("Content-Type", "application/json")
            .header("X-CSRF-Token", client.csrf())
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (Exception e) {
      throw new IllegalStateException(response.body(), e);
    }
  }

  private static final String SSH =
      "{\"name\": \"ssh answers\", \"type\": \"port\", \"config\": {\"port\": 22,"
          + " \"timeout_seconds\": 5}, \"interval_seconds\": 30, \"selector\": {\"kind\": \"all\"}}";

  @Test
  void aCheckIsCreatedReadChangedAndDeletedAndEachChangeIsAudited() {
    HttpResponse<String> created = call(admin, "POST", "/api/v1/checks", SSH);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode check = json(created);
    String id = check.get("id").asText();
    assertThat(check.get("type").asText()).isEqualTo("port");
    assertThat(check.get("config").toString()).isEqualTo("{\"port\":22,\"timeout_seconds\":5}");
    assertThat(check.get("interval_seconds").asInt()).isEqualTo(30);

    JsonNode read = json(admin.get("/api/v1/checks/" + id));
    assertThat(read.get("name").asText()).isEqualTo("ssh answers");
    assertThat(read.get("hosts").get("total").asLong()).isEqualTo(2);
    assertThat(read.get("hosts").get("waiting").asLong()).isEqualTo(2);

    HttpResponse<String> changed =
        call(
            admin,
            "PATCH",
            "/api/v1/checks/" + id,
            "{\"interval_seconds\": 300, \"enabled\": false}");
    assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
    assertThat(json(changed).get("interval_seconds").asInt()).isEqualTo(300);
    assertThat(json(changed).get("enabled").asBoolean()).isFalse();
    assertThat(json(changed).get("config").get("port").asInt()).as("kept").isEqualTo(22);

    assertThat(call(admin, "DELETE", "/api/v1/checks/" + id, "").statusCode()).isEqualTo(204);
    assertThat(admin.get("/api/v1/checks/" + id).statusCode()).isEqualTo(404);
    assertThat(
            Sql.strings(
                web.jdbi(),
                "SELECT action || ' ' || target_label FROM audit_entries"
                    + " WHERE action LIKE 'check.%' ORDER BY at, id"))
        .containsExactly(
            "check.create ssh answers", "check.update ssh answers", "check.delete ssh answers");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"name\": \"x\", \"type\": \"port\", \"config\": {\"port\": 70000}}"
            + "|port is between 1 and 65535",
        "{\"name\": \"x\", \"type\": \"http\", \"config\": {\"url\": \"nope\"}}"
            + "|url is an http:// or https:// address with a host",
        "{\"name\": \"x\", \"type\": \"http\", \"config\": {\"url\": \"http://a/\","
            + " \"body_regex\": \"([a-z\"}}|body_regex is not a valid regular expression",
        "{\"name\": \"x\", \"type\": \"port\", \"config\": {\"port\": 22},"
            + " \"interval_seconds\": 5}|the interval is between 10 seconds and 24 hours",
        "{\"name\": \"x\", \"type\": \"shell\", \"config\": {\"command\": \"reboot\"}}"
            + "|unknown check type \"shell\"",
        "{\"name\": \"x\", \"type\": \"port\", \"config\": {\"port\": 22, \"prot\": 1}}"
            + "|a port check does not take prot",
        "{\"name\": \"x\", \"type\": \"port\", \"config\": {\"port\": 22},"
            + " \"selector\": {\"kind\": \"group\", \"group_id\": \"6f047905-20b4-409d-a642-17f251de7c8d\"}}"
            + "|no such group",
        "{\"name\": \"\", \"type\": \"port\", \"config\": {\"port\": 22}}|a check needs a name",
        "{\"name\": \"x\", \"type\": \"port\", \"config\": [22]}|\"config\" is an object",
        "{\"name\": \"x\", \"type\": \"port\", \"config\": {\"port\": 22}, \"owner\": \"me\"}"
            + "|unknown property \"owner\"",
        "not json|the body is not valid JSON"
      })
  void aMistakeIsA400NamingItAndSavesNothing(String body, String message) {
    HttpResponse<String> refused = call(admin, "POST", "/api/v1/checks", body);

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(refused.body()).contains(message.replace("\"", "\\\""));
    assertThat(Sql.number(web.jdbi(), "SELECT count(*) FROM checks")).isZero();
    assertThat(
            Sql.number(
                web.jdbi(), "SELECT count(*) FROM audit_entries WHERE action LIKE 'check.%'"))
        .isZero();
  }

  @Test
  void aNameIsUniqueInTheOrganisation() {
    call(admin, "POST", "/api/v1/checks", SSH);
    HttpResponse<String> again = call(admin, "POST", "/api/v1/checks", SSH);

    assertThat(again.statusCode()).isEqualTo(400);
    assertThat(again.body()).contains("another check has this name already");
  }

  @Test
  void engineersDefineChecksOnlyWhenTheOrganisationAllowsItAndReadOnlyUsersNever() {
    web.user(org, "engineer@example.com", Role.ENGINEER);
    WebClient engineer = web.client();
    engineer.signIn("engineer@example.com", WebFixture.PASSWORD);
    web.user(org, "viewer@example.com", Role.READ_ONLY);
    WebClient viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);

    HttpResponse<String> refused = call(engineer, "POST", "/api/v1/checks", SSH);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("an admin can allow engineers");

    new Organisations(web.jdbi()).setEngineersManageChecks(org, true, Actor.system("test"));
    assertThat(call(engineer, "POST", "/api/v1/checks", SSH).statusCode()).isEqualTo(201);
    assertThat(
            call(viewer, "POST", "/api/v1/checks", SSH.replace("ssh answers", "mine")).statusCode())
        .isEqualTo(403);
    assertThat(viewer.get("/api/v1/checks").statusCode()).as("everyone reads").isEqualTo(200);
  }

  @Test
  void aHostsChecksAndTheFleetsCountsSayWhatTheResultsSay() {
    String id = json(call(admin, "POST", "/api/v1/checks", SSH)).get("id").asText();
    String only =
        json(call(
                admin,
                "POST",
                "/api/v1/checks",
                "{\"name\": \"web-2 only\", \"type\": \"service\", \"config\": {\"unit\":"
                    + " \"nginx.service\"}, \"selector\": {\"kind\": \"host\", \"host_id\": \""
                    + web2
                    + "\"}}"))
            .get("id")
            .asText();
    web.jdbi()
        .useHandle(
            h -> {
              h.execute(
                  "INSERT INTO check_states (check_id, host_id, status, output, duration_ms,"
                      + " ran_at, since, consecutive_failures)"
                      + " VALUES (CAST(? AS uuid), ?, 'fail', 'connection refused', 3, now(),"
                      + " now() - interval '5 minutes', 4),"
                      + " (CAST(? AS uuid), ?, 'pass', 'connected', 2,"
                      + " now() - interval '10 minutes', now() - interval '1 hour', 0)",
                  id,
                  web1,
                  id,
                  web2);
            });

    JsonNode fleet = json(admin.get("/api/v1/checks/" + id));
    assertThat(fleet.get("hosts").toString())
        .isEqualTo(
            "{\"total\":2,\"passing\":0,\"failing\":1,\"error\":0,\"stale\":1,\"waiting\":0}");
    assertThat(fleet.get("failing_hosts").get(0).get("hostname").asText()).isEqualTo("web-1");
    assertThat(fleet.get("failing_hosts").get(0).get("consecutive_failures").asInt()).isEqualTo(4);

    JsonNode onWeb1 = json(admin.get("/api/v1/hosts/" + web1 + "/checks")).get("items");
    assertThat(onWeb1).hasSize(1);
    assertThat(onWeb1.get(0).get("status").asText()).isEqualTo("fail");
    assertThat(onWeb1.get(0).get("latest").get("output").asText()).isEqualTo("connection refused");
    JsonNode onWeb2 = json(admin.get("/api/v1/hosts/" + web2 + "/checks")).get("items");
    assertThat(onWeb2)
        .extracting(c -> c.get("name").asText())
        .containsExactly("ssh answers", "web-2 only");
    assertThat(onWeb2.get(0).get("status").asText()).as("10 minutes > 3 × 30 s").isEqualTo("stale");
    assertThat(onWeb2.get(1).get("status").asText()).isEqualTo("waiting");
    assertThat(admin.get("/api/v1/hosts/" + UUID.randomUUID() + "/checks").statusCode())
        .isEqualTo(404);
    assertThat(only).isNotEmpty();
  }
}
