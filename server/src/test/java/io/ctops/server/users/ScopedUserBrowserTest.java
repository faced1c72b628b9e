package io.ctops.server.users;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.Role;
import io.ctops.server.groups.GroupRule;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebFixture;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;

/**
 * In Chromium: an admin limits a user to a group, and that user then sees the group's hosts only.
 */
class ScopedUserBrowserTest {
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

  @Test
  void anAdminScopesAUserToAGroupAndTheUserSeesOnlyItsHosts() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID org = web.defaultOrg();
    UUID inGroup = aHost("web-01").insert(web.jdbi(), org);
    aHost("db-01").insert(web.jdbi(), org);
    web.jdbi()
        .useTransaction(
            h -> {
              Actor seeder = Actor.system("test");
              UUID group =
                  HostGroups.create(
                      h,
                      org,
                      seeder,
                      new HostGroups.GroupSpec("web-prod", "", false, GroupRule.NONE));
              HostGroups.addMembers(h, org, seeder, group, List.of(inGroup));
            });
    UUID user = web.user(org, "scoped@example.com", Role.READ_ONLY);

    signIn(WebFixture.ADMIN_EMAIL);
    assertThat(hostnames()).containsExactlyInAnyOrder("web-01", "db-01");
    browser.driver.get(web.baseUrl() + "/users");
    // waits for the Users page: a navigation of the page before may still replace it
    browser.waitFor(d -> d.findElement(By.id("groups-of-" + user))).click();
    browser.waitFor(d -> !d.findElements(By.id("user-groups-form")).isEmpty());
    new Select(browser.driver.findElement(By.cssSelector("select[data-group='web-prod']")))
        .selectByVisibleText("Engineer");
    browser.driver.findElement(By.id("save-user-groups")).click();
    browser.waitFor(d -> !d.findElements(By.id("users-message")).isEmpty());
    assertThat(browser.driver.findElement(By.cssSelector("tr[data-user='" + user + "']")).getText())
        .contains("web-prod: Engineer");
    browser.driver.findElement(By.id("logout")).click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/login"));

    signIn("scoped@example.com");
    assertThat(hostnames()).containsExactly("web-01");
    assertThat(browser.driver.findElement(By.id("top")).getAttribute("textContent"))
        .contains("Engineer");
    assertThat(browser.driver.getPageSource()).doesNotContain("db-01");
    assertThat(browser.consoleErrors()).isEmpty();
  }

  private void signIn(String email) {
    browser.driver.get(web.baseUrl() + "/login");
    browser.waitFor(
        d -> d.getCurrentUrl().endsWith("/login") && !d.findElements(By.id("email")).isEmpty());
    browser.driver.findElement(By.id("email")).sendKeys(email);
    browser.driver.findElement(By.id("password")).sendKeys(WebFixture.PASSWORD);
    browser.driver.findElement(By.id("sign-in")).click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));
  }

  private List<String> hostnames() {
    return browser
        .driver
        .findElements(By.cssSelector("#hosts tbody tr[data-host] td.hostname a"))
        .stream()
        .map(a -> a.getText())
        .toList();
  }
}
