package io.ctops.server.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.RunningAgent;
import io.ctops.server.testing.WebFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * A real agent on this machine runs the organisation's default account and SSH key checks, and its
 * host's Users tab in real headless Chromium lists this machine's accounts from /etc/passwd, root
 * among them marked privileged; the Privileged filter keeps root and leaves out accounts that are
 * not.
 */
class AccountsAgentBrowserTest {
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

  /** The names of this machine's /etc/passwd, as the agent reads them (entries, not comments). */
  private static List<String> localAccounts() throws Exception {
    return Files.readAllLines(Path.of("/etc/passwd")).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#") && !l.startsWith("+") && !l.startsWith("-"))
        .map(l -> l.split(":", 2)[0])
        .distinct()
        .toList();
  }

  @Test
  void theUsersTabOfARealAgentsHostListsThisMachinesAccountsWithRootPrivileged() throws Exception {
    ingest = IngestFixture.start(db.url());
    web = WebFixture.on(ingest.database);
    web.admin();
    assertThat(
            web.count(
                "SELECT add_default_account_checks(id) FROM organisations WHERE slug = 'default'"))
        .isEqualTo(2);
    agent =
        RunningAgent.start(
            ingest, ingest.token(true), Files.createTempDirectory("ctops-accounts-agent-"));
    // the agent runs new checks within seconds of receiving them, whatever their interval
    browser.waitFor(
        Duration.ofSeconds(60),
        d -> web.count("SELECT count(*) FROM host_accounts WHERE username = 'root'") == 1);
    UUID host =
        web.jdbi().withHandle(h -> h.createQuery("SELECT id FROM hosts").mapTo(UUID.class).one());

    browser.driver.get(web.baseUrl() + "/login");
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));

    browser.driver.get(web.baseUrl() + "/hosts/" + host);
    find("#tab-accounts").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts/" + host + "/accounts"));
    List<String> shown =
        browser.driver.findElements(By.cssSelector("#account-table tr.account")).stream()
            .map(row -> row.getAttribute("data-username"))
            .toList();
    assertThat(shown).containsExactlyInAnyOrderElementsOf(localAccounts());
    WebElement root = find("#account-table tr.account[data-username='root']");
    assertThat(root.findElement(By.cssSelector(".privileged")).getText()).contains("privileged");
    assertThat(root.findElement(By.cssSelector(".privileged")).getText()).contains("uid 0");
    assertThat(find(".account-report[data-kind='accounts']").getText())
        .contains("Accounts reported")
        .contains("by the check Accounts");

    // Rescan: the agent runs both checks now, and the reports are newer than the first ones
    String firstReport =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT CAST(max(reported_at) AS text) FROM host_account_reports")
                        .mapTo(String.class)
                        .one());
    Thread.sleep(1100); // a result is kept once per check, host and second
    find("#rescan-accounts").click();
    assertThat(find("#rescan-progress").getText()).startsWith("Rescan");
    browser.waitFor(
        Duration.ofSeconds(60),
        d ->
            web.count(
                    "SELECT count(*) FROM host_account_reports WHERE reported_at > CAST('"
                        + firstReport
                        + "' AS timestamptz)")
                == 2);
    browser.waitFor(
        Duration.ofSeconds(30),
        d ->
            web.count(
                    "SELECT count(*) FROM tasks WHERE type = 'account_scan' AND state = 'succeeded'")
                == 1);
    browser.driver.navigate().refresh();
    assertThat(find("#rescan-done").getText()).contains("the agent ran the checks");

    find("#host-accounts-privileged").click();
    find("#filter-accounts").click();
    browser.waitFor(d -> d.getCurrentUrl().contains("privileged=true"));
    List<String> privileged =
        browser.driver.findElements(By.cssSelector("#account-table tr.account")).stream()
            .map(row -> row.getAttribute("data-privileged"))
            .distinct()
            .toList();
    assertThat(privileged).containsExactly("true");
    find("#account-table tr.account[data-username='root']");
    assertThat(browser.driver.findElements(By.cssSelector("tr.account[data-username='daemon']")))
        .isEmpty();

    browser.driver.get(web.baseUrl() + "/accounts?login=root");
    assertThat(find("#account-table").getText()).contains("root");
    assertThat(browser.consoleErrors()).isEmpty();
  }
}
