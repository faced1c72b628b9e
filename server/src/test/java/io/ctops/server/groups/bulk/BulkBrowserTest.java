package io.ctops.server.groups.bulk;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebFixture;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/** Bulk actions from the Hosts page in real headless Chromium. */
class BulkBrowserTest {
  private static Browser browser;
  @RegisterExtension final FreshDatabase db = new FreshDatabase();
  private WebFixture web;

  @BeforeAll
  static void openBrowser() {
    assertThat(Browser.isInstalled()).as("Debian chromium and chromium-driver").isTrue();
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

  private void open(String path) {
    browser.driver.get(web.baseUrl() + path);
  }

  private WebElement find(String css) {
    return browser.driver.findElement(By.cssSelector(css));
  }

  private void signIn() {
    open("/login");
    browser.waitFor(
        d -> d.getCurrentUrl().endsWith("/login") && !d.findElements(By.id("email")).isEmpty());
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));
  }

  private List<String> hostnames() {
    return browser
        .driver
        .findElements(By.cssSelector("#hosts tbody tr[data-host] td.hostname a"))
        .stream()
        .map(WebElement::getText)
        .toList();
  }

  private void checkRow(UUID host) {
    find("tr[data-host='" + host + "'] input.select-host").click();
  }

  private Alert confirm() {
    return browser.waitFor(ExpectedConditions.alertIsPresent()::apply);
  }

  @Test
  void tagsTwoCheckedRowsAndShowsTheProgressUntilDoneThenOnlyThoseRowsCarryTheTag() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID org = web.defaultOrg();
    UUID alpha = aHost("alpha").insert(web.jdbi(), org);
    aHost("bravo").insert(web.jdbi(), org);
    UUID charlie = aHost("charlie").insert(web.jdbi(), org);
    signIn();
    browser.waitFor(d -> !d.findElements(By.cssSelector("#bulk-bar[data-bulk-ready]")).isEmpty());
    assertThat(find("#bulk-bar").isDisplayed()).as("no bar before a selection").isFalse();

    checkRow(alpha);
    checkRow(charlie);
    assertThat(find("#bulk-count").getText()).isEqualTo("2 selected");
    new Select(find("#bulk-action")).selectByValue("tag");
    find("#bulk-tags").sendKeys("env:prod");
    find("#bulk-apply").click();
    Alert question = confirm();
    assertThat(question.getText()).isEqualTo("Tag 2 hosts with env:prod?");
    question.accept();

    WebElement done =
        browser.waitFor(
            Duration.ofSeconds(20),
            d ->
                d.findElements(By.cssSelector("#bulk-job[data-state='done']")).stream()
                    .findFirst()
                    .orElse(null));
    assertThat(done.findElement(By.id("bulk-summary")).getText())
        .isEqualTo("Tagged 2 hosts with env:prod");
    // the list is reloaded when the job ends: nothing is selected any more
    browser.waitFor(d -> !find("#bulk-bar").isDisplayed());

    open("/hosts?tag=env:prod");
    browser.waitFor(d -> hostnames().size() == 2);
    assertThat(hostnames()).containsExactly("alpha", "charlie");
  }

  @Test
  void selectAllMatchingActsOnTheWholeFilteredSetBeyondThePage() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID org = web.defaultOrg();
    for (int i = 1; i <= 30; i++) {
      aHost(String.format("web-%02d", i)).insert(web.jdbi(), org);
    }
    aHost("db-01").insert(web.jdbi(), org);
    signIn();
    open("/hosts?q=web&size=25");
    browser.waitFor(d -> !d.findElements(By.cssSelector("#bulk-bar[data-bulk-ready]")).isEmpty());
    find("#select-page").click();
    assertThat(find("#bulk-count").getText()).isEqualTo("25 selected");
    WebElement all = find("#bulk-select-all");
    assertThat(all.getText()).isEqualTo("Select all 30 matching");
    all.click();
    assertThat(find("#bulk-count").getText()).isEqualTo("All 30 matching selected");
    new Select(find("#bulk-action")).selectByValue("rescan");
    assertThat(find("#bulk-tags").isDisplayed()).isFalse();
    find("#bulk-apply").click();
    Alert question = confirm();
    assertThat(question.getText()).isEqualTo("Rescan the software inventory of 30 hosts?");
    question.accept();

    browser.waitFor(
        Duration.ofSeconds(20),
        d -> !d.findElements(By.cssSelector("#bulk-job[data-state='done']")).isEmpty());
    assertThat(find("#bulk-summary").getText()).isEqualTo("Queued software scans of 30 hosts");
    assertThat(web.count("SELECT count(*) FROM software_scans")).isEqualTo(30);
  }
}
