package io.ctops.server.hosts;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.ctops.server.auth.HostScope;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The host list, the overview and soft delete, on the real database. */
@ExtendWith(FreshDatabase.class)
class HostListTest {
  private WebFixture web;
  private UUID org;
  private HostListQuery list;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    org = web.defaultOrg();
    list = new HostListQuery(web.jdbi());
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private List<String> names(String query) {
    return list
        .page(org, HostScope.ORGANISATION, HostListParams.parse(parse(query)))
        .rows()
        .stream()
        .map(HostRow::hostname)
        .toList();
  }

  private static Map<String, List<String>> parse(String query) {
    Map<String, List<String>> map = new LinkedHashMap<>();
    if (!query.isEmpty()) {
      for (String pair : query.split("&")) {
        String[] kv = pair.split("=", 2);
        map.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(kv.length > 1 ? kv[1] : "");
      }
    }
    return map;
  }

  @Test
  void nullVitalsSortLastInBothDirections() {
    aHost("a-low").vitals(10f, 10f, 10f).insert(web.jdbi(), org);
    aHost("b-none").vitals(null, null, null).insert(web.jdbi(), org);
    aHost("c-high").vitals(90f, 90f, 90f).insert(web.jdbi(), org);
    for (String column : List.of("cpu", "memory", "disk")) {
      assertThat(names("sort=" + column)).containsExactly("a-low", "c-high", "b-none");
      assertThat(names("sort=" + column + "&dir=desc"))
          .containsExactly("c-high", "a-low", "b-none");
    }
    aHost("d-never").lastSeen(null).insert(web.jdbi(), org);
    assertThat(names("sort=last_seen&dir=desc")).last().isEqualTo("d-never");
    assertThat(names("sort=last_seen")).last().isEqualTo("d-never");
  }

  @Test
  void searchMatchesHostnameDisplayNameAndAddressesAndFiltersCombine() {
    aHost("web-1").displayName("Shop front").os("Ubuntu").ips("10.1.2.3").insert(web.jdbi(), org);
    aHost("db-1").os("Debian").ips("10.9.9.9", "fd00::5").status("offline").insert(web.jdbi(), org);
    aHost("cache_1").os("Debian").ips("10.7.7.7").status("unknown").insert(web.jdbi(), org);
    aHost("gone-1").os("Debian").deleted().insert(web.jdbi(), org);
    assertThat(names("q=shop")).containsExactly("web-1");
    assertThat(names("q=10.9.9")).containsExactly("db-1");
    assertThat(names("q=fd00")).containsExactly("db-1");
    assertThat(names("q=DB-")).containsExactly("db-1");
    // LIKE's wildcards are matched literally
    assertThat(names("q=_")).containsExactly("cache_1");
    assertThat(names("q=%25")).isEmpty();
    assertThat(names("os=Debian")).containsExactly("cache_1", "db-1");
    assertThat(names("os=Debian&status=offline")).containsExactly("db-1");
    assertThat(names("status=unknown")).containsExactly("cache_1");
    assertThat(names("status=deleted")).containsExactly("gone-1");
    assertThat(names("")).doesNotContain("gone-1");
    // the OS filter offers the live hosts' operating systems, not a deleted host's
    aHost("bsd-1").os("FreeBSD").deleted().insert(web.jdbi(), org);
    assertThat(
            new FleetOverviewQuery(web.jdbi(), Clock.systemUTC())
                .operatingSystems(org, HostScope.ORGANISATION))
        .containsExactly("Debian", "Ubuntu");
  }

  @Test
  void pagesDoNotOverlapAndCountTheWholeMatch() {
    for (int i = 0; i < 60; i++) {
      aHost(String.format("h-%03d", i)).vitals(50f, 50f, 50f).insert(web.jdbi(), org);
    }
    HostListQuery.HostPage first =
        list.page(org, HostScope.ORGANISATION, HostListParams.parse(parse("size=25&sort=cpu")));
    HostListQuery.HostPage third =
        list.page(
            org, HostScope.ORGANISATION, HostListParams.parse(parse("size=25&sort=cpu&page=3")));
    assertThat(first.total()).isEqualTo(60);
    assertThat(first.pageCount()).isEqualTo(3);
    assertThat(first.rows()).hasSize(25);
    assertThat(third.rows()).hasSize(10);
    assertThat(third.firstIndex()).isEqualTo(51);
    List<String> all = new ArrayList<>();
    for (int page = 1; page <= 3; page++) {
      all.addAll(names("size=25&sort=cpu&page=" + page));
    }
    assertThat(all).doesNotHaveDuplicates().hasSize(60);
  }

  @Test
  void hostnamesSortWithNumbersInNaturalOrderInEveryDirection() {
    for (String name : List.of("web-10", "web-0", "Web-3", "web-100", "web-1", "web-2", "db-9")) {
      aHost(name).os("Debian").status("online").insert(web.jdbi(), org);
    }
    List<String> natural = List.of("db-9", "web-0", "web-1", "web-2", "Web-3", "web-10", "web-100");
    assertThat(names("")).containsExactlyElementsOf(natural);
    assertThat(names("dir=desc")).containsExactlyElementsOf(natural.reversed());
    // the tie-breaker of the OS and status orders is the same natural hostname order
    assertThat(names("sort=os")).containsExactlyElementsOf(natural);
    assertThat(names("sort=status&dir=desc")).containsExactlyElementsOf(natural.reversed());
    assertThat(names("status=online")).containsExactlyElementsOf(natural);
  }

  @Test
  void theNaturalHostnameOrderReadsAPageFromItsIndex() {
    aHost("web-1").insert(web.jdbi(), org);
    for (String query : List.of("", "dir=desc", "sort=os", "sort=status", "status=online")) {
      HostListParams params = HostListParams.parse(parse(query));
      String plan =
          web.jdbi()
              .inTransaction(
                  h -> {
                    // with sorting priced out, only an index in exactly this order avoids a Sort
                    h.execute("SET LOCAL enable_sort = off");
                    h.execute("SET LOCAL enable_seqscan = off");
                    return String.join(
                        "\n",
                        h.createQuery(
                                "EXPLAIN " + HostListQuery.pageIds(HostScope.ORGANISATION, params))
                            .bind("org", org)
                            .bind("deleted", false)
                            .bind("status", params.status().map(s -> s.param()).orElse(null))
                            .bind("os", (String) null)
                            .bind("pattern", (String) null)
                            .bind("limit", 50)
                            .bind("offset", 0)
                            .mapTo(String.class)
                            .list());
                  });
      assertThat(plan).as(query).contains("Index").doesNotContain("Sort");
    }
  }

  @Test
  void aHotspotFilterListsOnlineHostsAtOrAbove80Percent() {
    aHost("cpu-hot").status("online").vitals(80f, 10f, 10f).insert(web.jdbi(), org);
    aHost("all-hot").status("online").vitals(99f, 95f, 91f).insert(web.jdbi(), org);
    aHost("cool").status("online").vitals(79.9f, 10f, 10f).insert(web.jdbi(), org);
    aHost("offline-hot").status("offline").vitals(99f, 99f, 99f).insert(web.jdbi(), org);
    aHost("deleted-hot").status("online").vitals(99f, 99f, 99f).deleted().insert(web.jdbi(), org);
    aHost("other-org-hot")
        .status("online")
        .vitals(99f, 99f, 99f)
        .insert(web.jdbi(), web.otherOrg());

    assertThat(names("hot=cpu")).containsExactly("all-hot", "cpu-hot");
    assertThat(names("hot=memory")).containsExactly("all-hot");
    assertThat(names("hot=disk&sort=cpu&dir=desc")).containsExactly("all-hot");
    assertThat(
            list.page(org, HostScope.ORGANISATION, HostListParams.parse(parse("hot=cpu"))).total())
        .isEqualTo(2);
    FleetOverview overview =
        new FleetOverviewQuery(web.jdbi(), Clock.systemUTC()).overview(org, HostScope.ORGANISATION);
    for (HostListParams.Hotspot hot : HostListParams.Hotspot.values()) {
      assertThat(names("hot=" + hot.param())).as(hot.name()).hasSize((int) overview.hotCount(hot));
    }
    assertThat(HostListParams.DEFAULT.withHotspot(HostListParams.Hotspot.DISK).url("/hosts"))
        .isEqualTo("/hosts?hot=disk");

    WebClient admin = web.signedInAdmin();
    assertThat(admin.get("/hosts?hot=cpu").body())
        .contains("id=\"hot-filter\">CPU ≥ 80 %")
        .contains(">all-hot<")
        .doesNotContain(">cool<");
    HttpResponse<String> bad = admin.get("/api/v1/hosts?hot=gpu");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("hot must be one of cpu, memory, disk");
    assertThat(admin.get("/api/v1/hosts?hot=memory").body())
        .contains("\"hostname\":\"all-hot\"")
        .doesNotContain("cpu-hot");
  }

  @Test
  void overviewCountsTheLiveFleet() {
    aHost("on-hot").status("online").vitals(95f, 81f, 80f).os("Ubuntu").insert(web.jdbi(), org);
    aHost("on-cool").status("online").vitals(10f, 10f, 10f).os("Ubuntu").insert(web.jdbi(), org);
    aHost("off-stale")
        .status("offline")
        .vitals(99f, 99f, 99f)
        .lastSeen(Instant.now().minus(Duration.ofHours(1)))
        .os("Debian")
        .insert(web.jdbi(), org);
    aHost("waiting")
        .status("pending")
        .agent("pending")
        .lastSeen(null)
        .os("Debian")
        .insert(web.jdbi(), org);
    aHost("deleted").status("online").vitals(99f, 99f, 99f).deleted().insert(web.jdbi(), org);
    aHost("elsewhere").status("online").insert(web.jdbi(), web.otherOrg());

    FleetOverview overview =
        new FleetOverviewQuery(web.jdbi(), Clock.systemUTC()).overview(org, HostScope.ORGANISATION);
    assertThat(overview.total()).isEqualTo(4);
    assertThat(overview.online()).isEqualTo(2);
    assertThat(overview.onlinePercent()).isEqualTo(50.0);
    assertThat(overview.offline()).isEqualTo(1);
    assertThat(overview.stale()).isEqualTo(1);
    assertThat(overview.pendingApproval()).isEqualTo(1);
    assertThat(overview.cpuHot()).isEqualTo(1);
    assertThat(overview.memoryHot()).isEqualTo(1);
    assertThat(overview.diskHot()).isEqualTo(1);
    assertThat(overview.operatingSystems())
        .extracting(FleetOverview.OsShare::os, FleetOverview.OsShare::hosts)
        .containsExactly(tuple("Debian", 2L), tuple("Ubuntu", 2L));

    // the hot host goes offline and the stale one comes back: counts follow the status
    web.jdbi()
        .useHandle(
            h -> {
              h.execute("UPDATE hosts SET status = 'offline' WHERE hostname = 'on-hot'");
              h.execute("UPDATE hosts SET status = 'online' WHERE hostname = 'off-stale'");
              h.execute("UPDATE hosts SET deleted_at = now() WHERE hostname = 'on-cool'");
            });
    FleetOverview after =
        new FleetOverviewQuery(web.jdbi(), Clock.systemUTC()).overview(org, HostScope.ORGANISATION);
    assertThat(after.total()).isEqualTo(3);
    assertThat(after.cpuHot()).as("off-stale is online again, with 99 %").isEqualTo(1);
    assertThat(after.stale()).isEqualTo(1);
    web.jdbi().useHandle(h -> h.execute("UPDATE hosts SET status = 'offline'"));
    FleetOverview allOffline =
        new FleetOverviewQuery(web.jdbi(), Clock.systemUTC()).overview(org, HostScope.ORGANISATION);
    assertThat(allOffline.cpuHot() + allOffline.memoryHot() + allOffline.diskHot()).isZero();
  }

  @Test
  void softDeleteHidesTheHostAndPermanentDeleteRevokesItsAgent() {
    web.admin();
    UUID host = aHost("retired").status("offline").agent("offline").insert(web.jdbi(), org);
    UUID agent =
        web.jdbi()
            .withHandle(h -> h.createQuery("SELECT agent_id FROM hosts").mapTo(UUID.class).one());
    WebClient browser = web.client();
    browser.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
    assertThat(browser.get("/hosts").body()).contains("retired");

    HttpResponse<String> deleted = browser.post("/hosts/" + host + "/delete", Map.of());
    assertThat(deleted.statusCode()).isEqualTo(303);
    assertThat(browser.get("/hosts").body()).doesNotContain(">retired<");
    assertThat(browser.get("/api/v1/overview").body()).contains("\"total\":0");
    assertThat(web.count("SELECT count(*) FROM hosts")).isEqualTo(1);
    assertThat(browser.get("/hosts/" + host).body()).contains("id=\"deleted-banner\"");
    assertThat(browser.get("/hosts?status=deleted").body()).contains("retired");

    // restore brings it back; delete again, then remove it for good
    browser.post("/hosts/" + host + "/restore", Map.of());
    assertThat(browser.get("/hosts").body()).contains("retired");
    assertThat(browser.post("/hosts/" + host + "/delete-permanently", Map.of()).statusCode())
        .isEqualTo(409);
    browser.post("/hosts/" + host + "/delete", Map.of());
    assertThat(browser.post("/hosts/" + host + "/delete-permanently", Map.of()).statusCode())
        .isEqualTo(303);
    assertThat(web.count("SELECT count(*) FROM hosts")).isZero();
    String agentStatus =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT status FROM agents WHERE id = :id")
                        .bind("id", agent)
                        .mapTo(String.class)
                        .one());
    assertThat(agentStatus).isEqualTo("revoked");
    assertThat(
            web.count(
                "SELECT count(*) FROM agent_status_history WHERE reason LIKE 'host deleted permanently by%'"))
        .isEqualTo(1);
  }
}
