package io.ctops.server.checks;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebFixture;
import java.time.Duration;
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
 * Checks in real headless Chromium, under the page's Content-Security-Policy: the form shows the
 * chosen type's fields, the check shows on the fleet page, and a host's Checks tab turns from
 * failing to passing by itself when the result changes.
 */
class ChecksBrowserTest {
  private static Browser browser;
  @RegisterExtension final FreshDatabase db = new FreshDatabase();
  private WebFixture web;

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
    if (web != null) {
      web.close();
    }
  }

  /** The element once the page shows it. */
  private WebElement find(String css) {
    return browser.waitFor(d -> d.findElement(By.cssSelector(css)));
  }

  private void signIn() {
    browser.driver.get(web.baseUrl() + "/login");
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));
  }

  @Test
  void anAdminCreatesAPortCheckAndAHostsTabTurnsFromFailingToPassingWithoutAReload() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID host = aHost("web-01").status("online").insert(web.jdbi(), web.defaultOrg());
    signIn();

    find("#nav-checks").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/checks"));
    find("#new-check").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/checks/new"));
    assertThat(find("#check-port-port").isDisplayed()).isTrue();
    assertThat(find("#check-http-url").isDisplayed()).isFalse();
    new Select(find("#check-type")).selectByValue("http");
    browser.waitFor(d -> find("#check-http-url").isDisplayed());
    assertThat(find("#check-port-port").isDisplayed()).isFalse();
    new Select(find("#check-type")).selectByValue("ssh_key_scan");
    browser.waitFor(d -> find("#check-ssh-key-scan-scan-paths").isDisplayed());
    assertThat(find("#check-http-url").isDisplayed()).isFalse();
    new Select(find("#check-type")).selectByValue("service_account");
    browser.waitFor(d -> find("#check-service-account-min-human-uid").isDisplayed());
    assertThat(find("#check-ssh-key-scan-scan-paths").isDisplayed()).isFalse();
    new Select(find("#check-type")).selectByValue("port");
    browser.waitFor(d -> find("#check-port-port").isDisplayed());
    assertThat(find("#check-interval-seconds").isDisplayed()).isFalse();
    assertThat(find("#check-group").isDisplayed()).as("the group field of 'all hosts'").isFalse();

    find("#check-name").sendKeys("ssh answers");
    find("#check-port-port").sendKeys("22");
    new Select(find("#check-interval")).selectByValue("30");
    find("#save-check").click();
    browser.waitFor(d -> d.getCurrentUrl().matches(".*/checks/[0-9a-f-]{36}$"));
    assertThat(find("#check-what").getText()).isEqualTo("port 22 on 127.0.0.1");
    UUID check =
        web.jdbi().withHandle(h -> h.createQuery("SELECT id FROM checks").mapTo(UUID.class).one());

    find("#nav-checks").click();
    WebElement row =
        browser.waitFor(d -> d.findElement(By.cssSelector("tr[data-check='" + check + "']")));
    assertThat(row.getText()).contains("ssh answers", "port 22 on 127.0.0.1", "All hosts", "30 s");

    web.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "INSERT INTO check_states (check_id, host_id, status, output, duration_ms,"
                        + " ran_at, since, consecutive_failures) VALUES (?, ?, 'fail',"
                        + " 'connection refused', 2, now(), now(), 1)",
                    check,
                    host));
    browser.driver.get(web.baseUrl() + "/hosts/" + host);
    find("#tab-checks").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts/" + host + "/checks"));
    assertThat(find("#host-checks .badge").getText()).isEqualTo("fail");
    assertThat(find("#host-checks .output").getText()).isEqualTo("connection refused");
    browser.script("window.stillTheSamePage = true");

    web.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "UPDATE check_states SET status = 'pass', output = 'connected in 1 ms',"
                        + " ran_at = now(), since = now(), consecutive_failures = 0"));

    browser.waitFor(
        Duration.ofSeconds(20), d -> find("#host-checks .badge").getText().equals("pass"));
    assertThat(find("#host-checks .output").getText()).isEqualTo("connected in 1 ms");
    assertThat(browser.script("return window.stillTheSamePage")).isEqualTo(true);
    assertThat(browser.consoleErrors()).isEmpty();
  }
}
