package io.ctops.server.alerts;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Silences through the API and the pages of the real web app: created from an alert's "Silence",
 * shown on the alert, ended early, refused with the reason, and who may write them.
 */
@ExtendWith(FreshDatabase.class)
class SilencesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WebFixture web;
  private WebClient admin;
  private UUID org;
  private UUID host;
  private UUID rule;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    org = web.defaultOrg();
    host = aHost("web-1").status("online").vitals(97f, 10f, 10f).insert(web.jdbi(), org);
    admin = web.signedInAdmin();
    HttpResponse<String> created =
        call(
            admin,
            "POST",
            "/api/v1/alert-rules",
            "{\"name\": \"cpu\", \"kind\": \"metric_threshold\", \"parameters\": {\"metric\":"
                + " \"cpu\", \"operator\": \">\", \"threshold\": 90}}");
    rule = UUID.fromString(json(created).get("id").asText());
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

  @Test
  void anAlertsSilenceLinkSilencesItsRuleOnItsHostAndTheAlertShowsSilenced() {
    new AlertEvaluator(web.jdbi(), Clock.systemUTC()).evaluate();
    assertThat(admin.get("/alerts").body()).contains("/alerts/silences/new?rule=" + rule);

    String form = admin.get("/alerts/silences/new?rule=" + rule + "&host=" + host).body();
    assertThat(form).contains("value=\"web-1\"").contains("value=\"60\"");
    HttpResponse<String> refused =
        admin.post(
            "/alerts/silences",
            Map.of(
                "rule_id", rule.toString(),
                "selector_kind", "host",
                "selector_host", "web-1",
                "duration_minutes", "60",
                "reason", ""));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("needs a reason");

    HttpResponse<String> saved =
        admin.post(
            "/alerts/silences",
            Map.of(
                "rule_id", rule.toString(),
                "selector_kind", "host",
                "selector_host", "web-1",
                "duration_minutes", "60",
                "reason", "fan replacement"));
    assertThat(saved.statusCode()).as(saved.body()).isEqualTo(303);
    new AlertEvaluator(web.jdbi(), Clock.systemUTC()).evaluate();

    assertThat(admin.get("/alerts").body()).contains("class=\"badge silenced\"");
    assertThat(admin.get("/alerts/silences").body()).contains("fan replacement").contains("Active");
    JsonNode alerts = json(admin.get("/api/v1/alerts"));
    assertThat(alerts.get("items").get(0).get("silenced_until").isNull()).isFalse();

    UUID silence =
        web.jdbi()
            .withHandle(
                h -> h.createQuery("SELECT id FROM alert_silences").mapTo(UUID.class).one());
    assertThat(admin.post("/alerts/silences/" + silence + "/end", Map.of()).statusCode())
        .isEqualTo(303);
    new AlertEvaluator(web.jdbi(), Clock.systemUTC()).evaluate();
    assertThat(admin.get("/alerts").body()).doesNotContain("class=\"badge silenced\"");
    assertThat(admin.get("/alerts/silences").body()).contains("Ended");
    assertThat(
            Sql.strings(
                web.jdbi(),
                "SELECT action FROM audit_entries WHERE action LIKE 'alert_silence.%' ORDER BY at"))
        .containsExactly("alert_silence.create", "alert_silence.end");
  }

  @Test
  void theApiSilencesAGroupForADurationAndRefusesBadSilences() {
    Map<String, String> bad =
        Map.of(
            "{\"reason\": \"x\", \"duration_minutes\": 10}",
            "names a rule, some hosts",
            "{\"rule_id\": \"" + rule + "\", \"duration_minutes\": 10}",
            "needs a reason",
            "{\"rule_id\": \"" + rule + "\", \"reason\": \"x\", \"duration_minutes\": 0}",
            "1 to 129600 minutes",
            "{\"rule_id\": \""
                + rule
                + "\", \"reason\": \"x\", \"ends_at\": \"2001-01-01T00:00:00Z\"}",
            "ends after it starts",
            "{\"rule_id\": \""
                + UUID.randomUUID()
                + "\", \"reason\": \"x\", \"duration_minutes\": 5}",
            "no such alert rule",
            "{\"selector\": {\"kind\": \"group\", \"group_id\": \""
                + UUID.randomUUID()
                + "\"}, \"reason\": \"x\", \"duration_minutes\": 5}",
            "no such group",
            "{\"rule_id\": \"" + rule + "\", \"reason\": \"x\"}",
            "say how long",
            "{\"rule_id\": \""
                + rule
                + "\", \"reason\": \"x\", \"duration_minutes\": 5,"
                + " \"mute\": true}",
            "unknown property");
    for (Map.Entry<String, String> entry : bad.entrySet()) {
      HttpResponse<String> response = call(admin, "POST", "/api/v1/silences", entry.getKey());
      assertThat(response.statusCode()).as(entry.getKey()).isEqualTo(400);
      assertThat(response.body()).as(entry.getKey()).contains(entry.getValue());
    }
    assertThat(web.count("SELECT count(*) FROM alert_silences")).isZero();

    HttpResponse<String> created =
        call(
            admin,
            "POST",
            "/api/v1/silences",
            "{\"selector\": {\"kind\": \"tags\", \"tags\": [\"env:prod\"]}, \"reason\": \"deploy\","
                + " \"duration_minutes\": 90}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode silence = json(created);
    assertThat(silence.get("active").asBoolean()).isTrue();
    assertThat(silence.get("rule_id").isNull()).isTrue();
    String id = silence.get("id").asText();
    assertThat(
            json(call(admin, "PATCH", "/api/v1/silences/" + id, "{\"reason\": \"deploy v2\"}"))
                .get("reason")
                .asText())
        .isEqualTo("deploy v2");
    assertThat(call(admin, "DELETE", "/api/v1/silences/" + id, "").statusCode()).isEqualTo(204);
    assertThat(json(admin.get("/api/v1/silences/" + id)).get("active").asBoolean()).isFalse();

    web.user(org, "viewer@example.com", Role.READ_ONLY);
    WebClient viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);
    assertThat(json(viewer.get("/api/v1/silences")).get("items")).hasSize(1);
    assertThat(
            call(
                    viewer,
                    "POST",
                    "/api/v1/silences",
                    "{\"rule_id\": \"" + rule + "\", \"reason\": \"x\", \"duration_minutes\": 5}")
                .statusCode())
        .isEqualTo(403);
  }
}
