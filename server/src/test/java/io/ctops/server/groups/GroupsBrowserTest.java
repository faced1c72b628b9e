package io.ctops.server.groups;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.openqa.selenium.WebElement;

/** Groups and tags in real headless Chromium against the real web role and database. */
class GroupsBrowserTest {
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

  private void open(String path) {
    browser.driver.get(web.baseUrl() + path);
  }

  private WebElement find(String css) {
    return browser.driver.findElement(By.cssSelector(css));
  }

  private List<String> hostnames() {
    return browser.driver.findElements(By.cssSelector("#hosts tbody tr[data-host]")).stream()
        .map(r -> r.findElement(By.cssSelector("td.hostname a")).getText())
        .toList();
  }

  @Test
  void createsADynamicGroupByTagSeesExactlyItsHostsThenFiltersTheHostListByTheTagChip() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID org = web.defaultOrg();
    UUID web1 = aHost("web-1").insert(web.jdbi(), org);
    UUID web2 = aHost("web-2").insert(web.jdbi(), org);
    UUID db1 = aHost("db-1").insert(web.jdbi(), org);
    GroupsApiTest.agentTags(web, web1, "role", "web", "env", "prod");
    GroupsApiTest.agentTags(web, web2, "role", "web");
    GroupsApiTest.agentTags(web, db1, "role", "db", "env", "prod");

    open("/login");
    browser.waitFor(d -> !d.findElements(By.id("email")).isEmpty());
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));

    find("#nav-groups").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/groups"));
    find("#new-group").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/groups/new"));
    assertThat(find("#rule-fields").isDisplayed()).isFalse();
    find("#group-name").sendKeys("Web servers");
    find("#kind-dynamic").click();
    assertThat(find("#rule-fields").isDisplayed()).isTrue();
    find("#rule-tags").sendKeys("role:web");
    find("#save-group").click();
    browser.waitFor(d -> d.getCurrentUrl().matches(".*/groups/[0-9a-f-]{36}$"));
    assertThat(find("#group-name").getText()).isEqualTo("Web servers");
    assertThat(find("#group-rule").getText()).isEqualTo("tag role:web");
    assertThat(hostnames()).containsExactly("web-1", "web-2");

    open("/hosts");
    browser.waitFor(d -> !d.findElements(By.cssSelector("#hosts tbody tr[data-host]")).isEmpty());
    assertThat(hostnames()).containsExactly("db-1", "web-1", "web-2");
    find("tr[data-host='" + db1 + "'] a.chip[data-tag='env:prod']").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts?tag=env%3Aprod"));
    browser.waitFor(d -> hostnames().equals(List.of("db-1", "web-1")));
    assertThat(find("#tag-filters").getText()).contains("env:prod");

    find("#tag-filter").sendKeys("role:web\n");
    browser.waitFor(d -> hostnames().equals(List.of("web-1")));
    assertThat(browser.driver.getCurrentUrl())
        .contains("tag=env%3Aprod")
        .contains("tag=role%3Aweb");
    find("#tag-filters a[data-tag='env:prod']").click();
    browser.waitFor(d -> hostnames().equals(List.of("web-1", "web-2")));
    assertThat(browser.consoleErrors()).isEmpty();
  }
}
