package io.ctops.server.groups.notes;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebFixture;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/** A host's Notes tab in real headless Chromium, under the page's Content-Security-Policy. */
class NotesBrowserTest {
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

  private void signIn() {
    browser.driver.get(web.baseUrl() + "/login");
    browser.waitFor(
        d -> d.getCurrentUrl().endsWith("/login") && !d.findElements(By.id("email")).isEmpty());
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));
  }

  @Test
  void addsANoteWhoseLinkOpensSafelyThenPinsEditsAndDeletesIt() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID host = aHost("web-01").insert(web.jdbi(), web.defaultOrg());
    signIn();
    browser.driver.get(web.baseUrl() + "/hosts/" + host);
    find("#tab-notes").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts/" + host + "/notes"));
    assertThat(find("#notes-empty").getText()).isEqualTo("No notes yet.");
    browser.consoleErrors();

    find("#note-body")
        .sendKeys("Failover steps are in the [runbook](https://runbook.example/db) **first**.");
    find("#note-preview-button").click();
    WebElement preview = browser.waitFor(d -> find("#note-preview strong"));
    assertThat(preview.getText()).isEqualTo("first");
    find("#add-note").click();

    WebElement link = browser.waitFor(d -> find("#notes-panel article.note .note-body a"));
    assertThat(link.getText()).isEqualTo("runbook");
    assertThat(link.getAttribute("href")).isEqualTo("https://runbook.example/db");
    assertThat(link.getAttribute("rel")).isEqualTo("noopener noreferrer nofollow");
    assertThat(link.getAttribute("target")).isEqualTo("_blank");
    assertThat(find("#notes-panel .note-author").getText()).isEqualTo(WebFixture.ADMIN_EMAIL);
    // swapped in by htmx: the form is empty again and the page did not reload
    assertThat(find("#note-body").getAttribute("value")).isEmpty();
    assertThat(browser.driver.getCurrentUrl()).endsWith("/hosts/" + host + "/notes");

    find("#notes-panel .note-pin").click();
    browser.waitFor(d -> find("#notes-panel .note-pin").getText().equals("Unpin"));
    assertThat(find("#notes-panel article.note").getAttribute("class")).contains("pinned");

    find("#notes-panel .note-edit summary").click();
    WebElement text = find("#notes-panel .note-edit textarea");
    text.clear();
    text.sendKeys("Failover steps moved to the wiki.");
    find("#notes-panel .note-save").click();
    WebElement edited = browser.waitFor(d -> find("#notes-panel .note-edited"));
    assertThat(find("#notes-panel .note-body").getText())
        .isEqualTo("Failover steps moved to the wiki.");
    edited.click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/revisions"));
    assertThat(find("#version-1 .note-body a").getAttribute("rel"))
        .isEqualTo("noopener noreferrer nofollow");
    find("#back-to-notes").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts/" + host + "/notes"));

    find("#notes-panel .note-delete").click();
    browser.waitFor(ExpectedConditions.alertIsPresent()::apply).accept();
    browser.waitFor(d -> find("#notes-empty"));
    assertThat(browser.consoleErrors())
        .filteredOn(message -> message.contains("Content Security Policy"))
        .isEmpty();
  }
}
