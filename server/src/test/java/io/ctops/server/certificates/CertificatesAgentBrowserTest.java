package io.ctops.server.certificates;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.pki.DevelopmentCertificate;
import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.RunningAgent;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * Certificate discovery end to end in real headless Chromium: a certificate the test writes into a
 * path a real agent scans (expiring in 10 days) shows on the host's Certificates tab as expiring
 * after "Rescan now", on the fleet Certificates page, and fires a certificate alert.
 */
class CertificatesAgentBrowserTest {
  private static Browser browser;
  @RegisterExtension final FreshDatabase db = new FreshDatabase();
  private IngestFixture ingest;
  private WebFixture web;
  private RunningAgent agent;

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
  void aCertificateWrittenWhereTheAgentLooksShowsAsExpiringAndFiresItsAlert() throws Exception {
    ingest = IngestFixture.start(db.url());
    web =
        WebFixture.on(
            ingest.database, WebFixture.settings().withAlertEvaluationEvery(Duration.ofSeconds(1)));
    WebClient api = web.signedInAdmin();
    Path certificates = Files.createTempDirectory("ctops-certs-");
    agent =
        RunningAgent.withCertificateDiscovery(
            ingest,
            ingest.token(true),
            Files.createTempDirectory("ctops-certs-agent-"),
            List.of(certificates),
            List.of());
    browser.waitFor(
        Duration.ofSeconds(30),
        d -> web.count("SELECT count(*) FROM hosts WHERE status = 'online'") == 1);
    UUID host =
        web.jdbi().withHandle(h -> h.createQuery("SELECT id FROM hosts").mapTo(UUID.class).one());
    DevelopmentCertificate.create(Set.of("shop.example.test"), Duration.ofDays(10))
        .writeTo(certificates.resolve("shop.pem"), certificates.resolve("shop.key"));
    int created =
        api.send(
                api.request("/api/v1/alert-rules")
                    .header("Content-Type", "application/json")
                    .header("X-CSRF-Token", api.csrf())
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"name\": \"Certificates expiring\", \"kind\":"
                                + " \"certificate_expiry\", \"severity\": \"warning\","
                                + " \"parameters\": {\"days\": 30}}"))
                    .build())
            .statusCode();
    assertThat(created).isEqualTo(201);

    open("/login");
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));

    open("/hosts/" + host + "/certificates");
    find("#rescan-certificates").click();
    WebElement row =
        browser.waitFor(
            Duration.ofSeconds(40),
            d -> d.findElement(By.cssSelector("tr.host-certificate[data-location$='shop.pem']")));
    assertThat(row.findElement(By.cssSelector(".status .badge")).getText()).isEqualTo("expiring");
    assertThat(row.getText()).contains("CT-Ops development server");
    assertThat(find("#scan-line").getText()).contains("Scanned");
    assertThat(row.findElement(By.cssSelector(".status .days")).getText()).contains("9 days");

    open("/certificates");
    WebElement fleet = find("tr.fleet-certificate");
    assertThat(fleet.findElement(By.cssSelector(".status .badge")).getText()).isEqualTo("expiring");
    assertThat(fleet.getText()).contains(certificates.resolve("shop.pem").toString());
    assertThat(find("#count-expiring").getText()).contains("1");

    browser.waitFor(
        Duration.ofSeconds(20),
        d -> web.count("SELECT count(*) FROM alert_instances WHERE state = 'firing'") == 1);
    open("/alerts");
    assertThat(find("tr.alert-row.firing").getText()).contains("Certificates expiring");
    assertThat(browser.consoleErrors()).isEmpty();
  }
}
