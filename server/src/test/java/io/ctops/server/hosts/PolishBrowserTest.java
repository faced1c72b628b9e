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
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * What a user of other fleet and dashboard tools expects, in real Chromium: dark mode, the search
 * keys, hotspot links, natural name order, a paged Inventory tab, confirmed role changes, charts
 * that say when a window is empty and do not cut their labels, and a deep link surviving sign-in.
 */
class PolishBrowserTest {
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
    browser.preferredColourScheme("light");
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

  private List<String> texts(String css) {
    return browser.driver.findElements(By.cssSelector(css)).stream()
        .map(WebElement::getText)
        .toList();
  }

  private List<String> hostnames() {
    return texts("#hosts tbody tr[data-host] td.hostname a");
  }

  private void signIn() {
    open("/login");
    browser.waitFor(d -> !d.findElements(By.id("email")).isEmpty());
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));
  }

  private String background() {
    return (String) browser.script("return getComputedStyle(document.body).backgroundColor;");
  }

  private String theme() {
    return (String) browser.script("return document.documentElement.getAttribute('data-theme');");
  }

  @Test
  void followsTheSystemsDarkModeUntilTheToggleChoosesAndRemembersATheme() {
    web = WebFixture.on(db.database());
    web.admin();
    browser.preferredColourScheme("dark");
    open("/login");
    browser.script("localStorage.clear();");
    browser.driver.navigate().refresh();
    browser.waitFor(d -> "dark".equals(theme()));
    assertThat(background()).isEqualTo("rgb(11, 17, 32)");

    find("#theme-toggle").click();
    browser.waitFor(d -> "light".equals(theme()));
    assertThat(background()).isEqualTo("rgb(248, 250, 252)");
    // remembered: a new page in the same browser stays light although the system is dark
    signIn();
    assertThat(theme()).isEqualTo("light");
    assertThat(background()).isEqualTo("rgb(248, 250, 252)");

    find("#theme-toggle").click();
    browser.waitFor(d -> "dark".equals(theme()));
    browser.preferredColourScheme("light");
    browser.driver.navigate().refresh();
    browser.waitFor(d -> !d.findElements(By.id("hosts")).isEmpty());
    assertThat(theme()).as("the choice outlives a change of the system's scheme").isEqualTo("dark");
    assertThat(background()).isEqualTo("rgb(11, 17, 32)");

    // without a stored choice the page follows the system again, live
    browser.script("localStorage.clear();");
    browser.driver.navigate().refresh();
    browser.waitFor(d -> "light".equals(theme()));
    browser.preferredColourScheme("dark");
    browser.waitFor(d -> "dark".equals(theme()));
  }

  @Test
  void slashFocusesTheSearchEscapeClearsItAndNamesSortNaturally() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID org = web.defaultOrg();
    for (String name : List.of("node-10", "node-2", "node-1", "node-100", "Node-3", "db-1")) {
      aHost(name).insert(web.jdbi(), org);
    }
    signIn();
    assertThat(hostnames())
        .containsExactly("db-1", "node-1", "node-2", "Node-3", "node-10", "node-100");

    new Actions(browser.driver).sendKeys("/").perform();
    assertThat(browser.script("return document.activeElement.id;")).isEqualTo("search");
    assertThat(find("#search").getAttribute("value")).as("the / itself is not typed").isEmpty();
    new Actions(browser.driver).sendKeys("node-1").perform();
    browser.waitFor(d -> hostnames().equals(List.of("node-1", "node-10", "node-100")));
    assertThat(browser.driver.getCurrentUrl()).contains("q=node-1");

    new Actions(browser.driver).sendKeys(Keys.ESCAPE).perform();
    browser.waitFor(d -> hostnames().size() == 6);
    assertThat(find("#search").getAttribute("value")).isEmpty();
    assertThat(browser.driver.getCurrentUrl()).doesNotContain("q=node");

    // "/" while typing in a field is just a character
    find("#search").sendKeys("10.0/");
    assertThat(find("#search").getAttribute("value")).isEqualTo("10.0/");
  }

  @Test
  void hotspotCountsFilterTheListLikeTheOsBars() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID org = web.defaultOrg();
    aHost("busy-1").status("online").vitals(95f, 20f, 20f).insert(web.jdbi(), org);
    aHost("busy-2").status("online").vitals(85f, 90f, 20f).insert(web.jdbi(), org);
    aHost("calm-1").status("online").vitals(10f, 20f, 20f).insert(web.jdbi(), org);
    aHost("gone-hot").status("offline").vitals(99f, 99f, 99f).insert(web.jdbi(), org);
    signIn();
    assertThat(hostnames()).hasSize(4);
    assertThat(find("#hot-cpu").getText()).isEqualTo("2");
    browser.script("window.notReloaded = true;");

    find("#hotspots a[data-hot=cpu]").click();
    browser.waitFor(d -> hostnames().equals(List.of("busy-1", "busy-2")));
    assertThat(browser.driver.getCurrentUrl()).endsWith("/hosts?hot=cpu");
    assertThat(find("#hot-filter").getText()).isEqualTo("CPU ≥ 80 %");
    assertThat(browser.script("return window.notReloaded === true;")).isEqualTo(true);

    find("#hotspots a[data-hot=memory]").click();
    browser.waitFor(d -> hostnames().equals(List.of("busy-2")));
    find("#clear-filters").click();
    browser.waitFor(d -> hostnames().size() == 4);
    browser.driver.navigate().back();
    browser.waitFor(d -> hostnames().equals(List.of("busy-2")));
  }

  @Test
  void theInventoryTabPagesLongListsAndSearchesAllOfThem() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID org = web.defaultOrg();
    UUID host = aHost("big-box").agent("active").insert(web.jdbi(), org);
    var scans = new SoftwareScans(web.jdbi(), Clock.systemUTC());
    List<InstalledPackage> packages = new ArrayList<>();
    for (int i = 1; i <= 250; i++) {
      packages.add(new InstalledPackage("pkg-" + i, "1." + i, "amd64", "", 0));
    }
    UUID first = scans.queue(org, host);
    scans.start(first, "dpkg");
    List<InstalledPackage> withOld = new ArrayList<>(packages);
    withOld.add(new InstalledPackage("gone-tool", "0.9", "amd64", "", 0));
    scans.complete(scans.find(first).orElseThrow(), "dpkg", withOld);
    UUID second = scans.queue(org, host);
    scans.start(second, "dpkg");
    scans.complete(scans.find(second).orElseThrow(), "dpkg", packages);
    signIn();

    open("/hosts/" + host + "/inventory");
    List<String> names = texts("#packages tbody tr[data-name] td.name");
    assertThat(names).hasSize(100);
    assertThat(names.subList(0, 11))
        .containsExactly(
            "pkg-1", "pkg-2", "pkg-3", "pkg-4", "pkg-5", "pkg-6", "pkg-7", "pkg-8", "pkg-9",
            "pkg-10", "pkg-11");
    assertThat(find("#package-count").getText()).isEqualTo("250 packages · page 1 of 3");
    long pageHeight = (Long) browser.script("return document.documentElement.scrollHeight;");
    assertThat(pageHeight).as("one page, not 250 rows").isLessThan(6000);

    find("#packages-next").click();
    browser.waitFor(d -> texts("#packages tbody td.name").get(0).equals("pkg-101"));
    assertThat(browser.driver.getCurrentUrl()).endsWith("/inventory?page=2");
    assertThat(find("#packages-page").getText()).isEqualTo("Page 2 of 3");

    // the search covers every page and starts at the first
    find("#package-search").sendKeys("pkg-24");
    browser.waitFor(d -> texts("#packages tbody td.name").size() == 11);
    assertThat(texts("#packages tbody td.name")).first().isEqualTo("pkg-24");
    assertThat(find("#package-count").getText()).isEqualTo("11 packages");
    assertThat(browser.driver.getCurrentUrl()).endsWith("/inventory?q=pkg-24");
    assertThat(browser.script("return document.activeElement.id;")).isEqualTo("package-search");

    find("#package-search").clear();
    find("#package-search").sendKeys("no-such-thing");
    browser.waitFor(d -> !d.findElements(By.id("no-packages")).isEmpty());
    assertThat(find("#no-packages").getText()).isEqualTo("No package matches “no-such-thing”.");

    new Actions(browser.driver).sendKeys(Keys.ESCAPE).perform();
    browser.waitFor(d -> find("#package-count").getText().equals("250 packages · page 1 of 3"));

    find("#show-removed").click();
    browser.waitFor(d -> find("#package-count").getText().startsWith("251 packages"));
    assertThat(browser.driver.getCurrentUrl()).endsWith("/inventory?removed=1");
    assertThat(find("#export-csv").getAttribute("href")).endsWith("inventory.csv?removed=1");
    find("#package-search").sendKeys("gone");
    browser.waitFor(d -> texts("#packages tbody td.name").equals(List.of("gone-tool")));
    assertThat(find("#packages tbody tr").getAttribute("class")).contains("removed");
    assertThat(browser.driver.getCurrentUrl()).endsWith("/inventory?q=gone&removed=1");

    // a reload shows the same view
    browser.driver.navigate().refresh();
    browser.waitFor(d -> texts("#packages tbody td.name").equals(List.of("gone-tool")));
    assertThat(find("#package-search").getAttribute("value")).isEqualTo("gone");
    assertThat(find("#show-removed").isSelected()).isTrue();
  }

  @Test
  void addingAUserDefaultsToReadOnlyAndARoleChangeAsksFirst() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID user = web.user(web.defaultOrg(), "eng@example.com", Role.ENGINEER);
    signIn();
    open("/users");
    browser.waitFor(d -> !d.findElements(By.id("user-form")).isEmpty());
    assertThat(browser.script("return document.getElementById('new-user-role').value;"))
        .isEqualTo("read_only");

    String select = "#users tr[data-user='" + user + "'] select[name=role]";
    changeRoleTo(select, "org_admin");
    var question = browser.waitFor(ExpectedConditions.alertIsPresent()::apply);
    assertThat(question.getText()).isEqualTo("Change the role of eng@example.com to Admin?");
    question.dismiss();
    assertThat(find(select).getAttribute("value"))
        .as("the old choice is back")
        .isEqualTo("engineer");
    assertThat(role(user)).isEqualTo("engineer");

    changeRoleTo(select, "read_only");
    browser.waitFor(ExpectedConditions.alertIsPresent()::apply).accept();
    browser.waitFor(d -> !d.findElements(By.id("users-message")).isEmpty());
    assertThat(role(user)).isEqualTo("read_only");
    assertThat(find(select).getAttribute("value")).isEqualTo("read_only");
  }

  /** What a user does with the role menu: focus it, pick another role (the page then asks). */
  private void changeRoleTo(String select, String role) {
    WebElement element = find(select);
    browser.script(
        "var s = arguments[0]; s.focus(); s.value = arguments[1];"
            + " setTimeout(function () { s.dispatchEvent(new Event('change', {bubbles: true})); }, 0);",
        element,
        role);
  }

  private String role(UUID user) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT role FROM users WHERE id = :id")
                    .bind("id", user)
                    .mapTo(String.class)
                    .one());
  }

  @Test
  void anEmptyZoomWindowSaysSoAndTheRateAxisShowsWholeLabels() {
    web = WebFixture.on(db.database());
    web.admin();
    new MetricPartitions(web.jdbi(), 30, Clock.systemUTC()).maintain();
    UUID host = aHost("gappy").insert(web.jdbi(), web.defaultOrg());
    // samples only in the older half of the hour, around 150,000 bytes/s (146.5 KB/s)
    web.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        """
                        INSERT INTO host_metrics (host_id, ts, cpu_percent, memory_percent, disk_percent,
                                                  net_rx_bytes_per_sec, net_tx_bytes_per_sec)
                        SELECT :host, now() - make_interval(secs => s * 30), 30, 40, 50,
                               100000 + 1000 * s, 200000 - 1000 * s
                          FROM generate_series(60, 119) AS s
                        """)
                    .bind("host", host)
                    .execute());
    signIn();
    open("/hosts/" + host + "/metrics");
    browser.waitFor(
        d -> Long.valueOf(1).equals(browser.script("return window.ctopsMetricsLoads;")));
    assertThat(find("#metrics-empty").isDisplayed()).isFalse();

    @SuppressWarnings("unchecked")
    List<Object> axis =
        (List<Object>)
            browser.script(
                """
                var u = window.ctopsCharts[1], a = u.axes[1];
                u.ctx.font = a.font[0];
                var widest = 0;
                a._values.forEach(function (v) {
                  if (v != null) { widest = Math.max(widest, u.ctx.measureText(v).width); }
                });
                return [a._size, widest / (window.devicePixelRatio || 1) + a.ticks.size + a.gap,
                        a._values.join(' ')];
                """);
    assertThat((String) axis.get(2)).contains("KB/s");
    assertThat(((Number) axis.get(0)).doubleValue())
        .as("axis width for labels " + axis.get(2))
        .isGreaterThanOrEqualTo(((Number) axis.get(1)).doubleValue());

    // drag across the newest quarter of the hour, where there is no sample
    WebElement over = browser.driver.findElements(By.cssSelector("#chart-usage .u-over")).get(0);
    int width = over.getSize().getWidth();
    new Actions(browser.driver)
        .moveToElement(over, width / 5, 0)
        .clickAndHold()
        .moveByOffset(width / 4, 0)
        .release()
        .perform();
    browser.waitFor(
        d -> Long.valueOf(2).equals(browser.script("return window.ctopsMetricsLoads;")));
    assertThat((Long) browser.script("return window.ctopsCharts[0].data[0].length;")).isZero();
    assertThat(find("#metrics-empty").isDisplayed()).isTrue();
    assertThat(find("#metrics-empty").getText())
        .startsWith("No data between")
        .endsWith("Reset zoom to go back.");

    find("#reset-zoom").click();
    browser.waitFor(
        d -> Long.valueOf(3).equals(browser.script("return window.ctopsMetricsLoads;")));
    assertThat(find("#metrics-empty").isDisplayed()).isFalse();
  }

  @Test
  void signingInFromADeepLinkOpensThatPage() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID host = aHost("linked").insert(web.jdbi(), web.defaultOrg());
    open("/hosts/" + host + "/metrics?range=24h");
    browser.waitFor(d -> d.getCurrentUrl().contains("/login?next="));
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts/" + host + "/metrics?range=24h"));
    assertThat(find("#host-name").getText()).isEqualTo("linked");
    assertThat(find(".range.active").getText()).isEqualTo("24h");
  }
}
