package io.ctops.server.certificates;

import static io.ctops.server.certificates.CertificateSeed.aCertificate;
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
 * Certificates in real headless Chromium, under the page's Content-Security-Policy: the fleet
 * page's status filter narrows the list, and a place's host link opens that host's Certificates tab
 * with the certificate's status.
 */
class CertificatesBrowserTest {
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

  private int rows() {
    return browser.driver.findElements(By.cssSelector("tr.fleet-certificate")).size();
  }

  @Test
  void theStatusFilterNarrowsTheFleetAndAHostLinkOpensItsCertificatesTab() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID org = web.defaultOrg();
    UUID web1 = aHost("web-01").agent("active").insert(web.jdbi(), org);
    UUID db1 = aHost("db-01").agent("active").insert(web.jdbi(), org);
    aCertificate('a')
        .on(web1)
        .tls("127.0.0.1:443")
        .subject("CN=www.example.test")
        .expiresIn(Duration.ofDays(12))
        .insert(web.jdbi());
    aCertificate('b')
        .on(db1)
        .file("/etc/pg/server.crt")
        .subject("CN=db.example.test")
        .expiresIn(Duration.ofDays(-1))
        .insert(web.jdbi());
    aCertificate('c')
        .on(db1)
        .file("/etc/pg/root.crt")
        .subject("CN=Root")
        .expiresIn(Duration.ofDays(3000))
        .insert(web.jdbi());

    browser.driver.get(web.baseUrl() + "/login");
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));

    find("#nav-certificates").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/certificates"));
    find("#certificates");
    assertThat(rows()).isEqualTo(3);
    assertThat(find("#count-expiring .value").getText()).isEqualTo("1");
    assertThat(find("#certificates-group").isDisplayed())
        .as("the group field of 'all hosts'")
        .isFalse();

    new Select(find("#certificate-status")).selectByValue("expiring");
    find("#filter-certificates").click();
    browser.waitFor(d -> d.getCurrentUrl().contains("status=expiring"));
    browser.waitFor(d -> rows() == 1);
    WebElement row = find("tr.fleet-certificate");
    assertThat(row.getText()).contains("www.example.test", "web-01", "127.0.0.1:443");
    assertThat(row.getText()).doesNotContain("db-01");

    row.findElement(By.linkText("web-01")).click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts/" + web1 + "/certificates"));
    assertThat(find("#tab-certificates").getAttribute("class")).contains("active");
    assertThat(find("#host-certificates tr.host-certificate .badge").getText())
        .isEqualTo("expiring");
    assertThat(find("#host-certificates tr.host-certificate .days").getText())
        .isEqualTo("expires in 11 days");
    assertThat(browser.consoleErrors()).isEmpty();
  }
}
