package io.ctops.server.inventory;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.inventory.InstalledPackage;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Host-to-host compare and the fleet software search. */
@ExtendWith(FreshDatabase.class)
class SoftwarePagesTest {
  private WebFixture web;
  private UUID org;
  private SoftwareScans scans;
  private WebClient admin;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    web.admin();
    org = web.defaultOrg();
    scans = new SoftwareScans(web.jdbi(), Clock.systemUTC());
    admin = web.client();
    admin.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private UUID hostWith(String hostname, InstalledPackage... packages) {
    UUID host = aHost(hostname).agent("active").insert(web.jdbi(), org);
    UUID scan = scans.queue(org, host);
    scans.start(scan, "dpkg");
    scans.complete(scans.find(scan).orElseThrow(), "dpkg", List.of(packages));
    return host;
  }

  private static InstalledPackage pkg(String name, String version) {
    return new InstalledPackage(name, version, "amd64", "Team", 0);
  }

  @Test
  void comparesTwoHostsSideBySide() {
    UUID web1 =
        hostWith("web-1", pkg("bash", "5.2"), pkg("nginx", "1.24"), pkg("openssl", "3.0.11"));
    UUID web2 =
        hostWith("web-2", pkg("bash", "5.2"), pkg("openssl", "3.0.15"), pkg("redis", "7.0"));
    String picker = admin.get("/hosts/" + web1 + "/inventory/compare?q=web").body();
    assertThat(picker).contains("compare?with=" + web2).doesNotContain("compare?with=" + web1);
    String page = admin.get("/hosts/" + web1 + "/inventory/compare?with=" + web2).body();
    assertThat(page)
        .contains("Only on web-1: 1 · only on web-2: 1 · different versions: 1 · same: 1")
        .contains("<details class=\"card\" id=\"same\">")
        .contains("<details class=\"card\" id=\"different\" open>");
    String api = admin.get("/api/v1/hosts/" + web1 + "/packages/diff?with=" + web2).body();
    assertThat(api)
        .contains("\"only_here\":[{\"name\":\"nginx\"")
        .contains(
            "\"different\":[{\"name\":\"openssl\",\"architecture\":\"amd64\",\"here\":\"3.0.11\",\"there\":\"3.0.15\"}]");
    UUID foreign = aHost("foreign").insert(web.jdbi(), web.otherOrg());
    assertThat(admin.get("/hosts/" + web1 + "/inventory/compare?with=" + foreign).statusCode())
        .isEqualTo(404);
    assertThat(admin.get("/api/v1/hosts/" + web1 + "/packages/diff").statusCode()).isEqualTo(400);
  }

  @Test
  void findsWhichHostsHaveAPackage() {
    hostWith("db-1", pkg("openssl", "3.0.11"), pkg("postgresql", "15"));
    hostWith("db-2", pkg("OpenSSL", "3.0.15"));
    hostWith("cache-1", pkg("redis", "7.0"));
    String page = admin.get("/software?name=openssl").body();
    assertThat(page)
        .contains("2 hosts have openssl")
        .contains(">db-1<")
        .contains(">db-2<")
        .doesNotContain(">cache-1<");
    String csv = admin.get("/software.csv?name=openssl").body();
    assertThat(csv.split("\r\n")).hasSize(3);
    assertThat(admin.get("/api/v1/software?name=redis").body())
        .contains("\"hostname\":\"cache-1\"");
    assertThat(admin.get("/api/v1/software").statusCode()).isEqualTo(400);
    assertThat(admin.get("/software?name=openssl&version_from=" + "9".repeat(1025)).statusCode())
        .isEqualTo(400);
    assertThat(admin.get("/software?name=" + "x".repeat(1025)).statusCode()).isEqualTo(400);
  }

  @Test
  void narrowsTheSearchToAVersionRange() {
    hostWith("old-1", pkg("openssl", "3.0.9-1"));
    hostWith("mid-1", pkg("openssl", "3.0.11-1~deb12u2"));
    hostWith("new-1", pkg("openssl", "3.0.15-1"));
    hostWith("epoch-1", pkg("openssl", "1:1.1.1w-0"));
    String page =
        admin.get("/software?name=openssl&version_from=3.0.10&version_before=3.0.15").body();
    assertThat(page)
        .contains("1 host has openssl in the versions asked for")
        .contains(">mid-1<")
        .doesNotContain(">old-1<")
        .doesNotContain(">new-1<")
        .contains(
            "href=\"/software.csv?name=openssl&amp;version_from=3.0.10&amp;version_before=3.0.15\"");
    String below = admin.get("/api/v1/software?name=openssl&version_before=3.0.11").body();
    assertThat(below)
        .contains("\"versions\":{\"from\":\"\",\"before\":\"3.0.11\"}")
        .contains("\"hostname\":\"old-1\"")
        .doesNotContain("mid-1")
        .doesNotContain("epoch-1");
    String csv = admin.get("/software.csv?name=openssl&version_from=1:0").body();
    assertThat(csv.split("\r\n")).hasSize(2);
    assertThat(csv).contains("epoch-1");
  }

  @Test
  void refusesAVersionRangeThatHoldsNoVersion() {
    hostWith("mid-1", pkg("openssl", "3.0.11-1"));
    for (String path :
        List.of(
            "/software?name=openssl&version_from=3.0.15&version_before=3.0.10",
            "/api/v1/software?name=openssl&version_from=3.0.15&version_before=3.0.10",
            "/software.csv?name=openssl&version_from=3.0.11&version_before=3.0.11",
            "/software?name=openssl&version_from=1.10&version_before=1.9")) {
      var answer = admin.get(path);
      assertThat(answer.statusCode()).as(path).isEqualTo(400);
      assertThat(answer.body()).as(path).contains("must be lower than version_before");
    }
    assertThat(
            admin
                .get("/api/v1/software?name=openssl&version_from=1.9&version_before=3.0.12")
                .body())
        .contains("\"hostname\":\"mid-1\"");
  }

  @Test
  void saysSoWhenNoHostHasThePackage() {
    hostWith("db-1", pkg("openssl", "3.0.11"));
    String page = admin.get("/software?name=opensssl").body();
    assertThat(page)
        .contains("0 hosts have opensssl")
        .contains("id=\"software-none\">No host has a package named “opensssl”");
    assertThat(admin.get("/software?name=openssl&version_before=1.0").body())
        .contains("No host has a package named “openssl” in the versions asked for");
    assertThat(admin.get("/software?name=openssl").body()).doesNotContain("software-none");
  }

  @Test
  void listsHoldersInNaturalHostnameOrder() {
    for (String name : List.of("node-10", "node-9", "node-100", "Node-2", "node-1")) {
      hostWith(name, pkg("bash", "5.2"));
    }
    String csv = admin.get("/software.csv?name=bash").body();
    List<String> hosts =
        csv.lines().skip(1).map(line -> line.substring(1, line.indexOf('"', 1))).toList();
    assertThat(hosts).containsExactly("node-1", "Node-2", "node-9", "node-10", "node-100");
  }

  @Test
  void comparesInNaturalNameOrder() {
    UUID left =
        hostWith("left", pkg("lib10", "1"), pkg("lib2", "1"), pkg("Lib3", "1"), pkg("zlib", "1"));
    UUID right = hostWith("right", pkg("zlib", "1"), pkg("lib100", "1"), pkg("lib20", "2"));
    PackageDiff.Diff diff = new PackageDiff(web.jdbi()).compare(left, right);
    assertThat(diff.onlyHere())
        .extracting(PackageDiff.Line::name)
        .containsExactly("lib2", "Lib3", "lib10");
    assertThat(diff.onlyThere())
        .extracting(PackageDiff.Line::name)
        .containsExactly("lib20", "lib100");
    assertThat(diff.same()).extracting(PackageDiff.Line::name).containsExactly("zlib");
    PackageDiff.Diff itself = new PackageDiff(web.jdbi()).compare(left, left);
    assertThat(itself.same()).hasSize(4);
    assertThat(itself.onlyHere()).isEmpty();
  }
}
