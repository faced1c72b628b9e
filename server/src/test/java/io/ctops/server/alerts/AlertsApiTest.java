package io.ctops.server.alerts;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.auth.Role;
import io.ctops.server.groups.GroupRule;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Alert rules and alerts through the JSON API of the real web app: shapes, the preview, bad input
 * answered 400 with nothing saved, who may write and acknowledge, and a user scoped to groups.
 */
@ExtendWith(FreshDatabase.class)
class AlertsApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WebFixture web;
  private WebClient admin;
  private UUID org;
  private UUID hot;
  private UUID cool;
  private UUID otherHot;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    admin = web.signedInAdmin();
    org = web.defaultOrg();
    hot = aHost("web-1").status("online").vitals(97f, 10f, 10f).insert(web.jdbi(), org);
    cool = aHost("web-2").status("online").vitals(5f, 10f, 10f).insert(web.jdbi(), org);
    otherHot = aHost("db-1").status("online").vitals(92f, 10f, 10f).insert(web.jdbi(), org);
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private HttpResponse<String> call(WebClient client, String method, String path, String body) {
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

  private static final String CPU_RULE =
      """
      {"name": "CPU hot", "kind": "metric_threshold", "severity": "critical",
       "description": "busy", "runbook_url": "https://wiki.example.com/cpu",
       "parameters": {"metric": "cpu", "operator": ">=", "threshold": 90},
       "for_seconds": 300}""";

  @Test
  void anAdminCreatesReadsChangesAndDeletesARuleAndEveryoneReadsIt() {
    HttpResponse<String> created = call(admin, "POST", "/api/v1/alert-rules", CPU_RULE);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode rule = json(created);
    String id = rule.get("id").asText();
    assertThat(rule.get("condition").asText()).isEqualTo("CPU ≥ 90 % for 5 minutes");
    assertThat(rule.get("selector").get("kind").asText()).isEqualTo("all");
    assertThat(rule.get("severity").asText()).isEqualTo("critical");
    assertThat(rule.get("enabled").asBoolean()).isTrue();
    assertThat(rule.get("repeat_every_hours").isNull()).isTrue();
    assertThat(rule.get("runbook_url").asText()).isEqualTo("https://wiki.example.com/cpu");

    web.user(org, "viewer@example.com", Role.READ_ONLY);
    WebClient viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);
    JsonNode list = json(viewer.get("/api/v1/alert-rules"));
    assertThat(list.get("items").findValuesAsText("name")).containsExactly("CPU hot");
    assertThat(
            call(viewer, "PATCH", "/api/v1/alert-rules/" + id, "{\"enabled\": false}").statusCode())
        .isEqualTo(403);

    HttpResponse<String> changed =
        call(
            admin,
            "PATCH",
            "/api/v1/alert-rules/" + id,
            "{\"parameters\": {\"metric\": \"memory\","
                + " \"operator\": \">\", \"threshold\": 75.5}, \"for_seconds\": 0}");
    assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
    assertThat(json(changed).get("condition").asText()).isEqualTo("memory > 75.50 %");
    assertThat(json(changed).get("description").asText()).as("kept").isEqualTo("busy");

    assertThat(call(admin, "DELETE", "/api/v1/alert-rules/" + id, "").statusCode()).isEqualTo(204);
    assertThat(admin.get("/api/v1/alert-rules/" + id).statusCode()).isEqualTo(404);
    assertThat(
            Sql.strings(
                web.jdbi(),
                "SELECT action FROM audit_entries WHERE action LIKE 'alert_rule.%' ORDER BY at"))
        .containsExactly("alert_rule.create", "alert_rule.update", "alert_rule.delete");
  }

  @Test
  void badRulesAreRefusedWithTheReasonAndSaveNothing() {
    Map<String, String> bad =
        Map.ofEntries(
            Map.entry(
                "{\"name\": \"x\", \"kind\": \"metric_threshold\", \"parameters\": {\"metric\":"
                    + " \"cpu\", \"operator\": \">\", \"threshold\": 150}}",
                "between 0 and 100"),
            Map.entry(
                "{\"name\": \"x\", \"kind\": \"host_offline\", \"for_seconds\": -5}",
                "for_seconds cannot be negative"),
            Map.entry("{\"name\": \"x\", \"kind\": \"weather\"}", "unknown kind"),
            Map.entry("{\"kind\": \"host_offline\"}", "a rule needs a name"),
            Map.entry(
                "{\"name\": \"x\", \"kind\": \"host_offline\", \"parameters\": {\"minutes\": -1}}",
                "between 0 and 10080"),
            Map.entry(
                "{\"name\": \"x\", \"kind\": \"metric_threshold\", \"parameters\": {\"metric\":"
                    + " \"cpu\", \"operator\": \"=\", \"threshold\": 5}}",
                "is one of >, >=, <, <="),
            Map.entry(
                "{\"name\": \"x\", \"kind\": \"host_offline\", \"runbook_url\": \"javascript:x\"}",
                "http or https"),
            Map.entry(
                "{\"name\": \"x\", \"kind\": \"host_offline\", \"severity\": \"dire\"}",
                "info, warning, critical"),
            Map.entry(
                "{\"name\": \"x\", \"kind\": \"host_offline\", \"selector\": {\"kind\": \"group\","
                    + " \"group_id\": \""
                    + UUID.randomUUID()
                    + "\"}}",
                "no such group"),
            Map.entry(
                "{\"name\": \"x\", \"kind\": \"host_offline\", \"channel_ids\": [\""
                    + UUID.randomUUID()
                    + "\"]}",
                "no such notification channel"),
            Map.entry(
                "{\"name\": \"x\", \"kind\": \"host_offline\", \"repeat_every_hours\": 0}",
                "between 1 and 168"),
            Map.entry(
                "{\"name\": \"x\", \"kind\": \"host_offline\", \"colour\": 1}", "unknown property"),
            Map.entry("[1, 2]", "send a JSON object"));
    for (Map.Entry<String, String> entry : bad.entrySet()) {
      HttpResponse<String> response = call(admin, "POST", "/api/v1/alert-rules", entry.getKey());
      assertThat(response.statusCode()).as(entry.getKey()).isEqualTo(400);
      assertThat(response.body()).as(entry.getKey()).contains(entry.getValue());
    }
    assertThat(call(admin, "POST", "/api/v1/alert-rules", CPU_RULE).statusCode()).isEqualTo(201);
    HttpResponse<String> twice = call(admin, "POST", "/api/v1/alert-rules", CPU_RULE);
    assertThat(twice.statusCode()).isEqualTo(400);
    assertThat(twice.body()).contains("another rule has this name");
    assertThat(web.count("SELECT count(*) FROM alert_rules")).isEqualTo(1);
  }

  @Test
  void thePreviewNamesTheHostsThatWouldFireNowAndSavesNothing() {
    HttpResponse<String> response = call(admin, "POST", "/api/v1/alert-rules/preview", CPU_RULE);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode preview = json(response);
    assertThat(preview.get("count").asLong()).isEqualTo(2);
    assertThat(preview.get("hosts").findValuesAsText("hostname")).containsExactly("db-1", "web-1");
    assertThat(preview.get("hosts").get(1).get("value").asDouble()).isEqualTo(97.0);
    assertThat(web.count("SELECT count(*) FROM alert_rules")).isZero();
    assertThat(web.count("SELECT count(*) FROM alert_instances")).isZero();
  }

  @Test
  void alertsAreListedFilteredAndAcknowledgedWithAComment() {
    call(admin, "POST", "/api/v1/alert-rules", CPU_RULE.replace("300", "0"));
    new AlertEvaluator(web.jdbi(), Clock.systemUTC()).evaluate();

    JsonNode open = json(admin.get("/api/v1/alerts"));
    assertThat(open.get("total").asLong()).isEqualTo(2);
    assertThat(open.get("items").findValuesAsText("hostname"))
        .containsExactlyInAnyOrder("db-1", "web-1");
    assertThat(json(admin.get("/api/v1/alerts?host=" + hot)).get("total").asLong()).isEqualTo(1);
    assertThat(json(admin.get("/api/v1/alerts?q=db-")).get("total").asLong()).isEqualTo(1);
    assertThat(json(admin.get("/api/v1/alerts?severity=info")).get("total").asLong()).isZero();
    assertThat(json(admin.get("/api/v1/alerts?state=resolved")).get("total").asLong()).isZero();
    assertThat(admin.get("/api/v1/alerts?state=sideways").statusCode()).isEqualTo(400);
    assertThat(admin.get("/api/v1/alerts?size=500").statusCode()).isEqualTo(400);

    String alert =
        json(admin.get("/api/v1/alerts?host=" + hot)).get("items").get(0).get("id").asText();
    web.user(org, "engineer@example.com", Role.ENGINEER);
    WebClient engineer = web.client();
    engineer.signIn("engineer@example.com", WebFixture.PASSWORD);
    web.user(org, "viewer@example.com", Role.READ_ONLY);
    WebClient viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);

    assertThat(call(viewer, "POST", "/api/v1/alerts/" + alert + "/acknowledge", "{}").statusCode())
        .isEqualTo(403);
    HttpResponse<String> tooLong =
        call(
            engineer,
            "POST",
            "/api/v1/alerts/" + alert + "/acknowledge",
            "{\"comment\": \"" + "x".repeat(2001) + "\"}");
    assertThat(tooLong.statusCode()).isEqualTo(400);
    HttpResponse<String> acked =
        call(
            engineer,
            "POST",
            "/api/v1/alerts/" + alert + "/acknowledge",
            "{\"comment\": \"fan replaced\"}");
    assertThat(acked.statusCode()).as(acked.body()).isEqualTo(200);
    JsonNode acknowledged = json(acked).get("acknowledged");
    assertThat(acknowledged.get("by").asText()).isEqualTo("engineer@example.com");
    assertThat(acknowledged.get("comment").asText()).isEqualTo("fan replaced");
    assertThat(json(acked).get("state").asText()).as("still firing").isEqualTo("firing");
    assertThat(
            Sql.strings(
                web.jdbi(), "SELECT action FROM audit_entries WHERE action = 'alert.acknowledge'"))
        .hasSize(1);

    web.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "UPDATE alert_instances SET state = 'resolved', resolved_at = now()"
                        + " WHERE id = CAST(? AS uuid)",
                    alert));
    assertThat(call(engineer, "POST", "/api/v1/alerts/" + alert + "/acknowledge", "").statusCode())
        .isEqualTo(409);
    assertThat(cool).isNotNull();
  }

  @Test
  void aScopedEngineerSeesAndAcknowledgesOnlyTheAlertsOfTheirGroupsHosts() {
    call(admin, "POST", "/api/v1/alert-rules", CPU_RULE.replace("300", "0"));
    new AlertEvaluator(web.jdbi(), Clock.systemUTC()).evaluate();
    UUID group =
        web.jdbi()
            .inTransaction(
                h -> {
                  UUID id =
                      HostGroups.create(
                          h,
                          org,
                          io.ctops.server.audit.Actor.system("test"),
                          new HostGroups.GroupSpec("web", "", false, GroupRule.NONE));
                  HostGroups.addMembers(
                      h, org, io.ctops.server.audit.Actor.system("test"), id, List.of(hot));
                  return id;
                });
    UUID user = web.user(org, "scoped@example.com", Role.ENGINEER);
    web.jdbi()
        .useHandle(
            h -> {
              h.execute("UPDATE users SET host_scope = 'groups' WHERE id = ?", user);
              h.execute(
                  "INSERT INTO user_group_roles (user_id, group_id, role) VALUES (?, ?, 'engineer')",
                  user,
                  group);
            });
    WebClient scoped = web.client();
    scoped.signIn("scoped@example.com", WebFixture.PASSWORD);

    JsonNode alerts = json(scoped.get("/api/v1/alerts"));
    assertThat(alerts.get("items").findValuesAsText("hostname")).containsExactly("web-1");
    String mine = alerts.get("items").get(0).get("id").asText();
    String theirs =
        json(admin.get("/api/v1/alerts?host=" + otherHot)).get("items").get(0).get("id").asText();
    assertThat(scoped.get("/api/v1/alerts/" + theirs).statusCode()).isEqualTo(404);
    assertThat(call(scoped, "POST", "/api/v1/alerts/" + theirs + "/acknowledge", "").statusCode())
        .isEqualTo(404);
    assertThat(call(scoped, "POST", "/api/v1/alerts/" + mine + "/acknowledge", "").statusCode())
        .isEqualTo(200);
  }
}
