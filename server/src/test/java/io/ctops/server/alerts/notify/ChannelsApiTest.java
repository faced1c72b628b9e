package io.ctops.server.alerts.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.SeededWeb;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebhookReceiver;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The channels API over the real web app: admins create, test, change and delete channels and save
 * the SMTP settings, each audited; bad input is refused with the reason and saves nothing; other
 * roles get 403 on every change and never see a secret.
 */
@ExtendWith(FreshDatabase.class)
class ChannelsApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "a-secret-of-enough-length";

  private SeededWeb seeded;
  private WebhookReceiver receiver;

  @BeforeEach
  void start(Database database) {
    seeded = SeededWeb.on(database);
    receiver = WebhookReceiver.start();
  }

  @AfterEach
  void stop() {
    receiver.close();
    seeded.close();
  }

  private static HttpResponse<String> call(
      WebClient client, String method, String path, String body) {
    return client.send(
        client
            .request(path)
            .header("Content-Type", "application/json")
            .header("X-CSRF-Token", client.csrf())
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  private String webhookBody(String name) {
    return "{\"name\": \""
        + name
        + "\", \"kind\": \"webhook\", \"url\": \""
        + receiver.url("/hook")
        + "\", \"secret\": \""
        + SECRET
        + "\"}";
  }

  private int audited(String action) {
    return seeded.web.count("SELECT count(*) FROM audit_entries WHERE action = '" + action + "'");
  }

  @Test
  void anAdminCreatesAWebhookSendsATestAndReadsTheLog() throws Exception {
    HttpResponse<String> created =
        call(seeded.admin, "POST", "/api/v1/notification-channels", webhookBody("ops"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode channel = json(created);
    assertThat(channel.get("kind").asText()).isEqualTo("webhook");
    assertThat(channel.get("secret_set").asBoolean()).isTrue();
    assertThat(created.body()).doesNotContain(SECRET);
    String id = channel.get("id").asText();
    assertThat(audited("notification_channel.create")).isEqualTo(1);

    HttpResponse<String> test =
        call(seeded.admin, "POST", "/api/v1/notification-channels/" + id + "/test", null);
    assertThat(test.statusCode()).isEqualTo(200);
    assertThat(json(test).get("delivered").asBoolean()).isTrue();
    assertThat(json(test).get("http_status").asInt()).isEqualTo(200);
    assertThat(receiver.requests()).hasSize(1);
    WebhookReceiver.Request sent = receiver.requests().getFirst();
    assertThat(sent.signature())
        .isEqualTo("sha256=" + NotificationStormTest.hmac(SECRET, sent.body()));
    assertThat(JSON.readTree(sent.body()).get("event").asText()).isEqualTo("test");
    assertThat(audited("notification_channel.test")).isEqualTo(1);

    receiver.status = 500;
    HttpResponse<String> failed =
        call(seeded.admin, "POST", "/api/v1/notification-channels/" + id + "/test", null);
    assertThat(json(failed).get("delivered").asBoolean()).isFalse();
    assertThat(json(failed).get("http_status").asInt()).isEqualTo(500);

    JsonNode log =
        json(seeded.admin.get("/api/v1/notification-channels/" + id + "/deliveries?per_page=1"));
    assertThat(log.get("total").asInt()).isEqualTo(2);
    assertThat(log.get("items")).hasSize(1);
    // newest first
    assertThat(log.at("/items/0/outcome").asText()).isEqualTo("failed");
    assertThat(log.at("/items/0/http_status").asInt()).isEqualTo(500);
    assertThat(log.at("/items/0/event").asText()).isEqualTo("test");
    JsonNode older =
        json(
            seeded.admin.get(
                "/api/v1/notification-channels/" + id + "/deliveries?per_page=1&page=2"));
    assertThat(older.at("/items/0/outcome").asText()).isEqualTo("sent");
  }

  @Test
  void anEditKeepsTheSecretUnlessANewOneIsSentAndTheKindNeverChanges() throws Exception {
    String id =
        json(call(seeded.admin, "POST", "/api/v1/notification-channels", webhookBody("ops")))
            .get("id")
            .asText();
    HttpResponse<String> renamed =
        call(
            seeded.admin,
            "PATCH",
            "/api/v1/notification-channels/" + id,
            "{\"name\": \"ops-2\", \"enabled\": false}");
    assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
    assertThat(json(renamed).get("name").asText()).isEqualTo("ops-2");
    assertThat(json(renamed).get("enabled").asBoolean()).isFalse();
    assertThat(
            seeded.web.count(
                "SELECT count(*) FROM notification_channels WHERE config->>'secret' = '"
                    + SECRET
                    + "'"))
        .isEqualTo(1);
    HttpResponse<String> kind =
        call(seeded.admin, "PATCH", "/api/v1/notification-channels/" + id, "{\"kind\": \"slack\"}");
    assertThat(kind.statusCode()).isEqualTo(400);
    assertThat(json(kind).get("error").asText()).contains("kind cannot change");
    assertThat(audited("notification_channel.update")).isEqualTo(1);

    assertThat(
            call(seeded.admin, "DELETE", "/api/v1/notification-channels/" + id, null).statusCode())
        .isEqualTo(204);
    assertThat(seeded.web.count("SELECT count(*) FROM notification_channels")).isZero();
    assertThat(audited("notification_channel.delete")).isEqualTo(1);
  }

  @Test
  void badInputIsRefusedWithTheReasonAndSavesNothing() throws Exception {
    int port = seeded.web.web.port();
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("not JSON", "send a JSON object");
    cases.put(
        "{\"name\": \"x\", \"kind\": \"webhook\", \"url\": \"ftp://example.com/hook\", \"secret\": \""
            + SECRET
            + "\"}",
        "http:// or https://");
    cases.put(
        "{\"name\": \"x\", \"kind\": \"webhook\", \"url\": \"http://127.0.0.1:"
            + port
            + "/api/v1/hosts\", \"secret\": \""
            + SECRET
            + "\"}",
        "this web app itself");
    cases.put(
        "{\"name\": \"x\", \"kind\": \"slack\", \"url\": \"http://localhost:" + port + "/\"}",
        "this web app itself");
    cases.put(
        "{\"name\": \"x\", \"kind\": \"webhook\", \"url\": \"https://example.com/h\", \"secret\":"
            + " \"short\"}",
        "secret of 16");
    cases.put("{\"name\": \"x\", \"kind\": \"slack\", \"url\": \"not a url\"}", "URL");
    cases.put(
        "{\"name\": \"x\", \"kind\": \"email\", \"recipients\": []}", "at least one recipient");
    cases.put(
        "{\"name\": \"x\", \"kind\": \"email\", \"recipients\": [\"not-an-address\"]}",
        "not a valid email address");
    cases.put(
        "{\"name\": \"x\", \"kind\": \"email\", \"recipients\": [\"ops@example.com\"]}",
        "set the SMTP settings first");
    cases.put("{\"name\": \"x\", \"kind\": \"pager\"}", "kind must be email, webhook or slack");
    cases.put("{\"name\": \"\", \"kind\": \"slack\", \"url\": \"https://example.com/\"}", "name");
    cases.put("{\"name\": \"x\", \"kind\": \"slack\", \"colour\": \"red\"}", "unknown field");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      HttpResponse<String> answer =
          call(seeded.admin, "POST", "/api/v1/notification-channels", c.getKey());
      assertThat(answer.statusCode()).as(c.getKey()).isEqualTo(400);
      assertThat(json(answer).get("error").asText()).as(c.getKey()).contains(c.getValue());
    }
    assertThat(seeded.web.count("SELECT count(*) FROM notification_channels")).isZero();
    assertThat(audited("notification_channel.create")).isZero();

    // a duplicate name, too
    call(seeded.admin, "POST", "/api/v1/notification-channels", webhookBody("ops"));
    HttpResponse<String> twice =
        call(seeded.admin, "POST", "/api/v1/notification-channels", webhookBody("ops"));
    assertThat(twice.statusCode()).isEqualTo(400);
    assertThat(seeded.web.count("SELECT count(*) FROM notification_channels")).isEqualTo(1);
  }

  @Test
  void smtpSettingsAreSavedWithoutEverShowingThePasswordAndEnableEmailChannels() throws Exception {
    HttpResponse<String> bad =
        call(
            seeded.admin,
            "PUT",
            "/api/v1/settings/smtp",
            "{\"host\": \"mail.example.com\", \"port\": 70000, \"from_address\": \"a@example.com\"}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(json(bad).get("error").asText()).contains("port");
    for (String body :
        List.of(
            "{\"port\": 587, \"from_address\": \"a@example.com\"}",
            "{\"host\": \"mail.example.com\", \"security\": \"ssl3\", \"from_address\":"
                + " \"a@example.com\"}",
            "{\"host\": \"mail.example.com\", \"from_address\": \"nobody\"}")) {
      assertThat(call(seeded.admin, "PUT", "/api/v1/settings/smtp", body).statusCode())
          .as(body)
          .isEqualTo(400);
    }
    assertThat(seeded.web.count("SELECT count(*) FROM smtp_settings")).isZero();

    HttpResponse<String> saved =
        call(
            seeded.admin,
            "PUT",
            "/api/v1/settings/smtp",
            "{\"host\": \"mail.example.com\", \"port\": 465, \"security\": \"tls\", \"username\":"
                + " \"alerts\", \"password\": \"smtp-password-1\", \"from_address\":"
                + " \"ct-ops@example.com\"}");
    assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
    assertThat(saved.body()).doesNotContain("smtp-password-1");
    assertThat(json(saved).get("password_set").asBoolean()).isTrue();
    // a save without a password keeps it
    call(
        seeded.admin,
        "PUT",
        "/api/v1/settings/smtp",
        "{\"host\": \"mail2.example.com\", \"from_address\": \"ct-ops@example.com\"}");
    JsonNode read = json(seeded.admin.get("/api/v1/settings/smtp"));
    assertThat(read.get("host").asText()).isEqualTo("mail2.example.com");
    assertThat(read.get("password_set").asBoolean()).isTrue();
    assertThat(read.toString()).doesNotContain("smtp-password-1");
    assertThat(audited("smtp_settings.change")).isEqualTo(2);
    assertThat(
            seeded.web.count(
                "SELECT count(*) FROM audit_entries WHERE parameters::text LIKE"
                    + " '%smtp-password-1%'"))
        .isZero();

    HttpResponse<String> email =
        call(
            seeded.admin,
            "POST",
            "/api/v1/notification-channels",
            "{\"name\": \"mail\", \"kind\": \"email\", \"recipients\": [\"ops@example.com\"]}");
    assertThat(email.statusCode()).as(email.body()).isEqualTo(201);
  }

  @Test
  void engineersAndViewersMayNotChangeChannelsNorSeeSecrets() throws Exception {
    String id =
        json(call(seeded.admin, "POST", "/api/v1/notification-channels", webhookBody("ops")))
            .get("id")
            .asText();
    for (WebClient user : List.of(seeded.engineer, seeded.viewer)) {
      HttpResponse<String> list = user.get("/api/v1/notification-channels");
      assertThat(list.statusCode()).isEqualTo(200);
      assertThat(list.body()).doesNotContain(SECRET).doesNotContain("/hook");
      assertThat(json(list).at("/items/0/url").asText()).endsWith("/…");
      assertThat(
              call(user, "POST", "/api/v1/notification-channels", webhookBody("mine")).statusCode())
          .isEqualTo(403);
      assertThat(
              call(user, "PATCH", "/api/v1/notification-channels/" + id, "{\"name\": \"x\"}")
                  .statusCode())
          .isEqualTo(403);
      assertThat(call(user, "DELETE", "/api/v1/notification-channels/" + id, null).statusCode())
          .isEqualTo(403);
      assertThat(
              call(user, "POST", "/api/v1/notification-channels/" + id + "/test", null)
                  .statusCode())
          .isEqualTo(403);
      assertThat(user.get("/api/v1/notification-channels/" + id + "/deliveries").statusCode())
          .isEqualTo(403);
      assertThat(user.get("/api/v1/settings/smtp").statusCode()).isEqualTo(403);
      assertThat(call(user, "PUT", "/api/v1/settings/smtp", "{\"host\": \"h\"}").statusCode())
          .isEqualTo(403);
    }
    assertThat(receiver.requests()).isEmpty();
    assertThat(seeded.web.count("SELECT count(*) FROM notification_channels")).isEqualTo(1);
  }
}
