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
 * A host's Certificates tab through the real web app: its certificates soonest to expire first with
 * their status, chain, private key and where each was found, its last discovery scan (or why there
 * is none), Rescan for those who may act on the host, and the organisation's "expiring" days that
 * decide the statuses.
 */
@ExtendWith(FreshDatabase.class)
class CertificatePagesTest {
  private static final Pattern ROW = Pattern.compile("data-fingerprint=\"([0-9a-f]{64})\"");

  private WebFixture web;
  private WebClient admin;
  private UUID org;
  private UUID web1;
  private UUID web2;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    org = web.defaultOrg();
    web1 = aHost("web-1").agent("active").insert(web.jdbi(), org);
    web2 = aHost("web-2").agent("active").insert(web.jdbi(), org);
    admin = web.signedInAdmin();
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private String tab(WebClient client, UUID host) {
    HttpResponse<String> response = client.get("/hosts/" + host + "/certificates");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body();
  }

  private static List<String> rows(String page) {
    List<String> fingerprints = new ArrayList<>();
    Matcher matcher = ROW.matcher(page);
    while (matcher.find()) {
      fingerprints.add(matcher.group(1).substring(0, 1));
    }
    return fingerprints;
  }

  private UUID certificateCheck(String name) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "INSERT INTO checks (org_id, name, check_type, config, interval_seconds,"
                            + " selector) VALUES (:org, :name, 'certificate',"
                            + " '{\"host\": \"api.example.test\", \"port\": 443}', 300,"
                            + " '{\"kind\": \"all\"}') RETURNING id")
                    .bind("org", org)
                    .bind("name", name)
                    .mapTo(UUID.class)
                    .one());
  }

  @Test
  void aHostsTabListsItsCertificatesSoonestToExpireFirstSayingWhatEachIsAndWhereItWasFound() {
    UUID check = certificateCheck("api <b>cert</b>");
    aCertificate('c')
        .on(web1)
        .file("/etc/ssl/fine.pem")
        .subject("CN=fine.example.test,O=Example")
        .expiresIn(Duration.ofDays(300).plusHours(1))
        .privateKey("does_not_match")
        .insert(web.jdbi());
    aCertificate('a')
        .on(web1)
        .file("/etc/ssl/old.pem")
        .subject("CN=old.example.test")
        .expiresIn(Duration.ofDays(-2).minusHours(1))
        .privateKey("matches")
        .selfSigned()
        .insert(web.jdbi());
    aCertificate('b')
        .on(web1)
        .tls("127.0.0.1:443")
        .subject("CN=www.example.test,O=Example")
        .sans("www.example.test", "a.example.test", "b.example.test", "c.example.test", "d.test")
        .expiresIn(Duration.ofDays(10).plusHours(1))
        .insert(web.jdbi());
    aCertificate('e')
        .on(web1)
        .tls("127.0.0.1:443")
        .chainPosition(1)
        .subject("CN=Example Intermediate,O=Example")
        .expiresIn(Duration.ofDays(400))
        .insert(web.jdbi());
    aCertificate('d')
        .on(web1)
        .byCheck(check, "api.example.test:443")
        .subject("CN=api.example.test")
        .expiresIn(Duration.ofDays(200))
        .insert(web.jdbi());
    CertificateSeed.scan(web.jdbi(), web1, Duration.ofMinutes(5), 4, 120, 3, 4);

    String page = tab(admin, web1);

    assertThat(rows(page)).containsExactly("a", "b", "d", "c", "e");
    assertThat(page)
        .contains("id=\"tab-certificates\"")
        .contains("class=\"badge cert-expired\">expired<", "expired 2 days ago")
        .contains("class=\"badge cert-expiring\">expiring<", "expires in 10 days")
        .contains("class=\"badge cert-valid\">valid<", "expires in 300 days")
        .contains(">old.example.test<", "self-signed")
        .contains(">www.example.test<", "2 more names", "c.example.test, d.test")
        .contains("issuer of www.example.test")
        .contains("RSA 2048", "SHA256withRSA")
        .contains("Scanned 5m ago: 120 files, 3 skipped, 4 services")
        .contains("Rescan now");
    // an agent's or a check's text is text, never markup
    assertThat(page)
        .contains(
            "found by the check <a href=\"/checks/" + check + "\">api &lt;b&gt;cert&lt;/b&gt;")
        .doesNotContain("<b>cert</b>");
    assertThat(page).contains("id=\"key-mismatch-warning\"", ">does not match<");
    assertThat(page)
        .contains("title=\"" + "c".repeat(64) + "\">" + "c".repeat(16) + "…</code>")
        .contains("data-copy=\"" + "c".repeat(64) + "\"");
  }

  @Test
  void anEmptyTabSaysWhetherTheAgentScannedAndWhereCertificatesComeFromOtherwise() {
    String never = tab(admin, web2);
    assertThat(never)
        .contains("Not scanned by the agent yet.")
        .contains("certificates come only from certificate and cert_file checks")
        .contains("id=\"no-host-certificates\"", "No certificates known on this host yet")
        .doesNotContain("id=\"host-certificate-table\"");

    CertificateSeed.scan(web.jdbi(), web2, Duration.ofHours(2), 0, 40, 0, 2);

    assertThat(tab(admin, web2))
        .contains("Scanned 2h ago: 40 files, 0 skipped, 2 services")
        .contains("The agent's last scan found no certificate")
        .doesNotContain("Not scanned by the agent yet");
  }

  private int scanTasks(UUID host) {
    return web.count(
        "SELECT count(*) FROM tasks WHERE type = 'certificate_scan' AND host_id = '" + host + "'");
  }

  @Test
  void rescanQueuesACertificateScanForEngineersAndShowsItUnderWayButNotForReadOnlyUsers() {
    web.user(org, "engineer@example.com", Role.ENGINEER);
    WebClient engineer = web.client();
    engineer.signIn("engineer@example.com", WebFixture.PASSWORD);
    web.user(org, "viewer@example.com", Role.READ_ONLY);
    WebClient viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);

    assertThat(tab(viewer, web1)).doesNotContain("rescan-certificates");
    assertThat(viewer.post("/hosts/" + web1 + "/certificates/rescan", Map.of()).statusCode())
        .isEqualTo(403);
    assertThat(scanTasks(web1)).isZero();

    HttpResponse<String> queued =
        engineer.post("/hosts/" + web1 + "/certificates/rescan", Map.of());
    assertThat(queued.statusCode()).as(queued.body()).isEqualTo(303);
    assertThat(queued.headers().firstValue("Location"))
        .hasValue("/hosts/" + web1 + "/certificates");
    assertThat(scanTasks(web1)).isEqualTo(1);
    assertThat(
            web.count(
                "SELECT count(*) FROM audit_entries WHERE action = 'task.request'"
                    + " AND parameters->>'type' = 'certificate_scan'"))
        .isEqualTo(1);
    assertThat(tab(engineer, web1))
        .contains("id=\"rescan-progress\"", "Rescan queued…")
        .doesNotContain("id=\"rescan-certificates\"");

    // the htmx button gets the tab's live part back, the new scan under way in it
    HttpResponse<String> fragment =
        engineer.postRaw(
            "/hosts/" + web2 + "/certificates/rescan",
            Map.of("_csrf", engineer.csrf()),
            "HX-Request",
            "true");
    assertThat(fragment.statusCode()).isEqualTo(200);
    assertThat(fragment.body())
        .contains("<section class=\"card\" id=\"host-certificates\"", "id=\"rescan-progress\"")
        .doesNotContain("<html");

    // an agent that cannot scan fails the task with its reason, shown until a scan lands
    web.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "UPDATE tasks SET state = 'failed', finished_at = now(), error = ?"
                        + " WHERE host_id = ?",
                    "unknown task type certificate_scan",
                    web1));
    assertThat(tab(engineer, web1))
        .contains("id=\"rescan-failed\"", "Rescan failed")
        .contains("unknown task type certificate_scan")
        .contains("id=\"rescan-certificates\"");

    web.jdbi().useHandle(h -> h.execute("UPDATE hosts SET deleted_at = now() WHERE id = ?", web2));
    assertThat(admin.post("/hosts/" + web2 + "/certificates/rescan", Map.of()).statusCode())
        .isEqualTo(409);
  }

  @Test
  void aUserLimitedToGroupsRescansOnlyWhereTheirGroupRoleAllows() {
    UUID web3 = aHost("web-3").agent("active").insert(web.jdbi(), org);
    UUID engineers = group("web", web1);
    UUID readers = group("db", web2);
    UUID id = web.user(org, "mixed@example.com", Role.READ_ONLY);
    new UserScopes(web.jdbi())
        .scopeToGroups(
            org, id, Map.of(engineers, Role.ENGINEER, readers, Role.READ_ONLY), Actor.system("t"));
    WebClient mixed = web.client();
    mixed.signIn("mixed@example.com", WebFixture.PASSWORD);

    assertThat(tab(mixed, web1)).contains("id=\"rescan-certificates\"");
    assertThat(tab(mixed, web2)).doesNotContain("id=\"rescan-certificates\"");
    assertThat(mixed.post("/hosts/" + web1 + "/certificates/rescan", Map.of()).statusCode())
        .isEqualTo(303);
    assertThat(mixed.post("/hosts/" + web2 + "/certificates/rescan", Map.of()).statusCode())
        .isEqualTo(403);
    assertThat(mixed.post("/hosts/" + web3 + "/certificates/rescan", Map.of()).statusCode())
        .isEqualTo(404);
    assertThat(mixed.get("/hosts/" + web3 + "/certificates").statusCode()).isEqualTo(404);
    assertThat(scanTasks(web1)).isEqualTo(1);
    assertThat(scanTasks(web2) + scanTasks(web3)).isZero();
  }

  private UUID group(String name, UUID... members) {
    return web.jdbi()
        .inTransaction(
            h -> {
              UUID id =
                  HostGroups.create(
                      h,
                      org,
                      Actor.system("t"),
                      new HostGroups.GroupSpec(name, "", false, GroupRule.NONE));
              HostGroups.addMembers(h, org, Actor.system("t"), id, List.of(members));
              return id;
            });
  }

  private int expiringDays() {
    return web.count(
        "SELECT certificate_expiring_days FROM organisations WHERE id = '" + org + "'");
  }

  @Test
  void theExpiringSettingDecidesWhatShowsAsExpiringAndRefusesDaysOutsideOneTo365() {
    aCertificate('f').on(web1).expiresIn(Duration.ofDays(40)).insert(web.jdbi());
    assertThat(tab(admin, web1)).contains("class=\"badge cert-valid\">valid<");
    assertThat(admin.get("/certificates").body()).contains("id=\"count-valid\"");
    assertThat(admin.get("/users").body())
        .contains("id=\"certificate-expiring-days\"", "value=\"30\"");

    HttpResponse<String> saved =
        admin.post("/settings/certificate-expiring-days", Map.of("days", "60"));

    assertThat(saved.statusCode()).isEqualTo(200);
    assertThat(saved.body()).contains("Certificates now show as expiring 60 days ahead");
    assertThat(expiringDays()).isEqualTo(60);
    assertThat(tab(admin, web1)).contains("class=\"badge cert-expiring\">expiring<");
    assertThat(admin.get("/certificates?status=expiring").body()).contains("f".repeat(64));
    assertThat(
            web.count(
                "SELECT count(*) FROM audit_entries WHERE action = 'org.settings_change'"
                    + " AND parameters->>'setting' = 'certificate_expiring_days'"))
        .isEqualTo(1);

    for (String refused : List.of("0", "400", "soon", "")) {
      HttpResponse<String> answer =
          admin.post("/settings/certificate-expiring-days", Map.of("days", refused));
      assertThat(answer.statusCode()).as(refused).isEqualTo(400);
      assertThat(answer.body()).as(refused).contains("1 to 365");
    }
    assertThat(expiringDays()).isEqualTo(60);
    web.user(org, "engineer@example.com", Role.ENGINEER);
    WebClient engineer = web.client();
    engineer.signIn("engineer@example.com", WebFixture.PASSWORD);
    assertThat(
            engineer.post("/settings/certificate-expiring-days", Map.of("days", "7")).statusCode())
        .isEqualTo(403);
    assertThat(expiringDays()).isEqualTo(60);
  }
}
