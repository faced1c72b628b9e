package io.ctops.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebFixture;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The Audit page in real headless Chromium: filtering through the form keeps the view in the URL.
 */
class AuditBrowserTest {
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

  private WebElement find(String css) {
    return browser.driver.findElement(By.cssSelector(css));
  }

  private List<WebElement> rows() {
    return browser.driver.findElements(By.cssSelector("#audit-entries tbody tr[data-entry]"));
  }

  private void signIn(String password) {
    browser.driver.get(web.baseUrl() + "/login");
    browser.waitFor(d -> !d.findElements(By.id("email")).isEmpty());
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(password);
    find("#sign-in").click();
  }

  @Test
  void anAdminFiltersTheLogAndTheViewStaysInTheUrl() {
    web = WebFixture.on(db.database());
    web.admin();
    signIn("not the password");
    browser.waitFor(d -> !d.findElements(By.id("form-error")).isEmpty());
    signIn(WebFixture.PASSWORD);
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));

    find("#nav-audit").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/audit"));
    assertThat(rows()).as("the fixture's account, a wrong and a right sign-in").hasSize(3);

    find("#audit-outcome option[value='failed']").click();
    find("#audit-apply").click();
    browser.waitFor(d -> d.getCurrentUrl().contains("outcome=failed"));
    assertThat(rows()).hasSize(1);
    assertThat(rows().get(0).getAttribute("class")).contains("failed");
    assertThat(rows().get(0).findElement(By.cssSelector("td.outcome")).getText())
        .contains("wrong email or password");
    assertThat(find("#audit-csv").getAttribute("href")).contains("/audit.csv?outcome=failed");

    browser.driver.navigate().back();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/audit"));
    rows().get(1).findElement(By.cssSelector("td.actor a")).click();
    browser.waitFor(d -> d.getCurrentUrl().contains("actor="));
    assertThat(find("#audit-actor").getAttribute("value")).isEqualTo(WebFixture.ADMIN_EMAIL);
    assertThat(rows()).hasSize(2);

    find("#audit-clear").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/audit"));
    assertThat(find("#audit-actor").getAttribute("value")).isEmpty();
  }
}
