package io.ctops.server.checks;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.UserScopes;
import io.ctops.server.groups.GroupRule;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.metrics.MetricPartitions;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
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
 * What checks say on the pages, from states and results as ingest stores them: a host's Checks tab
 * (status, output, last run, strip of results; stale, waiting and "not supported"), the fleet's
 * counts per check and a check's failing hosts, each within what the reader sees.
 */
@ExtendWith(FreshDatabase.class)
class CheckStatusPagesTest {
  private static final Actor SEEDER = Actor.system("test seed");

  private WebFixture web;
  private WebClient admin;
  private UUID org;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    org = web.defaultOrg();
    new MetricPartitions(web.jdbi(), "check_results", 7, Clock.systemUTC()).maintain();
    admin = web.signedInAdmin();
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private UUID check(String name, String type, String config, String selector, boolean enabled) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "INSERT INTO checks (org_id, name, check_type, config, interval_seconds,"
                            + " selector, enabled) VALUES (:org, :name, :type,"
                            + " CAST(:config AS jsonb), 60, CAST(:selector AS jsonb), :enabled)"
                            + " RETURNING id")
                    .bind("org", org)
                    .bind("name", name)
                    .bind("type", type)
                    .bind("config", config)
                    .bind("selector", selector)
                    .bind("enabled", enabled)
                    .mapTo(UUID.class)
                    .one());
  }

  private UUID check(String name, String type, String config) {
    return check(name, type, config, "{\"kind\": \"all\"}", true);
  }

  /** The latest result, as ingest keeps it. */
  private void state(UUID check, UUID host, String status, String output, Instant ranAt) {
    web.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        "INSERT INTO check_states (check_id, host_id, status, output, duration_ms,"
                            + " ran_at, since, consecutive_failures) VALUES (:check, :host,"
                            + " :status, :output, 1250, :ran, CAST(:ran AS timestamptz) - interval '5 minutes',"
                            + " CASE WHEN :status = 'pass' THEN 0 ELSE 4 END)")
                    .bind("check", check)
                    .bind("host", host)
                    .bind("status", status)
                    .bind("output", output)
                    .bind("ran", Timestamp.from(ranAt))
                    .execute());
  }

  private void result(UUID check, UUID host, String status, Instant ranAt) {
    web.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        "INSERT INTO check_results (check_id, host_id, ran_at, status, output,"
                            + " duration_ms) VALUES (:check, :host, :ran, :status, '', 3)")
                    .bind("check", check)
                    .bind("host", host)
                    .bind("status", status)
                    .bind("ran", Timestamp.from(ranAt))
                    .execute());
  }

  /** The row of a check in a page's table. */
  private static String row(String page, UUID check) {
    Matcher matcher =
        Pattern.compile("<tr data-check=\"" + check + "\".*?</tr>", Pattern.DOTALL).matcher(page);
    assertThat(matcher.find()).as("a row for " + check).isTrue();
    return matcher.group();
  }

  @Test
  void aHostsChecksTabShowsEachChecksStatusOutputAndLastResultsOldestFirst() {
    UUID host = aHost("web-1").status("online").insert(web.jdbi(), org);
    Instant now = Instant.now();
    UUID ssh = check("ssh", "port", "{\"port\": 22}");
    UUID site = check("site", "http", "{\"url\": \"https://example.com/\"}");
    UUID backup = check("backup", "file", "{\"path\": \"/var/backup\"}");
    UUID nginx = check("nginx", "process", "{\"process_name\": \"nginx\"}");
    UUID unit = check("unit", "service", "{\"unit\": \"cron.service\"}");
    check("off", "port", "{\"port\": 25}", "{\"kind\": \"all\"}", false);
    UUID other = aHost("web-2").insert(web.jdbi(), org);
    check(
        "elsewhere",
        "port",
        "{\"port\": 80}",
        "{\"kind\": \"host\", \"host_id\": \"" + other + "\"}",
        true);
    state(ssh, host, "pass", "connected in 2 ms", now.minusSeconds(20));
    result(ssh, host, "fail", now.minusSeconds(140));
    result(ssh, host, "error", now.minusSeconds(80));
    result(ssh, host, "pass", now.minusSeconds(20));
    state(site, host, "fail", "<script>alert(1)</script>\nline 2\nline 3", now.minusSeconds(900));
    state(backup, host, "error", "not supported by this agent version (1.2.0)", now);
    state(unit, host, "fail", "inactive (dead)", now.minusSeconds(5));

    String tab = admin.get("/hosts/" + host + "/checks").body();

    assertThat(tab).contains("id=\"tab-checks\"").doesNotContain(">off<", ">elsewhere<");
    String sshRow = row(tab, ssh);
    assertThat(sshRow)
        .contains("class=\"badge check-pass\">pass<", "connected in 2 ms", "1.3 s")
        .containsPattern(">\\d+s ago<");
    assertThat(Pattern.compile("class=\"cell (check-[a-z]+)\"").matcher(sshRow).results())
        .extracting(m -> m.group(1))
        .containsExactly("check-fail", "check-error", "check-pass");
    assertThat(row(tab, site))
        .contains(">stale<")
        .contains("<details class=\"check-output\" id=\"output-" + site + "\">")
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .doesNotContain("<script>alert");
    assertThat(row(tab, backup))
        .contains("class=\"badge check-unsupported\">not supported by this agent version<");
    assertThat(row(tab, nginx)).contains(">waiting<", "never");
    assertThat(row(tab, unit)).contains("class=\"badge check-fail\">fail<", "inactive (dead)");
    assertThat(tab.indexOf(">backup<")).isLessThan(tab.indexOf(">nginx<"));

    // the refresh asks for the list alone
    String refreshed =
        admin
            .get("/hosts/" + host + "/checks", "HX-Request", "true", "HX-Target", "host-checks")
            .body();
    assertThat(refreshed.strip()).startsWith("<section class=\"card\" id=\"host-checks\"");
    assertThat(refreshed).doesNotContain("<html").contains("hx-trigger=\"every 5s\"");
  }

  @Test
  void aHostWithoutChecksSaysSoWithALinkForThoseWhoDefineThem() {
    UUID host = aHost("quiet-1").insert(web.jdbi(), org);
    web.user(org, "viewer@example.com", Role.READ_ONLY);
    WebClient viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);

    assertThat(admin.get("/hosts/" + host + "/checks").body())
        .contains("No checks apply to this host.", "href=\"/checks\" id=\"checks-link\"");
    assertThat(viewer.get("/hosts/" + host + "/checks").body())
        .contains("No checks apply to this host.")
        .doesNotContain("id=\"checks-link\"");
  }

  @Test
  void theFleetCountsHostsByStatusAndACheckListsItsFailingHostsWithinWhatTheReaderSees() {
    Instant now = Instant.now();
    UUID passing = aHost("web-1").insert(web.jdbi(), org);
    UUID failing = aHost("web-2").insert(web.jdbi(), org);
    UUID erring = aHost("db-1").insert(web.jdbi(), org);
    UUID stale = aHost("db-2").insert(web.jdbi(), org);
    aHost("new-1").insert(web.jdbi(), org);
    UUID gone = aHost("gone-1").deleted().insert(web.jdbi(), org);
    UUID webProd =
        web.jdbi()
            .inTransaction(
                h -> {
                  UUID id =
                      HostGroups.create(
                          h,
                          org,
                          SEEDER,
                          new HostGroups.GroupSpec("web-prod", "", false, GroupRule.NONE));
                  HostGroups.addMembers(h, org, SEEDER, id, List.of(passing, failing));
                  return id;
                });
    UUID ssh = check("ssh", "port", "{\"port\": 22}");
    check(
        "web only",
        "port",
        "{\"port\": 443}",
        "{\"kind\": \"group\", \"group_id\": \"" + webProd + "\"}",
        true);
    state(ssh, passing, "pass", "", now);
    state(ssh, failing, "fail", "connection refused", now.minusSeconds(30));
    state(ssh, erring, "error", "no route to host", now);
    state(ssh, stale, "fail", "old news", now.minusSeconds(600));
    state(ssh, gone, "fail", "deleted host", now);

    String fleet = admin.get("/checks").body();
    String sshRow = row(fleet, ssh);
    assertThat(count(sshRow, "passing")).isEqualTo("1");
    assertThat(count(sshRow, "failing")).isEqualTo("1");
    assertThat(count(sshRow, "errors")).isEqualTo("1");
    assertThat(count(sshRow, "stale")).isEqualTo("1");
    assertThat(count(sshRow, "waiting")).isEqualTo("1");
    assertThat(sshRow).contains("class=\"num count failing check-fail\"", "All hosts");
    assertThat(fleet).contains("Group web-prod", "port 443 on 127.0.0.1");

    String page = admin.get("/checks/" + ssh).body();
    assertThat(page)
        .contains("id=\"count-hosts\">5<", "id=\"count-failing\">1<", "id=\"count-errors\">1<")
        .contains("href=\"/hosts/" + failing + "/checks\">web-2</a>", "connection refused")
        .contains("href=\"/hosts/" + erring + "/checks\">db-1</a>", "no route to host")
        .doesNotContain("old news", "deleted host", ">web-1</a>");
    Matcher failingRow =
        Pattern.compile("<tr data-host=\"" + failing + "\">.*?</tr>", Pattern.DOTALL).matcher(page);
    assertThat(failingRow.find()).isTrue();
    assertThat(failingRow.group())
        .contains("class=\"badge check-fail\">fail<", "<td class=\"num\">4</td>", "5m ago");

    // a user limited to web-prod counts and sees its hosts only
    UUID scopedId = web.user(org, "scoped@example.com", Role.READ_ONLY);
    new UserScopes(web.jdbi())
        .scopeToGroups(org, scopedId, Map.of(webProd, Role.READ_ONLY), SEEDER);
    WebClient scoped = web.client();
    scoped.signIn("scoped@example.com", WebFixture.PASSWORD);
    String scopedRow = row(scoped.get("/checks").body(), ssh);
    assertThat(count(scopedRow, "passing")).isEqualTo("1");
    assertThat(count(scopedRow, "failing")).isEqualTo("1");
    assertThat(count(scopedRow, "errors")).isEqualTo("0");
    assertThat(count(scopedRow, "waiting")).isEqualTo("0");
    assertThat(scoped.get("/checks/" + ssh).body())
        .contains(">web-2</a>")
        .doesNotContain("db-1", "no route to host");
  }

  /** The number in a row's count cell of that name. */
  private static String count(String row, String name) {
    Matcher matcher =
        Pattern.compile("class=\"num count " + name + "[^\"]*\">(\\d+)<").matcher(row);
    assertThat(matcher.find()).as(name).isTrue();
    return matcher.group(1);
  }

  @Test
  void theFleetPageRefreshesItsListAlone() {
    check("ssh", "port", "{\"port\": 22}");
    String refreshed =
        admin.get("/checks", "HX-Request", "true", "HX-Target", "checks-list").body();
    assertThat(refreshed.strip()).startsWith("<section class=\"card\" id=\"checks-list\"");
    assertThat(refreshed).contains(">ssh</a>").doesNotContain("<html");
  }
}
