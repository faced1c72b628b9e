package io.ctops.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.config.NotificationSettings;
import io.ctops.server.platform.config.WebSettings;
import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.RunningAgent;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import io.ctops.server.testing.WebhookReceiver;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * Alerts in real headless Chromium against the real ingest and web roles and a real agent: a rule
 * made on the form fires for the agent's host, and the card, the column, the Alerts page and the
 * bell show it; it is acknowledged and silenced from the page.
 */
class AlertsBrowserTest {
  private static Browser browser;
  @RegisterExtension final FreshDatabase db = new FreshDatabase();
  private IngestFixture ingest;
  private WebFixture web;
  private RunningAgent agent;
  private WebhookReceiver receiver;

  @BeforeAll
  static void openBrowser() {
    assertThat(Browser.isInstalled())
        .as("Debian chromium and chromium-driver (the build's test set-up installs them)")
        .isTrue();
    browser = new Browser();
  }

  @AfterAll
  static void closeBrowser() {
    if (browser != null) {
      browser.close();
    }
  }

  @AfterEach
  void stop() {
    browser.driver.manage().deleteAllCookies();
    browser.driver.get("about:blank");
    if (agent != null) {
      agent.close();
    }
    if (receiver != null) {
      receiver.close();
    }
    if (web != null) {
      web.close();
    }
    if (ingest != null) {
      ingest.close();
    }
  }

  private void open(String path) {
    browser.driver.get(web.baseUrl() + path);
  }

  private WebElement find(String css) {
    return browser.driver.findElement(By.cssSelector(css));
  }

  @Test
  void aRuleMadeOnTheFormFiresForARealAgentTellsAWebhookAndIsAcknowledgedAndSilenced()
      throws Exception {
    ingest = IngestFixture.start(db.url());
    // rules evaluated every second, a rule's notices gathered for one second
    WebSettings fast = WebFixture.settings().withAlertEvaluationEvery(Duration.ofSeconds(1));
    web =
        WebFixture.on(
            ingest.database,
            new WebSettings(
                fast.listenAddress(),
                fast.httpPort(),
                fast.tls(),
                fast.sessionIdle(),
                fast.agentIngestAddress(),
                fast.agentBundle(),
                fast.trustedProxies(),
                fast.auditRetention(),
                fast.alertEvaluationEvery(),
                new NotificationSettings(
                    Duration.ofSeconds(1),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty())));
    WebClient api = web.signedInAdmin();
    receiver = WebhookReceiver.start();
    assertThat(
            post(
                api,
                "/api/v1/notification-channels",
                "{\"name\": \"ops hook\", \"kind\": \"webhook\", \"url\": \""
                    + receiver.url("/hook")
                    + "\", \"secret\": \"a-secret-of-sixteen-chars\"}"))
        .isEqualTo(201);
    Path agentData = Files.createTempDirectory("ctops-alerts-agent-");
    agent =
        RunningAgent.start(ingest, ingest.token(true), agentData, Map.of("role", "alerting-test"));
    browser.waitFor(
        Duration.ofSeconds(30),
        d -> web.count("SELECT count(*) FROM host_vitals WHERE cpu_percent IS NOT NULL") == 1);

    open("/login");
    browser.waitFor(d -> !d.findElements(By.id("email")).isEmpty());
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));

    find("#nav-alerts").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/alerts"));
    find("#alert-rules-link").click();
    find("#new-rule").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/alerts/rules/new"));
    find("#rule-name").sendKeys("Any CPU");
    new Select(find("#rule-metric")).selectByValue("cpu");
    new Select(find("#rule-operator")).selectByValue(">=");
    find("#rule-threshold").clear();
    find("#rule-threshold").sendKeys("0");
    new Select(find("#rule-selector")).selectByValue("tags");
    find("#rule-tags").sendKeys("role:alerting-test");
    new Select(find("#rule-severity")).selectByValue("critical");
    find("input[name=channel_ids]").click();
    find("#preview-rule").click();
    browser.waitFor(d -> find("#rule-preview").getText().contains("1 host would fire now"));
    find("#save-rule").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/alerts/rules"));
    assertThat(find("#alert-rules").getText()).contains("Any CPU").contains("CPU ≥ 0 %");

    // the web role's evaluator (every second here) fires it for the agent's host
    browser.waitFor(
        Duration.ofSeconds(20),
        d -> web.count("SELECT count(*) FROM alert_instances WHERE state = 'firing'") == 1);
    open("/hosts");
    browser.waitFor(
        Duration.ofSeconds(20),
        d -> {
          d.navigate().refresh();
          return find("#firing-alert-hosts").getText().equals("1");
        });
    assertThat(find("td.alerts a.badge.critical").getText()).isEqualTo("1");
    browser.waitFor(Duration.ofSeconds(20), d -> received("Any CPU", "firing"));
    assertThat(receiver.requests().getFirst().signature()).startsWith("sha256=");
    browser.waitFor(d -> find("#bell").getText().contains("1"));

    find("#card-alerts").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts?status=alerting"));

    open("/alerts");
    WebElement row = browser.waitFor(d -> find("tr.alert-row.firing"));
    assertThat(row.getText()).contains("critical").contains("Any CPU");
    row.findElement(By.cssSelector("input[name=comment]")).sendKeys("looking at it");
    row.findElement(By.cssSelector(".ack-form button")).click();
    browser.waitFor(
        d -> find("tr.alert-row.firing .acknowledged").getText().contains("looking at it"));

    open(
        "/alerts/silences/new?rule="
            + Sql.uuid(web, "SELECT rule_id FROM alert_instances")
            + "&host="
            + Sql.uuid(web, "SELECT host_id FROM alert_instances"));
    find("#silence-reason").sendKeys("planned load test");
    find("#save-silence").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/alerts/silences"));
    assertThat(find("#silences").getText()).contains("planned load test").contains("Active");
    browser.waitFor(
        Duration.ofSeconds(20),
        d -> {
          open("/alerts");
          return !d.findElements(By.cssSelector("tr.alert-row .badge.silenced")).isEmpty();
        });

    find("#bell").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/notifications"));
    assertThat(find("#notifications").getText()).contains("Any CPU").contains("fired on");
    find("#mark-read").click();
    browser.waitFor(d -> d.findElements(By.cssSelector("#bell-count")).isEmpty());
    assertThat(browser.consoleErrors()).isEmpty();

    // a host offline rule: stopping the agent tells the webhook, starting it again the recovery
    assertThat(
            post(
                api,
                "/api/v1/alert-rules",
                "{\"name\": \"Host down\", \"kind\": \"host_offline\", \"severity\":"
                    + " \"critical\", \"channel_ids\": [\""
                    + Sql.uuid(web, "SELECT id FROM notification_channels")
                    + "\"]}"))
        .isEqualTo(201);
    agent.close();
    agent = null;
    browser.waitFor(Duration.ofSeconds(30), d -> received("Host down", "firing"));
    agent =
        RunningAgent.start(ingest, ingest.token(true), agentData, Map.of("role", "alerting-test"));
    browser.waitFor(Duration.ofSeconds(30), d -> received("Host down", "resolved"));
  }

  /** Whether the webhook has had a message about the rule for this event. */
  private boolean received(String rule, String event) {
    return receiver.requests().stream()
        .map(WebhookReceiver.Request::text)
        .anyMatch(
            text ->
                text.contains(rule)
                    && text.replace(" ", "").contains("\"event\":\"" + event + "\""));
  }

  private static int post(WebClient client, String path, String json) {
    HttpResponse<String> response =
        client.send(
            client
                .request(path)
                .header("Content-Type", "application/json")
                .header("X-CSRF-Token", client.csrf())
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build());
    return response.statusCode();
  }

  /** One id the database holds, for a link the test follows. */
  private static final class Sql {
    static String uuid(WebFixture web, String query) {
      return web.jdbi().withHandle(h -> h.createQuery(query).mapTo(String.class).one());
    }
  }
}
