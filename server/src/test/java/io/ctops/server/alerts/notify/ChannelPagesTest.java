package io.ctops.server.alerts.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.SeededWeb;
import io.ctops.server.testing.WebhookReceiver;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The channels pages over the real web app: the list for everyone, the forms for admins (a refusal
 * comes back with the reason and saves nothing), "Send test" answering in place, the SMTP form
 * never showing its password, and 403 for others on every change.
 */
@ExtendWith(FreshDatabase.class)
class ChannelPagesTest {
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

  private String channelId() {
    return seeded
        .web
        .jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT id::text FROM notification_channels")
                    .mapTo(String.class)
                    .one());
  }

  @Test
  void anAdminCreatesAWebhookOnThePageAndSendsATest() {
    HttpResponse<String> page = seeded.admin.get("/alerts/channels");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("No channels yet.", "id=\"channel-form\"");

    HttpResponse<String> refused =
        seeded.admin.post(
            "/alerts/channels",
            Map.of(
                "name",
                "ops",
                "kind",
                "webhook",
                "url",
                receiver.url("/hook").toString(),
                "secret",
                "short"));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("id=\"form-error\"", "secret of 16");
    // what was typed comes back, the secret never
    assertThat(refused.body()).contains(receiver.url("/hook").toString()).doesNotContain("short\"");
    assertThat(seeded.web.count("SELECT count(*) FROM notification_channels")).isZero();

    HttpResponse<String> created =
        seeded.admin.post(
            "/alerts/channels",
            Map.of(
                "name",
                "ops",
                "kind",
                "webhook",
                "url",
                receiver.url("/hook").toString(),
                "secret",
                SECRET));
    assertThat(created.statusCode()).isEqualTo(303);
    String id = channelId();
    assertThat(created.headers().firstValue("Location")).hasValue("/alerts/channels/" + id);

    HttpResponse<String> channel = seeded.admin.get("/alerts/channels/" + id);
    assertThat(channel.statusCode()).isEqualTo(200);
    assertThat(channel.body())
        .contains("id=\"send-test\"", "Nothing sent yet.")
        .doesNotContain(SECRET);

    HttpResponse<String> test =
        seeded.admin.postRaw(
            "/alerts/channels/" + id + "/test",
            Map.of("_csrf", seeded.admin.csrf()),
            "HX-Request",
            "true");
    assertThat(test.statusCode()).isEqualTo(200);
    assertThat(test.body()).contains("id=\"test-result\"", "Delivered", "HTTP 200");
    assertThat(receiver.requests()).hasSize(1);
    assertThat(seeded.admin.get("/alerts/channels/" + id).body())
        .contains("class=\"delivery sent\"");

    // an edit without a secret keeps it; unticking "enabled" disables the channel
    HttpResponse<String> edited =
        seeded.admin.post(
            "/alerts/channels/" + id,
            Map.of("name", "ops renamed", "url", receiver.url("/other").toString(), "secret", ""));
    assertThat(edited.statusCode()).isEqualTo(303);
    assertThat(
            seeded.web.count(
                "SELECT count(*) FROM notification_channels WHERE name = 'ops renamed'"
                    + " AND NOT enabled AND config->>'secret' = '"
                    + SECRET
                    + "'"))
        .isEqualTo(1);

    assertThat(seeded.admin.post("/alerts/channels/" + id + "/delete", Map.of()).statusCode())
        .isEqualTo(303);
    assertThat(seeded.web.count("SELECT count(*) FROM notification_channels")).isZero();
  }

  @Test
  void theSmtpFormSavesAndNeverShowsThePassword() {
    HttpResponse<String> form = seeded.admin.get("/alerts/channels/smtp");
    assertThat(form.statusCode()).isEqualTo(200);
    HttpResponse<String> refused =
        seeded.admin.post(
            "/alerts/channels/smtp",
            Map.of(
                "host",
                "mail.example.com",
                "port",
                "0",
                "security",
                "tls",
                "from_address",
                "a@example.com"));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("port must be");
    assertThat(seeded.web.count("SELECT count(*) FROM smtp_settings")).isZero();

    HttpResponse<String> saved =
        seeded.admin.post(
            "/alerts/channels/smtp",
            Map.of(
                "host",
                "mail.example.com",
                "port",
                "465",
                "security",
                "tls",
                "username",
                "alerts",
                "password",
                "smtp-password-1",
                "from_address",
                "ct-ops@example.com"));
    assertThat(saved.statusCode()).isEqualTo(200);
    assertThat(saved.body())
        .contains("id=\"smtp-saved\"", "mail.example.com")
        .doesNotContain("smtp-password-1");
    assertThat(seeded.admin.get("/alerts/channels/smtp").body())
        .contains("(set; leave empty to keep it)")
        .doesNotContain("smtp-password-1");
    // now an email channel can be made on the page
    HttpResponse<String> email =
        seeded.admin.post(
            "/alerts/channels",
            Map.of("name", "mail", "kind", "email", "recipients", "a@example.com, b@example.com"));
    assertThat(email.statusCode()).isEqualTo(303);
  }

  @Test
  void othersSeeTheListButNoFormNorFullUrlAndMayChangeNothing() {
    seeded.admin.post(
        "/alerts/channels",
        Map.of(
            "name",
            "ops",
            "kind",
            "webhook",
            "url",
            receiver.url("/hook?token=t0ps3cret").toString(),
            "secret",
            SECRET));
    String id = channelId();
    for (var user : java.util.List.of(seeded.engineer, seeded.viewer)) {
      HttpResponse<String> list = user.get("/alerts/channels");
      assertThat(list.statusCode()).isEqualTo(200);
      assertThat(list.body())
          .contains(">ops<")
          .doesNotContain("t0ps3cret")
          .doesNotContain("channel-form");
      assertThat(user.get("/alerts/channels/" + id).statusCode()).isEqualTo(403);
      assertThat(user.get("/alerts/channels/smtp").statusCode()).isEqualTo(403);
      assertThat(user.post("/alerts/channels/" + id + "/test", Map.of()).statusCode())
          .isEqualTo(403);
      assertThat(user.post("/alerts/channels/" + id + "/delete", Map.of()).statusCode())
          .isEqualTo(403);
      assertThat(
              user.post(
                      "/alerts/channels",
                      Map.of("name", "x", "kind", "slack", "url", "https://example.com/"))
                  .statusCode())
          .isEqualTo(403);
    }
    assertThat(receiver.requests()).isEmpty();
    assertThat(seeded.web.count("SELECT count(*) FROM notification_channels")).isEqualTo(1);
  }
}
