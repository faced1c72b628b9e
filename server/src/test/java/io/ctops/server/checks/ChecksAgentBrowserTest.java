package io.ctops.server.checks;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.RunningAgent;
import io.ctops.server.testing.WebFixture;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * A health check made in real headless Chromium runs on a real agent: a port check against a port
 * the test opens passes on the host's Checks tab, turns failing within two intervals of the port
 * closing, and an alert rule on it (made on the alert form) fires.
 */
class ChecksAgentBrowserTest {
  private static Browser browser;
  @RegisterExtension final FreshDatabase db = new FreshDatabase();
  private IngestFixture ingest;
  private WebFixture web;
  private RunningAgent agent;
  private ServerSocket port;

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
  void stop() throws Exception {
    browser.driver.manage().deleteAllCookies();
    browser.driver.get("about:blank");
    if (port != null) {
      port.close();
    }
    if (agent != null) {
      agent.close();
    }
    if (web != null) {
      web.close();
    }
    if (ingest != null) {
      ingest.close();
    }
  }

  private WebElement find(String css) {
    return browser.waitFor(d -> d.findElement(By.cssSelector(css)));
  }

  private void open(String path) {
    browser.driver.get(web.baseUrl() + path);
  }

  @Test
  void aPortCheckPassesFailsWithinTwoIntervalsOfThePortClosingAndItsAlertFires() throws Exception {
    ingest = IngestFixture.start(db.url());
    web =
        WebFixture.on(
            ingest.database, WebFixture.settings().withAlertEvaluationEvery(Duration.ofSeconds(1)));
    web.admin();
    port = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Path data = Files.createTempDirectory("ctops-checks-agent-");
    agent = RunningAgent.start(ingest, ingest.token(true), data);
    browser.waitFor(
        Duration.ofSeconds(30),
        d -> web.count("SELECT count(*) FROM hosts WHERE status = 'online'") == 1);
    UUID host =
        web.jdbi().withHandle(h -> h.createQuery("SELECT id FROM hosts").mapTo(UUID.class).one());

    open("/login");
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));

    open("/checks/new");
    find("#check-name").sendKeys("app answers");
    new Select(find("#check-type")).selectByValue("port");
    find("#check-port-port").sendKeys(Integer.toString(port.getLocalPort()));
    new Select(find("#check-interval")).selectByValue("other");
    browser.waitFor(d -> find("#check-interval-seconds").isDisplayed());
    find("#check-interval-seconds").clear();
    find("#check-interval-seconds").sendKeys("10");
    find("#save-check").click();
    browser.waitFor(d -> d.getCurrentUrl().matches(".*/checks/[0-9a-f-]{36}$"));

    open("/hosts/" + host + "/checks");
    browser.waitFor(
        Duration.ofSeconds(30), d -> find("#host-checks .badge").getText().equals("pass"));
    assertThat(find("#host-checks .output").getText()).startsWith("connected to");

    open("/alerts/rules/new");
    find("#rule-name").sendKeys("App down");
    new Select(find("#rule-kind")).selectByValue("check_failing");
    new Select(find("#rule-check")).selectByVisibleText("app answers");
    find("#rule-failures").clear();
    find("#rule-failures").sendKeys("1");
    new Select(find("#rule-severity")).selectByValue("critical");
    find("#save-rule").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/alerts/rules"));
    assertThat(find("#alert-rules").getText()).contains("App down").contains("the check failing");

    open("/hosts/" + host + "/checks");
    find("#host-checks .badge");
    port.close();
    Instant closed = Instant.now();
    // the tab refreshes itself: no reload
    browser.waitFor(
        Duration.ofSeconds(30), d -> find("#host-checks .badge").getText().equals("fail"));
    assertThat(Duration.between(closed, Instant.now()))
        .as("within two intervals (10 s each) and the tab's refresh")
        .isLessThan(Duration.ofSeconds(25));

    browser.waitFor(
        Duration.ofSeconds(20),
        d -> web.count("SELECT count(*) FROM alert_instances WHERE state = 'firing'") == 1);
    open("/alerts");
    WebElement row = find("tr.alert-row.firing");
    assertThat(row.getText()).contains("critical").contains("App down");
    assertThat(browser.consoleErrors()).isEmpty();
  }
}
