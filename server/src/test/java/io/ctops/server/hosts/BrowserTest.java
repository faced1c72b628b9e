package io.ctops.server.hosts;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.inventory.InstalledPackage;
import io.ctops.server.enrolment.AgentHistory;
import io.ctops.server.inventory.SoftwareScans;
import io.ctops.server.metrics.MetricPartitions;
import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.RunningAgent;
import io.ctops.server.testing.WebFixture;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

/** The pages in real headless Chromium against the real web role and database. */
class BrowserTest {
  private static Browser browser;
  @RegisterExtension final FreshDatabase db = new FreshDatabase();
  private WebFixture web;
  private IngestFixture ingest;
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
    // leave the page: its live connections must not outlive this test's server
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

  private void open(String path) {
    browser.driver.get(web.baseUrl() + path);
  }

  /** The element, waiting for it: a page just opened may still be replacing the previous one. */
  private WebElement find(String css) {
    return browser.waitFor(d -> d.findElement(By.cssSelector(css)));
  }

  private List<WebElement> rows() {
    return browser.driver.findElements(By.cssSelector("#hosts tbody tr[data-host]"));
  }

  private List<String> hostnames() {
    return rows().stream()
        .map(r -> r.findElement(By.cssSelector("td.hostname a")).getText())
        .toList();
  }

  private void signIn() {
    open("/login");
    // the previous test's page may still be unloading (SSE, polling): wait for the form
    browser.waitFor(
        d -> d.getCurrentUrl().endsWith("/login") && !d.findElements(By.id("email")).isEmpty());
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));
  }

  @Test
  void setsUpTheFirstAdminThenSignsOutAndBackIn() {
    web = WebFixture.on(db.database());
    open("/");
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/setup"));
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#display-name").sendKeys("Ada Admin");
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#password-repeat").sendKeys(WebFixture.PASSWORD);
    find("#create-admin").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));
    assertThat(find("h1").getText()).isEqualTo("Hosts");
    assertThat(find("#profile-link").getText()).isEqualTo("Ada Admin");

    find("#logout").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/login"));
    open("/hosts");
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/login"));
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys("not the password");
    find("#sign-in").click();
    assertThat(browser.waitFor(d -> find("#form-error")).getText())
        .isEqualTo("Wrong email or password.");
    signIn();
    assertThat(find("#card-total .value").getText()).isEqualTo("0");
  }

  @Test
  void approvingAPendingAgentTurnsItOnlineWithoutAReload() throws Exception {
    ingest = IngestFixture.start(db.url());
    web = WebFixture.on(ingest.database);
    web.admin();
    agent =
        RunningAgent.start(
            ingest, ingest.token(false), Files.createTempDirectory("ctops-browser-agent-"));
    browser.waitFor(
        Duration.ofSeconds(20),
        d -> web.count("SELECT count(*) FROM agents WHERE status = 'pending'") == 1);

    signIn();
    WebElement pendingRow = browser.waitFor(d -> find("#pending-agents tbody tr"));
    String hostname = InetAddress.getLocalHost().getHostName();
    assertThat(pendingRow.getText()).contains("0.1.0-test");
    assertThat(find("#card-pending .value").getText()).isEqualTo("1");
    browser.script("window.notReloaded = true;");

    pendingRow.findElement(By.cssSelector("button.approve")).click();
    assertThat(browser.waitFor(d -> find("#pending-message")).getText()).startsWith("Approved");
    WebElement badge =
        browser.waitFor(
            Duration.ofSeconds(20),
            d -> {
              List<WebElement> badges = d.findElements(By.cssSelector("#hosts td.status .badge"));
              return badges.size() == 1 && badges.get(0).getText().equals("Online")
                  ? badges.get(0)
                  : null;
            });
    assertThat(badge.getAttribute("class")).contains("online");
    assertThat(browser.script("return window.notReloaded === true;")).isEqualTo(true);
    assertThat(hostnames()).hasSize(1);
    assertThat(hostnames().get(0)).isNotBlank();
    assertThat(hostname).isNotBlank();
  }

  @Test
  void statusBadgesFollowIngestTransitionsLive() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID host =
        aHost("live-1").status("online").agent("active").insert(web.jdbi(), web.defaultOrg());
    UUID agentId =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT agent_id FROM hosts WHERE id = :id")
                        .bind("id", host)
                        .mapTo(UUID.class)
                        .one());
    signIn();
    assertThat(find("#badge-" + host).getText()).isEqualTo("Online");
    browser.waitFor(d -> web.web.liveClients() == 1);
    browser.script("window.notReloaded = true;");

    // what ingest does when a stream closes: the transition and its NOTIFY in one transaction
    web.jdbi()
        .useTransaction(
            h -> {
              h.createUpdate("UPDATE hosts SET status = 'offline' WHERE id = :id")
                  .bind("id", host)
                  .execute();
              AgentHistory.record(
                  h, agentId, "offline", "heartbeat stream closed", Clock.systemUTC());
            });
    browser.waitFor(d -> find("#badge-" + host).getText().equals("Offline"));
    assertThat(find("#badge-" + host).getAttribute("class")).contains("offline");
    assertThat(browser.script("return window.notReloaded === true;")).isEqualTo(true);
  }

  @Test
  void searchSortPageSizeOsBarAndClearFiltersChangeTheRows() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID org = web.defaultOrg();
    for (int i = 1; i <= 30; i++) {
      aHost(String.format("web-%02d", i))
          .os("Ubuntu")
          .ips("10.0.1." + i)
          .vitals(i * 2f, 40f, 50f)
          .insert(web.jdbi(), org);
      aHost(String.format("db-%02d", i))
          .os("Debian")
          .ips("10.0.2." + i)
          .vitals(i * 1f, 30f, 20f)
          .insert(web.jdbi(), org);
    }
    aHost("hot-01").os("Debian").vitals(97.5f, 85f, 10f).insert(web.jdbi(), org);
    aHost("quiet-01")
        .os("Debian")
        .vitals(null, null, null)
        .status("offline")
        .insert(web.jdbi(), org);
    signIn();

    assertThat(rows()).hasSize(50);
    assertThat(find("#host-count").getText()).startsWith("62 hosts");
    assertThat(find("#card-total .value").getText()).isEqualTo("62");

    // page size
    new Select(find("#page-size")).selectByValue("25");
    browser.waitFor(d -> rows().size() == 25);
    assertThat(browser.driver.getCurrentUrl()).contains("size=25");
    find("#page-next").click();
    browser.waitFor(d -> find("#page-info").getText().equals("Page 2 of 3"));

    // a filter change returns to page 1
    new Select(find("#status-filter")).selectByValue("online");
    browser.waitFor(d -> find("#host-count").getText().startsWith("61 hosts"));
    assertThat(find("#page-info").getText()).isEqualTo("Page 1 of 3");
    assertThat(browser.driver.getCurrentUrl()).doesNotContain("page=");

    // debounced search over hostnames and IP addresses
    find("#search").sendKeys("10.0.2.1");
    browser.waitFor(d -> rows().size() == 11);
    assertThat(hostnames()).allMatch(h -> h.startsWith("db-"));
    assertThat(browser.driver.getCurrentUrl()).contains("q=10.0.2.1");

    // clear filters: the default view
    find("#clear-filters").click();
    browser.waitFor(d -> rows().size() == 50);
    assertThat(browser.driver.getCurrentUrl()).endsWith("/hosts");

    // sort by CPU: ascending, then descending; NULLs last both ways; >= 80 % in red
    find("th a[data-sort=cpu]").click();
    browser.waitFor(
        d -> d.getCurrentUrl().contains("sort=cpu") && !d.getCurrentUrl().contains("dir=desc"));
    browser.waitFor(d -> hostnames().get(0).equals("db-01"));
    find("th a[data-sort=cpu]").click();
    browser.waitFor(d -> d.getCurrentUrl().contains("dir=desc"));
    browser.waitFor(d -> hostnames().get(0).equals("hot-01"));
    WebElement hotCell = rows().get(0).findElement(By.cssSelector("td.cpu"));
    assertThat(hotCell.getAttribute("class")).contains("hot");
    assertThat(hotCell.getCssValue("color")).isEqualTo("rgba(220, 38, 38, 1)");
    assertThat(rows().get(1).findElement(By.cssSelector("td.cpu")).getAttribute("class"))
        .doesNotContain("hot");
    new Select(find("#page-size")).selectByValue("100");
    browser.waitFor(d -> rows().size() == 62);
    assertThat(hostnames().get(61)).isEqualTo("quiet-01");

    // an OS bar filters the list
    find("#os-breakdown a.os-bar[data-os=Ubuntu]").click();
    browser.waitFor(d -> rows().size() == 30);
    assertThat(rows())
        .allMatch(r -> r.findElement(By.cssSelector("td.os")).getText().startsWith("Ubuntu"));
    assertThat(browser.driver.getCurrentUrl()).contains("os=Ubuntu");

    // Back returns to the previous view
    browser.driver.navigate().back();
    browser.waitFor(d -> d.getCurrentUrl().contains("size=100") && rows().size() == 62);
  }

  @Test
  void metricsChartDrawsPointsAndDragZoomNarrowsItsRange() {
    web = WebFixture.on(db.database());
    web.admin();
    new MetricPartitions(web.jdbi(), 30, Clock.systemUTC()).maintain();
    UUID host = aHost("charted").insert(web.jdbi(), web.defaultOrg());
    web.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        """
                        INSERT INTO host_metrics (host_id, ts, cpu_percent, memory_percent, disk_percent,
                                                  net_rx_bytes_per_sec, net_tx_bytes_per_sec)
                        SELECT :host, now() - make_interval(secs => s * 30), 50 + 40 * sin(s / 10.0),
                               60, 70, 1000 * s, 500 * s
                          FROM generate_series(1, 119) AS s
                        """)
                    .bind("host", host)
                    .execute());
    signIn();
    open("/hosts/" + host + "/metrics");
    browser.waitFor(
        d -> Long.valueOf(1).equals(browser.script("return window.ctopsMetricsLoads;")));
    long points = (Long) browser.script("return window.ctopsCharts[0].data[0].length;");
    assertThat(points).isBetween(100L, 130L);
    double before = range();
    assertThat(before).isBetween(3500.0, 3700.0);

    WebElement over = browser.driver.findElements(By.cssSelector("#chart-usage .u-over")).get(0);
    int width = over.getSize().getWidth();
    new Actions(browser.driver)
        .moveToElement(over, -width / 4, 0)
        .clickAndHold()
        .moveByOffset(width / 3, 0)
        .release()
        .perform();
    browser.waitFor(
        d -> Long.valueOf(2).equals(browser.script("return window.ctopsMetricsLoads;")));
    double zoomed = range();
    assertThat(zoomed).isLessThan(before * 0.5).isGreaterThan(before * 0.2);
    assertThat(find("#reset-zoom").isDisplayed()).isTrue();
    assertThat((Long) browser.script("return window.ctopsCharts[0].data[0].length;")).isPositive();

    find("#reset-zoom").click();
    browser.waitFor(
        d -> Long.valueOf(3).equals(browser.script("return window.ctopsMetricsLoads;")));
    assertThat(range()).isBetween(3500.0, 3700.0);
  }

  @Test
  void anAdminNamesAHostOnItsPageAndABadNameIsRefusedWithTheReason() {
    web = WebFixture.on(db.database());
    web.admin();
    UUID host = aHost("web-12").insert(web.jdbi(), web.defaultOrg());
    signIn();
    open("/hosts/" + host);
    find("#host-display-name").sendKeys("Storefront");
    find("#save-display-name").click();
    browser.waitFor(d -> find("#host-name").getText().equals("Storefront"));
    assertThat(find("#host-hostname").getText()).isEqualTo("web-12");
    assertThat(browser.driver.getTitle()).contains("Storefront");

    find("#host-display-name").clear();
    find("#host-display-name").sendKeys("x".repeat(20) + "\u202e");
    find("#save-display-name").click();
    browser.waitFor(d -> find("#toast").isDisplayed());
    assertThat(find("#toast").getText()).contains("400").contains("control characters");
    open("/hosts/" + host);
    assertThat(find("#host-name").getText()).isEqualTo("Storefront");
  }

  @Test
  void aHostWhoseAgentSendsNoNetworkRatesSaysSoInsteadOfDrawingZero() {
    web = WebFixture.on(db.database());
    web.admin();
    new MetricPartitions(web.jdbi(), 30, Clock.systemUTC()).maintain();
    UUID host = aHost("field-agent").insert(web.jdbi(), web.defaultOrg());
    web.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        """
                        INSERT INTO host_metrics (host_id, ts, cpu_percent, memory_percent, disk_percent)
                        SELECT :host, now() - make_interval(secs => s * 30), 20, 30, 40
                          FROM generate_series(1, 10) AS s
                        """)
                    .bind("host", host)
                    .execute());
    signIn();
    open("/hosts/" + host + "/metrics");
    browser.waitFor(
        d -> Long.valueOf(1).equals(browser.script("return window.ctopsMetricsLoads;")));

    assertThat(find("#network-absent").isDisplayed()).isTrue();
    assertThat(find("#network-absent").getText()).contains("No data from this agent version");
    assertThat(find("#chart-network").isDisplayed()).isFalse();
    assertThat(find("#chart-usage").isDisplayed()).isTrue();
  }

  @Test
  void theInventoryTabRescansSearchesShowsRemovedAndCompares() throws Exception {
    ingest = IngestFixture.start(db.url());
    web = WebFixture.on(ingest.database);
    web.admin();
    agent =
        RunningAgent.start(
            ingest, ingest.token(true), Files.createTempDirectory("ctops-browser-agent-"));
    browser.waitFor(
        Duration.ofSeconds(30),
        d -> web.count("SELECT count(*) FROM hosts WHERE status = 'online'") == 1);
    UUID host =
        web.jdbi().withHandle(h -> h.createQuery("SELECT id FROM hosts").mapTo(UUID.class).one());
    UUID org = web.defaultOrg();
    // a second host with a small, known package list to compare with
    UUID other = aHost("reference").agent("active").insert(web.jdbi(), org);
    var scans = new SoftwareScans(web.jdbi(), Clock.systemUTC());
    UUID seeded = scans.queue(org, other);
    scans.start(seeded, "dpkg");
    scans.complete(
        scans.find(seeded).orElseThrow(),
        "dpkg",
        List.of(new InstalledPackage("only-on-reference", "1", "amd64", "", 0)));
    boolean hasDpkg = Files.exists(Path.of("/var/lib/dpkg/status"));

    signIn();
    open("/hosts/" + host + "/inventory");
    // registration queued the first scan of the new host; wait until it has landed
    waitForScanResult();
    if (hasDpkg) {
      // Rescan: progress shows, then the page reloads by itself once the agent's scan is in
      find("#rescan").click();
      browser.waitFor(d -> !d.findElements(By.id("scan-progress")).isEmpty());
      browser.waitFor(
          Duration.ofSeconds(60),
          d ->
              d.findElements(By.id("scan-progress")).isEmpty()
                  && !d.findElements(By.id("scan-last")).isEmpty());
      assertThat(
              web.count(
                  "SELECT count(*) FROM software_scans WHERE host_id = '"
                      + host
                      + "' AND status = 'completed'"))
          .isEqualTo(2);
    }
    if (!hasDpkg) {
      return; // no package manager here: the scan failed and says so; nothing more to look at
    }
    int all = browser.driver.findElements(By.cssSelector("#packages tbody tr[data-name]")).size();
    assertThat(all).isPositive();
    find("#package-search").sendKeys("libc");
    browser.waitFor(
        d -> {
          List<WebElement> visible =
              d.findElements(By.cssSelector("#packages tbody tr[data-name]")).stream()
                  .filter(WebElement::isDisplayed)
                  .toList();
          return !visible.isEmpty()
              && visible.size() < all
              && visible.stream().allMatch(r -> r.getAttribute("data-name").contains("libc"));
        });
    assertThat(find("#export-csv").getAttribute("href"))
        .endsWith("/hosts/" + host + "/inventory.csv");
    // the search stays when removed packages are shown too
    find("#show-removed").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("?q=libc&removed=1"));
    assertThat(find("#export-csv").getAttribute("href")).endsWith("inventory.csv?removed=1");

    find("#compare").click();
    browser.waitFor(d -> d.getCurrentUrl().contains("/inventory/compare"));
    find("#compare-search").sendKeys("refer");
    find("#compare-search").submit();
    browser.waitFor(d -> !d.findElements(By.cssSelector("#compare-candidates a")).isEmpty());
    find("#compare-candidates a").click();
    browser.waitFor(d -> !d.findElements(By.id("compare-counts")).isEmpty());
    assertThat(find("#compare-counts").getText())
        .contains("only on reference: 1")
        .contains("same: 0");
    assertThat(find("#same").getAttribute("open")).isNull();
    assertThat(find("#only-there").getText()).contains("only-on-reference");
  }

  private void waitForScanResult() throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (browser.driver.findElements(By.id("scan-last")).isEmpty()
        && browser.driver.findElements(By.id("scan-error")).isEmpty()) {
      assertThat(System.currentTimeMillis()).as("a scan result within 60 s").isLessThan(deadline);
      Thread.sleep(1000);
      browser.driver.navigate().refresh();
    }
  }

  private double range() {
    return ((Number)
            browser.script("var s = window.ctopsCharts[0].scales.x; return s.max - s.min;"))
        .doubleValue();
  }

  static Instant now() {
    return Instant.now();
  }
}
