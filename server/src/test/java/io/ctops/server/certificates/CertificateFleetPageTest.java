package io.ctops.server.certificates;

import static io.ctops.server.certificates.CertificateSeed.aCertificate;
import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.UserScopes;
import io.ctops.server.groups.GroupRule;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fleet's Certificates page through the real web app: each certificate once with the hosts and
 * places that hold it, soonest to expire first, counted by status; filtered by status, issuer and
 * the shared host selector (and exported as CSV with the same filter); paged; and, for a user
 * limited to groups, only their hosts' places.
 */
@ExtendWith(FreshDatabase.class)
class CertificateFleetPageTest {
  private static final Pattern ROW =
      Pattern.compile("class=\"fleet-certificate\" data-fingerprint=\"([0-9a-f]{64})\"");
  private static final Actor SEEDER = Actor.system("test seed");

  private WebFixture web;
  private WebClient admin;
  private UUID org;
  private UUID web1;
  private UUID web2;
  private UUID db1;
  private UUID webGroup;
  private UUID dbGroup;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    org = web.defaultOrg();
    web1 = aHost("web-1").agent("active").insert(web.jdbi(), org);
    web2 = aHost("web-2").agent("active").insert(web.jdbi(), org);
    db1 = aHost("db-1").agent("active").insert(web.jdbi(), org);
    web.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "UPDATE hosts SET operator_tags = '{\"env\": \"prod\"}' WHERE id = ?", db1));
    webGroup = group("web servers", web1, web2);
    dbGroup = group("databases", db1);
    // the wildcard on both web hosts (two places on web-1); an expired one on db-1; a fine one
    aCertificate('a')
        .on(web1)
        .file("/etc/ssl/wild.pem")
        .subject("CN=*.example.test")
        .expiresIn(Duration.ofDays(10))
        .insert(web.jdbi());
    aCertificate('a')
        .on(web1)
        .tls("127.0.0.1:443")
        .subject("CN=*.example.test")
        .expiresIn(Duration.ofDays(10))
        .insert(web.jdbi());
    aCertificate('a')
        .on(web2)
        .tls("10.0.0.2:443")
        .subject("CN=*.example.test")
        .expiresIn(Duration.ofDays(10))
        .insert(web.jdbi());
    aCertificate('b')
        .on(db1)
        .file("/etc/pg/server.crt")
        .subject("CN=db.example.test")
        .issuer("CN=Old Internal CA")
        .expiresIn(Duration.ofDays(-3))
        .selfSigned()
        .insert(web.jdbi());
    aCertificate('c')
        .on(web2)
        .file("/etc/ssl/fine.pem")
        .subject("CN=fine.example.test")
        .expiresIn(Duration.ofDays(300))
        .insert(web.jdbi());
    admin = web.signedInAdmin();
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private UUID group(String name, UUID... members) {
    return web.jdbi()
        .inTransaction(
            h -> {
              UUID id =
                  HostGroups.create(
                      h, org, SEEDER, new HostGroups.GroupSpec(name, "", false, GroupRule.NONE));
              HostGroups.addMembers(h, org, SEEDER, id, List.of(members));
              return id;
            });
  }

  private static String page(WebClient client, String path) {
    HttpResponse<String> response = client.get(path);
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return response.body();
  }

  /** The page's certificates, each by the letter its fingerprint repeats. */
  private static List<String> rows(String page) {
    List<String> letters = new ArrayList<>();
    Matcher matcher = ROW.matcher(page);
    while (matcher.find()) {
      letters.add(matcher.group(1).substring(0, 1));
    }
    return letters;
  }

  private static String count(String page, String status) {
    Matcher matcher =
        Pattern.compile("id=\"count-" + status + "\">.*?<span class=\"value\">(\\d+)</span>")
            .matcher(page);
    assertThat(matcher.find()).as("the " + status + " count").isTrue();
    return matcher.group(1);
  }

  @Test
  void eachCertificateShowsOnceSoonestToExpireFirstWithItsHostsPlacesAndCounts() {
    String page = page(admin, "/certificates");

    assertThat(rows(page)).containsExactly("b", "a", "c");
    assertThat(count(page, "expired")).isEqualTo("1");
    assertThat(count(page, "expiring")).isEqualTo("1");
    assertThat(count(page, "valid")).isEqualTo("1");
    assertThat(page)
        .contains("id=\"nav-certificates\"", "3 certificates")
        .contains(">*.example.test<", ">db.example.test<", "self-signed", ">Old Internal CA<")
        .contains("<td class=\"num hosts\">2</td>")
        .contains("href=\"/hosts/" + web1 + "/certificates\" class=\"place-host\">web-1</a>")
        .contains("href=\"/hosts/" + web2 + "/certificates\" class=\"place-host\">web-2</a>")
        .contains("/etc/ssl/wild.pem", "127.0.0.1:443", "10.0.0.2:443")
        .contains("expired 3 days ago")
        .doesNotContain("more</summary>");
  }

  @Test
  void placesPastTheFirstFewFoldUnderAndNMore() {
    for (String port : List.of("8443", "9443", "10443")) {
      aCertificate('a')
          .on(web2)
          .tls("10.0.0.2:" + port)
          .expiresIn(Duration.ofDays(10))
          .insert(web.jdbi());
    }

    String page = page(admin, "/certificates?status=expiring");

    assertThat(page).contains("and 3 more</summary>", "10.0.0.2:9443");
    assertThat(page.indexOf("10.0.0.2:9443")).isGreaterThan(page.indexOf("and 3 more"));
  }

  @Test
  void theFilterNarrowsByStatusIssuerGroupAndTagsAndTheCsvCarriesIt() {
    assertThat(rows(page(admin, "/certificates?status=expired"))).containsExactly("b");
    assertThat(rows(page(admin, "/certificates?status=valid"))).containsExactly("c");
    assertThat(rows(page(admin, "/certificates?issuer=old+internal"))).containsExactly("b");
    String byGroup = page(admin, "/certificates?selector_kind=group&selector_group=" + webGroup);
    assertThat(rows(byGroup)).containsExactly("a", "c");
    assertThat(count(byGroup, "expired")).isEqualTo("0");
    assertThat(byGroup).contains("<option value=\"" + webGroup + "\" selected>web servers");
    assertThat(rows(page(admin, "/certificates?selector_kind=tags&selector_tags=env:prod")))
        .containsExactly("b");
    assertThat(rows(page(admin, "/certificates?selector_kind=host&selector_host=WEB-2")))
        .containsExactly("a", "c");
    // the API's names for the same filter work too, and the form shows them as its own fields
    String apiNames = page(admin, "/certificates?group=" + dbGroup + "&status=expired");
    assertThat(rows(apiNames)).containsExactly("b");
    assertThat(apiNames)
        .contains("<option value=\"group\" selected>")
        .contains(
            "href=\"/certificates.csv?status=expired&amp;selector_kind=group&amp;selector_group="
                + dbGroup
                + "\"");

    HttpResponse<String> csv =
        admin.get("/certificates.csv?status=expired&selector_kind=group&selector_group=" + dbGroup);
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
    assertThat(csv.body().lines().toList()).hasSize(2);
    assertThat(csv.body().lines().toList().get(1))
        .startsWith("\"" + "b".repeat(64) + "\",\"CN=db.example.test\"")
        .contains("db-1 /etc/pg/server.crt");
  }

  @Test
  void aFilterItCannotReadIsShownBesideTheFormAsTyped() {
    HttpResponse<String> status = admin.get("/certificates?status=soon&issuer=Let%27s");
    assertThat(status.statusCode()).isEqualTo(400);
    assertThat(status.body())
        .contains("id=\"filter-error\">status is one of valid, expiring, expired<")
        .contains("id=\"certificate-issuer\" value=\"Let&#39;s\"")
        .contains("id=\"certificate-filters\"")
        .doesNotContain("data-fingerprint", "id=\"certificates-csv\"");

    HttpResponse<String> host = admin.get("/certificates?selector_kind=host&selector_host=nope");
    assertThat(host.statusCode()).isEqualTo(400);
    assertThat(host.body())
        .contains("id=\"filter-error\">no host is named \"nope\"<", "value=\"nope\"")
        .doesNotContain("id=\"certificate-counts\"");
    assertThat(admin.get("/certificates?selector_kind=tags&selector_tags=").statusCode())
        .isEqualTo(400);
    assertThat(
            admin
                .get("/certificates?selector_kind=group&selector_group=" + UUID.randomUUID())
                .statusCode())
        .isEqualTo(400);
    assertThat(admin.get("/certificates.csv?status=soon").statusCode()).isEqualTo(400);
  }

  @Test
  void aLongListPagesAndEachPageKeepsTheFilter() {
    UUID many = aHost("many-1").agent("active").insert(web.jdbi(), org);
    web.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "INSERT INTO host_certificates (host_id, source, location, fingerprint,"
                        + " subject, issuer, not_after, seen_at)"
                        + " SELECT ?, 'file', '/etc/ssl/' || n || '.pem',"
                        + " lpad(to_hex(n), 64, 'e'), 'CN=n' || n, 'CN=Bulk CA',"
                        + " now() + make_interval(days => 100 + n), now()"
                        + " FROM generate_series(1, 55) AS n",
                    many));

    String first = page(admin, "/certificates?issuer=bulk");
    assertThat(rows(first)).hasSize(CertificatePages.PAGE_SIZE);
    assertThat(first)
        .contains("55 certificates · page 1 of 2")
        .contains("href=\"/certificates?issuer=bulk&amp;page=2\" id=\"certificates-next\"");

    String second = page(admin, "/certificates?issuer=bulk&page=2");
    assertThat(rows(second)).hasSize(5);
    assertThat(second).contains(">n55<").doesNotContain(">n1<");
    assertThat(second).contains("href=\"/certificates?issuer=bulk\" id=\"certificates-prev\"");
  }

  @Test
  void aUserLimitedToAGroupSeesOnlyItsHostsPlacesAndCounts() {
    UUID id = web.user(org, "scoped@example.com", Role.READ_ONLY);
    new UserScopes(web.jdbi()).scopeToGroups(org, id, Map.of(dbGroup, Role.ENGINEER), SEEDER);
    aCertificate('a')
        .on(db1)
        .tls("10.0.0.9:5432")
        .expiresIn(Duration.ofDays(10))
        .insert(web.jdbi());
    WebClient scoped = web.client();
    scoped.signIn("scoped@example.com", WebFixture.PASSWORD);

    String page = page(scoped, "/certificates");

    assertThat(rows(page)).containsExactly("b", "a");
    assertThat(page)
        .contains("class=\"place-host\">db-1</a>", "10.0.0.9:5432")
        .doesNotContain("web-1", "web-2", "/etc/ssl/wild.pem", "fine.example.test")
        .doesNotContain("web servers");
    assertThat(count(page, "valid")).isEqualTo("0");
    assertThat(scoped.get("/certificates.csv").body()).doesNotContain("web-1", "web-2");
    assertThat(
            scoped.get("/certificates?selector_kind=group&selector_group=" + webGroup).statusCode())
        .isEqualTo(400);
  }
}
