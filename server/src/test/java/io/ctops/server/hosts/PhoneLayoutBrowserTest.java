package io.ctops.server.hosts;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.inventory.InstalledPackage;
import io.ctops.server.auth.Role;
import io.ctops.server.inventory.SoftwareScans;
import io.ctops.server.metrics.MetricPartitions;
import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebFixture;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * Every main page on a 390 × 844 phone in real Chromium: nothing scrolls the page sideways, the
 * navigation folds behind Menu (Sign out stays reachable), and the host table scrolls inside its
 * card.
 */
class PhoneLayoutBrowserTest {
  private static final int PHONE_WIDTH = 390;
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
    browser.desktopViewport();
    browser.driver.manage().deleteAllCookies();
    browser.driver.get("about:blank");
    if (web != null) {
      web.close();
    }
  }

  private void open(String path) {
    browser.driver.get(web.baseUrl() + path);
    browser.waitFor(d -> "complete".equals(browser.script("return document.readyState;")));
  }

  private WebElement find(String css) {
    return browser.driver.findElement(By.cssSelector(css));
  }

  private long pageWidth() {
    return (Long) browser.script("return document.documentElement.scrollWidth;");
  }

  private void assertNoSidewaysScroll(String page) {
    assertThat(pageWidth()).as("page width of " + page).isLessThanOrEqualTo(PHONE_WIDTH);
  }

  /** Sign out is behind Menu: hidden at first, then visible and on screen. */
  private void assertSignOutReachable(String page) {
    assertThat(find("#logout").isDisplayed()).as("Sign out folded away on " + page).isFalse();
    find("#nav-toggle").click();
    browser.waitFor(d -> find("#logout").isDisplayed());
    @SuppressWarnings("unchecked")
    Map<String, Object> box =
        (Map<String, Object>)
            browser.script(
                "var r = arguments[0].getBoundingClientRect();"
                    + " return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};",
                find("#logout"));
    assertThat(((Number) box.get("left")).doubleValue()).as(page).isGreaterThanOrEqualTo(0);
    assertThat(((Number) box.get("right")).doubleValue()).as(page).isLessThanOrEqualTo(PHONE_WIDTH);
    assertThat(find("#nav-toggle").getAttribute("aria-expanded")).isEqualTo("true");
    assertNoSidewaysScroll(page + " with the menu open");
  }

  private UUID seed() {
    UUID org = web.defaultOrg();
    for (int i = 1; i <= 30; i++) {
      aHost("application-server-with-a-long-name-" + i)
          .displayName("Production checkout service, rack " + i)
          .os("Ubuntu")
          .ips("10.20.30." + i, "fd00:1234:5678:9abc::" + i, "192.168.100." + i)
          .vitals(12.5f, 45f, 91f)
          .insert(web.jdbi(), org);
    }
    UUID host =
        aHost("inventoried-host-with-a-long-name")
            .agent("active")
            .os("Debian")
            .ips("10.9.9.9")
            .insert(web.jdbi(), org);
    var scans = new SoftwareScans(web.jdbi(), Clock.systemUTC());
    UUID scan = scans.queue(org, host);
    scans.start(scan, "dpkg");
    List<InstalledPackage> packages = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      packages.add(
          new InstalledPackage(
              "libsomething-with-a-rather-long-package-name-" + i,
              "1:2.36.1-8+deb12u1~bpo11+" + i,
              "amd64",
              "Debian Library Maintainers <pkg-maintainers@lists.example.org>",
              0));
    }
    scans.complete(scans.find(scan).orElseThrow(), "dpkg", packages);
    new MetricPartitions(web.jdbi(), 30, Clock.systemUTC()).maintain();
    web.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        """
                        INSERT INTO host_metrics (host_id, ts, cpu_percent, memory_percent, disk_percent,
                                                  net_rx_bytes_per_sec, net_tx_bytes_per_sec)
                        SELECT :host, now() - make_interval(secs => s * 30), 40, 50, 60, 150000, 9000
                          FROM generate_series(1, 60) AS s
                        """)
                    .bind("host", host)
                    .execute());
    return host;
  }

  @Test
  void everyMainPageFitsAPhoneAndKeepsSignOutReachable() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID host = seed();
    browser.phoneViewport(PHONE_WIDTH, 844);

    open("/login");
    assertNoSidewaysScroll("/login");
    assertThat(find("#sign-in").isDisplayed()).isTrue();
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));

    // the host list: the page stays 390 px wide while the table scrolls inside its card
    browser.waitFor(d -> !d.findElements(By.cssSelector("#hosts tbody tr[data-host]")).isEmpty());
    assertNoSidewaysScroll("/hosts");
    WebElement scroller = find("#hosts-scroll");
    assertThat(browser.script("return getComputedStyle(arguments[0]).overflowX;", scroller))
        .isEqualTo("auto");
    long inner = (Long) browser.script("return arguments[0].scrollWidth;", scroller);
    long shown = (Long) browser.script("return arguments[0].clientWidth;", scroller);
    assertThat(inner).as("the table is wider than the phone").isGreaterThan(shown);
    assertThat(shown).isLessThanOrEqualTo(PHONE_WIDTH);
    browser.script("arguments[0].scrollLeft = 10000;", scroller);
    assertThat((Long) browser.script("return Math.round(arguments[0].scrollLeft);", scroller))
        .as("the card scrolls sideways")
        .isPositive();
    assertNoSidewaysScroll("/hosts scrolled");
    assertSignOutReachable("/hosts");

    List<String> pages =
        List.of(
            "/hosts/" + host,
            "/hosts/" + host + "/metrics?range=1h",
            "/hosts/" + host + "/inventory",
            "/hosts/" + host + "/inventory/compare?q=application",
            "/software?name=libsomething-with-a-rather-long-package-name-1",
            "/tokens",
            "/users",
            "/profile");
    for (String page : pages) {
      open(page);
      if (page.contains("/metrics")) {
        browser.waitFor(
            d -> Long.valueOf(1).equals(browser.script("return window.ctopsMetricsLoads;")));
      }
      assertNoSidewaysScroll(page);
      assertSignOutReachable(page);
    }

    find("#logout").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/login"));
    assertNoSidewaysScroll("/login after signing out");

    // the organisations page, which only a super admin sees
    web.user(web.defaultOrg(), "root@example.com", Role.SUPER_ADMIN);
    find("#email").sendKeys("root@example.com");
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));
    open("/orgs");
    assertThat(find("h1").getText()).isEqualTo("Organisations");
    assertNoSidewaysScroll("/orgs");
    assertSignOutReachable("/orgs");
  }

  @Test
  void theFirstRunSetUpFitsAPhone() {
    web = WebFixture.on(db.database());
    browser.phoneViewport(PHONE_WIDTH, 844);
    open("/");
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/setup"));
    assertNoSidewaysScroll("/setup");
    assertThat(find("#create-admin").isDisplayed()).isTrue();
    assertThat(browser.driver.findElements(By.id("nav-toggle")))
        .as("no menu before sign-in")
        .isEmpty();
  }

  @Test
  void theMenuStaysOpenOnWideScreensWithoutAToggle() {
    web = WebFixture.on(db.database());
    web.admin();
    open("/login");
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));
    assertThat(find("#nav-toggle").isDisplayed()).isFalse();
    assertThat(find("#logout").isDisplayed()).isTrue();
  }
}
