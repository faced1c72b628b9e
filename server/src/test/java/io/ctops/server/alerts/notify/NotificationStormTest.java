package io.ctops.server.alerts.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.platform.config.NotificationSettings;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebhookReceiver;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLSocketFactory;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No storms: a rule's notices become one message per channel, however many hosts they name, and
 * dispatchers on several instances never send a notice twice.
 */
@ExtendWith(FreshDatabase.class)
class NotificationStormTest {
  private static final String SECRET = "a-secret-of-enough-length";
  private static final ObjectMapper JSON = new ObjectMapper();

  private WebhookReceiver receiver;
  private WebhookReceiver chat;
  private OutboxWorker worker;

  @BeforeEach
  void start() {
    receiver = WebhookReceiver.start();
    chat = WebhookReceiver.start();
  }

  @AfterEach
  void stop() {
    if (worker != null) {
      worker.close();
    }
    receiver.close();
    chat.close();
  }

  private OutboxWorker worker(Jdbi jdbi) {
    SmtpSettingsStore smtp = new SmtpSettingsStore(jdbi, NotificationSettings.defaults());
    Delivery delivery =
        new Delivery(smtp, new SmtpMail((SSLSocketFactory) SSLSocketFactory.getDefault()));
    return new OutboxWorker(jdbi, delivery, Clock.systemUTC(), Duration.ofMinutes(1), 4);
  }

  @Test
  void aQuietRulesFirstAlertGoesOutAtOnceAndLaterOnesAtMostOncePerWindow(Jdbi jdbi) {
    AlertSeed seed = new AlertSeed(jdbi);
    UUID rule = seed.rule("CPU hot");
    seed.route(rule, seed.webhook("ops webhook", receiver.url("/hook").toString(), SECRET));
    NoticeDispatcher dispatcher =
        new NoticeDispatcher(jdbi, Clock.systemUTC(), Duration.ofMinutes(1), () -> {});

    // just written: the burst may still be under way
    seed.notices(rule, seed.firingHosts(rule, "a", 3), "firing", 0);
    assertThat(dispatcher.dispatch()).isZero();
    // past the first wait, and the rule has told nobody for a window: it goes out now
    jdbi.useHandle(h -> h.execute("UPDATE alert_notices SET at = at - interval '3 seconds'"));
    assertThat(dispatcher.dispatch()).isEqualTo(1);

    // the next alerts of the same rule wait for the window since that message
    seed.notices(rule, seed.firingHosts(rule, "b", 2), "firing", 3);
    assertThat(dispatcher.dispatch()).isZero();
    jdbi.useHandle(h -> h.execute("UPDATE alert_notices SET at = at - interval '1 minute'"));
    assertThat(dispatcher.dispatch()).isEqualTo(1);
    assertThat(seed.count("SELECT count(*) FROM notification_outbox")).isEqualTo(2);
  }

  @Test
  void tenThousandHostsGoingOfflineMakeOneMessagePerChannel(Jdbi jdbi) throws Exception {
    AlertSeed seed = new AlertSeed(jdbi);
    UUID rule = seed.rule("Host offline");
    UUID webhook = seed.webhook("ops webhook", receiver.url("/hook").toString(), SECRET);
    UUID slack = seed.slack("ops chat", chat.url("/slack").toString());
    seed.route(rule, webhook);
    seed.route(rule, slack);
    List<UUID> instances = seed.firingHosts(rule, "web", 10_000);
    seed.notices(rule, instances, "firing", 0);

    worker = worker(jdbi).start();
    NoticeDispatcher dispatcher =
        new NoticeDispatcher(jdbi, Clock.systemUTC(), Duration.ofSeconds(1), worker::submitDue);
    // the window is not over yet: nothing goes
    assertThat(dispatcher.dispatch()).isZero();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                dispatcher.dispatch() > 0 || seed.count("SELECT count(*) FROM alert_notices") == 0);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> receiver.requests().size() == 1 && chat.requests().size() == 1);
    // a while later still exactly one each
    Thread.sleep(1_500);
    assertThat(dispatcher.dispatch()).isZero();
    assertThat(receiver.requests()).hasSize(1);
    assertThat(chat.requests()).hasSize(1);
    assertThat(seed.count("SELECT count(*) FROM alert_notices")).isZero();
    assertThat(seed.count("SELECT count(*) FROM notification_outbox WHERE state = 'sent'"))
        .isEqualTo(2);

    WebhookReceiver.Request hook = receiver.requests().getFirst();
    assertThat(hook.signature()).isEqualTo("sha256=" + hmac(SECRET, hook.body()));
    assertThat(hook.contentType()).isEqualTo("application/json");
    JsonNode body = JSON.readTree(hook.body());
    assertThat(body.get("version").asInt()).isEqualTo(1);
    assertThat(body.get("event").asText()).isEqualTo("firing");
    assertThat(body.at("/rule/id").asText()).isEqualTo(rule.toString());
    assertThat(body.at("/rule/name").asText()).isEqualTo("Host offline");
    assertThat(body.at("/rule/severity").asText()).isEqualTo("critical");
    assertThat(body.at("/rule/runbook_url").asText())
        .isEqualTo("https://runbooks.example.com/offline");
    assertThat(body.get("host_count").asInt()).isEqualTo(10_000);
    assertThat(body.get("more_hosts").asInt()).isEqualTo(9_980);
    assertThat(body.get("hosts")).hasSize(20);
    assertThat(body.at("/hosts/0/hostname").asText()).isEqualTo("web-00001");
    assertThat(body.at("/hosts/19/hostname").asText()).isEqualTo("web-00020");
    assertThat(body.at("/hosts/0/value").asDouble()).isEqualTo(42.5);
    assertThat(body.has("first_at") && body.has("last_at") && body.has("sent_at")).isTrue();

    String text = JSON.readTree(chat.requests().getFirst().body()).get("text").asText();
    assertThat(text).contains("FIRING", "Host offline", "web-00001 (42.50)", "and 9,980 more");
    // each instance's history says it was notified
    assertThat(seed.count("SELECT count(*) FROM alert_events WHERE event = 'notified'"))
        .isEqualTo(10_000);
  }

  @Test
  void dispatchersOnSeveralInstancesNeverSendANoticeTwice(Jdbi jdbi) throws Exception {
    AlertSeed seed = new AlertSeed(jdbi);
    UUID webhook = seed.webhook("ops webhook", receiver.url("/hook").toString(), SECRET);
    for (int r = 0; r < 10; r++) {
      UUID rule = seed.rule("rule " + r);
      seed.route(rule, webhook);
      seed.notices(rule, seed.firingHosts(rule, "r" + r, 50), "firing", 5);
    }
    ExecutorService instances = Executors.newFixedThreadPool(4);
    try {
      List<Callable<Integer>> passes = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        NoticeDispatcher dispatcher =
            new NoticeDispatcher(jdbi, Clock.systemUTC(), Duration.ofSeconds(1), () -> {});
        passes.add(dispatcher::dispatch);
      }
      int queued = 0;
      for (Future<Integer> pass : instances.invokeAll(passes)) {
        queued += pass.get();
      }
      assertThat(queued).isEqualTo(10);
    } finally {
      instances.shutdownNow();
    }
    assertThat(seed.count("SELECT count(*) FROM notification_outbox")).isEqualTo(10);
    assertThat(seed.count("SELECT count(DISTINCT rule_id) FROM notification_outbox")).isEqualTo(10);
    assertThat(seed.count("SELECT sum(host_count)::int FROM notification_outbox")).isEqualTo(500);
    assertThat(seed.count("SELECT count(*) FROM alert_notices")).isZero();
  }

  @Test
  void resolvedNoticesGoOutOnlyForRulesThatNotifyOnRecovery(Jdbi jdbi) {
    AlertSeed seed = new AlertSeed(jdbi);
    UUID webhook = seed.webhook("ops webhook", receiver.url("/hook").toString(), SECRET);
    UUID quiet = seed.rule("quiet on recovery");
    UUID told = seed.rule("told on recovery");
    jdbi.useHandle(
        h ->
            h.createUpdate("UPDATE alert_rules SET notify_resolved = false WHERE id = :id")
                .bind("id", quiet)
                .execute());
    for (UUID rule : List.of(quiet, told)) {
      seed.route(rule, webhook);
      seed.notices(rule, seed.firingHosts(rule, rule.toString().substring(0, 8), 3), "resolved", 5);
    }
    NoticeDispatcher dispatcher =
        new NoticeDispatcher(jdbi, Clock.systemUTC(), Duration.ofSeconds(1), () -> {});
    assertThat(dispatcher.dispatch()).isEqualTo(1);
    assertThat(seed.count("SELECT count(*) FROM alert_notices")).isZero();
    assertThat(
            seed.count(
                "SELECT count(*) FROM notification_outbox WHERE event = 'resolved' AND rule_id = '"
                    + told
                    + "'"))
        .isEqualTo(1);
  }

  static String hmac(String secret, byte[] body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return java.util.HexFormat.of().formatHex(mac.doFinal(body));
  }
}
