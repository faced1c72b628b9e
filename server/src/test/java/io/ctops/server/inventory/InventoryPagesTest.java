package io.ctops.server.inventory;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.inventory.InstalledPackage;
import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Inventory tab, its CSV export, Rescan and the packages API. */
@ExtendWith(FreshDatabase.class)
class InventoryPagesTest {
  private WebFixture web;
  private UUID org;
  private UUID host;
  private SoftwareScans scans;
  private WebClient admin;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    web.admin();
    org = web.defaultOrg();
    host = aHost("pkg-host").agent("active").insert(web.jdbi(), org);
    scans = new SoftwareScans(web.jdbi(), Clock.systemUTC());
    admin = web.client();
    admin.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private void scan(List<InstalledPackage> packages) {
    UUID id = scans.queue(org, host);
    scans.start(id, "dpkg");
    scans.complete(scans.find(id).orElseThrow(), "dpkg", packages);
  }

  private static InstalledPackage pkg(String name, String publisher) {
    return new InstalledPackage(name, "1.0", "amd64", publisher, 1_700_000_000L);
  }

  @Test
  void showsPackagesHidesRemovedOnesAndExportsSafeCsv() {
    scan(
        List.of(
            pkg("bash", "Shell team"),
            pkg("<b>bold</b>", "=HYPERLINK(\"http://x\")"),
            pkg("curl", "-curl team")));
    scan(List.of(pkg("bash", "Shell team"), pkg("<b>bold</b>", "=HYPERLINK(\"http://x\")")));

    String tab = admin.get("/hosts/" + host + "/inventory").body();
    assertThat(tab)
        .contains(">bash<")
        .contains("&lt;b&gt;bold&lt;/b&gt;")
        .doesNotContain("<b>bold</b>");
    assertThat(tab).doesNotContain(">curl<").contains("2 packages").contains("id=\"rescan\"");
    assertThat(tab).contains("Last completed scan").doesNotContain("id=\"scan-stale\"");
    String withRemoved = admin.get("/hosts/" + host + "/inventory?removed=1").body();
    assertThat(withRemoved).contains(">curl<").contains("class=\"removed\"").contains("3 packages");

    HttpResponse<String> csv = admin.get("/hosts/" + host + "/inventory.csv?removed=1");
    assertThat(csv.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
    String[] lines = csv.body().split("\r\n");
    assertThat(lines[0]).startsWith("\"name\",\"version\",\"architecture\"");
    assertThat(csv.body())
        .contains("\"'=HYPERLINK(\"\"http://x\"\")\"")
        .contains("\"'-curl team\"");
    assertThat(lines).hasSize(4);

    String api = admin.get("/api/v1/hosts/" + host + "/packages").body();
    assertThat(api)
        .contains("\"name\":\"bash\"")
        .contains("\"stale\":false")
        .doesNotContain("\"name\":\"curl\"");
  }

  @Test
  void rescanQueuesOneScanAndShowsItsProgress() {
    HttpResponse<String> first =
        admin.postRaw(
            "/hosts/" + host + "/rescan",
            Map.of(),
            "HX-Request",
            "true",
            "X-CSRF-Token",
            admin.csrf());
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body())
        .contains("id=\"scan-progress\"")
        .contains("Scan queued")
        .contains("every 2s");
    admin.postRaw(
        "/hosts/" + host + "/rescan", Map.of(), "HX-Request", "true", "X-CSRF-Token", admin.csrf());
    assertThat(web.count("SELECT count(*) FROM software_scans")).isEqualTo(1);
    assertThat(admin.postRaw("/hosts/" + host + "/rescan", Map.of()).statusCode()).isEqualTo(403);
    HttpResponse<String> viaApi = admin.post("/api/v1/hosts/" + host + "/rescan", Map.of());
    assertThat(viaApi.statusCode()).isEqualTo(202);
    assertThat(viaApi.body()).contains("\"host_id\":\"" + host + "\"").contains("\"scan_id\":\"");
    assertThat(web.count("SELECT count(*) FROM software_scans")).isEqualTo(1);

    // once the scan lands, the polling fragment asks for a reload
    UUID id =
        web.jdbi()
            .withHandle(
                h -> h.createQuery("SELECT id FROM software_scans").mapTo(UUID.class).one());
    scans.start(id, "dpkg");
    scans.complete(scans.find(id).orElseThrow(), "dpkg", List.of(pkg("zsh", "Shell team")));
    HttpResponse<String> poll =
        admin.get("/hosts/" + host + "/inventory/scan?waiting=1", "HX-Request", "true");
    assertThat(poll.headers().firstValue("HX-Refresh")).hasValue("true");
  }

  @Test
  void warnsWhenTheLastScanIsOlderThanTheInterval() {
    scan(List.of(pkg("bash", "Shell team")));
    web.jdbi()
        .useHandle(h -> h.execute("UPDATE organisations SET inventory_scan_interval_hours = 1"));
    web.jdbi()
        .useHandle(
            h -> h.execute("UPDATE software_scans SET finished_at = now() - interval '2 hours'"));
    assertThat(admin.get("/hosts/" + host + "/inventory").body())
        .contains("id=\"scan-stale\"")
        .contains("last 1 hours");
  }

  @Test
  void readOnlyUsersLookButDoNotRescanAndOtherOrganisationsSeeNothing() {
    web.user(org, "viewer@example.com", Role.READ_ONLY);
    WebClient viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);
    assertThat(viewer.get("/hosts/" + host + "/inventory").body())
        .contains("pkg-host")
        .doesNotContain("id=\"rescan\"");
    assertThat(viewer.post("/hosts/" + host + "/rescan", Map.of()).statusCode()).isEqualTo(403);
    assertThat(viewer.post("/api/v1/hosts/" + host + "/rescan", Map.of()).statusCode())
        .isEqualTo(403);
    assertThat(web.count("SELECT count(*) FROM software_scans")).isZero();

    UUID foreign = aHost("foreign").insert(web.jdbi(), web.otherOrg());
    assertThat(admin.get("/hosts/" + foreign + "/inventory").statusCode()).isEqualTo(404);
    assertThat(admin.get("/hosts/" + foreign + "/inventory.csv").statusCode()).isEqualTo(404);
    assertThat(admin.get("/api/v1/hosts/" + foreign + "/packages").statusCode()).isEqualTo(404);
    assertThat(admin.post("/hosts/" + foreign + "/rescan", Map.of()).statusCode()).isEqualTo(404);
  }

  @Test
  void pagesThePackageListInNaturalOrderAndRefusesBadPagingParameters() {
    List<InstalledPackage> many = new ArrayList<>();
    for (int i = 1; i <= 120; i++) {
      many.add(pkg("lib" + i, ""));
    }
    scan(many);
    String first = admin.get("/hosts/" + host + "/inventory").body();
    assertThat(first)
        .contains("120 packages · page 1 of 2")
        .contains(">lib9<")
        .contains(">lib100<")
        .doesNotContain(">lib101<")
        .contains("href=\"/hosts/" + host + "/inventory?page=2\"");
    assertThat(first.indexOf(">lib9<")).isLessThan(first.indexOf(">lib10<"));
    String second = admin.get("/hosts/" + host + "/inventory?page=2").body();
    assertThat(second).contains(">lib101<").contains(">lib120<").doesNotContain(">lib100<");
    String searched = admin.get("/hosts/" + host + "/inventory?q=LIB11").body();
    assertThat(searched).contains("11 packages").contains(">lib11<").contains(">lib119<");
    assertThat(admin.get("/hosts/" + host + "/inventory?q=lib_").body())
        .as("LIKE wildcards are searched for literally")
        .contains("0 packages")
        .contains("No package matches");
    // CSV and API still hold every package
    assertThat(admin.get("/hosts/" + host + "/inventory.csv").body().split("\r\n")).hasSize(121);
    assertThat(admin.get("/api/v1/hosts/" + host + "/packages").body()).contains("\"lib120\"");

    for (String bad : List.of("page=0", "page=x", "page=100001", "q=" + "a".repeat(201))) {
      HttpResponse<String> refused = admin.get("/hosts/" + host + "/inventory?" + bad);
      assertThat(refused.statusCode()).as(bad).isEqualTo(400);
    }
  }
}
