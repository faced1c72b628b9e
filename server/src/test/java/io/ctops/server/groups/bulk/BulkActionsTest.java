package io.ctops.server.groups.bulk;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.Role;
import io.ctops.server.groups.GroupRule;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.groups.Tag;
import io.ctops.server.inventory.SoftwareScans;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bulk actions through the real web role and database: the JSON API and the host list's form, every
 * action over checked ids, a whole filtered view (beyond its first page) and a selector, the job's
 * progress and its one audit entry, roles, scoped users and bad input.
 */
@ExtendWith(FreshDatabase.class)
class BulkActionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Actor SEEDER = Actor.system("test seed");

  private WebFixture web;
  private Jdbi jdbi;
  private UUID org;
  private WebClient admin;
  private WebClient engineer;
  private WebClient viewer;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    jdbi = web.jdbi();
    admin = web.signedInAdmin();
    org = web.defaultOrg();
    web.user(org, "engineer@example.com", Role.ENGINEER);
    web.user(org, "viewer@example.com", Role.READ_ONLY);
    engineer = web.client();
    engineer.signIn("engineer@example.com", WebFixture.PASSWORD);
    viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);
  }

  @AfterEach
  void stop() {
    web.close();
  }

  /** {@code count} live hosts named prefix-00001 …, in one statement. */
  private List<UUID> hosts(String prefix, int count, String os, String status) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    INSERT INTO hosts (org_id, hostname, os, status)
                    SELECT :org, :prefix || '-' || lpad(n::text, 5, '0'), :os, :status
                      FROM generate_series(1, :count) n
                    RETURNING id
                    """)
                .bind("org", org)
                .bind("prefix", prefix)
                .bind("os", os)
                .bind("status", status)
                .bind("count", count)
                .mapTo(UUID.class)
                .list());
  }

  private static HttpResponse<String> postJson(WebClient client, String path, String json) {
    return client.send(
        client
            .request(path)
            .header("Content-Type", "application/json")
            .header("X-CSRF-Token", client.csrf())
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + response.body(), e);
    }
  }

  /** Posts a bulk action through the API, expects 202, and waits until the job has ended. */
  private JsonNode run(WebClient client, String body) {
    HttpResponse<String> accepted = postJson(client, "/api/v1/hosts/bulk", body);
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    JsonNode job = json(accepted);
    assertThat(accepted.headers().firstValue("Location"))
        .hasValue("/api/v1/bulk-jobs/" + job.get("id").asText());
    return awaitEnd(client, job.get("id").asText());
  }

  private JsonNode awaitEnd(WebClient client, String id) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> json(client.get("/api/v1/bulk-jobs/" + id)),
            job -> job.get("state").asText().matches("done|failed"));
  }

  private static String ids(List<UUID> hosts) {
    return hosts.stream().map(h -> "\"" + h + "\"").collect(Collectors.joining(", ", "[", "]"));
  }

  private List<String> operatorTagged(String term) {
    return Sql.strings(
        jdbi,
        "SELECT hostname FROM hosts h JOIN host_tags t ON t.host_id = h.id WHERE t.terms @> ARRAY['"
            + term
            + "'] ORDER BY hostname");
  }

  private long jobs() {
    return Sql.number(jdbi, "SELECT count(*) FROM bulk_jobs");
  }

  /** The audit entries of an action, as (outcome, parameters) text. */
  private List<String> audit(String action) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT outcome || ' ' || parameters::text FROM audit_entries"
                        + " WHERE action = :action ORDER BY id")
                .bind("action", action)
                .mapTo(String.class)
                .list());
  }

  @Test
  void tagsEveryHostTheFilteredViewMatchesNotJustItsPageAndRecordsTheJobOnce() {
    List<UUID> debian = hosts("deb", 60, "Debian", "online");
    hosts("ubu", 40, "Ubuntu", "online");
    jdbi.useHandle(
        h ->
            io.ctops.server.groups.HostTags.tag(
                h, org, SEEDER, debian.subList(0, 5), List.of(Tag.parse("env:prod"))));

    JsonNode job =
        run(
            admin,
            "{\"action\": \"tag\", \"filter\": \"os=Debian&size=25&page=2\","
                + " \"tags\": [\"env:prod\"]}");

    assertThat(job.get("state").asText()).isEqualTo("done");
    assertThat(job.get("total").asInt()).isEqualTo(60);
    assertThat(job.get("done").asInt()).isEqualTo(60);
    assertThat(job.get("changed").asInt()).isEqualTo(55);
    assertThat(job.get("summary").asText())
        .isEqualTo("Tagged 55 of 60 hosts with env:prod; 5 already had it");
    assertThat(job.get("started_at").isNull()).isFalse();
    assertThat(job.get("finished_at").isNull()).isFalse();
    assertThat(operatorTagged("env:prod")).hasSize(60).allMatch(n -> n.startsWith("deb-"));
    List<String> entries = audit("host.tag");
    assertThat(entries).hasSize(2); // the seeding's own, then the job's one
    assertThat(entries.get(1))
        .startsWith("succeeded")
        .contains("\"bulk_job\": \"" + job.get("id").asText() + "\"")
        .contains("\"hosts\": 60")
        .contains("\"changed\": 55")
        .contains("\"tags\": \"env:prod\"");
    assertThat(Sql.string(jdbi, "SELECT cardinality(host_ids)::text FROM bulk_jobs"))
        .as("an ended job keeps its counts, not its host list")
        .isEqualTo("0");
  }

  @Test
  void untagRemovesTheTagOrEveryValueOfABareKeyFromCheckedHosts() {
    List<UUID> web1 = hosts("web", 4, "Debian", "online");
    jdbi.useHandle(
        h -> {
          io.ctops.server.groups.HostTags.tag(
              h, org, SEEDER, web1, List.of(Tag.parse("env:prod"), Tag.parse("team:a")));
        });

    JsonNode job =
        run(
            engineer,
            "{\"action\": \"untag\", \"host_ids\": "
                + ids(web1.subList(0, 3))
                + ", \"tags\": [\"env\"]}");

    assertThat(job.get("summary").asText()).isEqualTo("Removed env from 3 hosts");
    assertThat(operatorTagged("env")).containsExactly("web-00004");
    assertThat(operatorTagged("team:a")).hasSize(4);
    assertThat(audit("host.untag")).singleElement(STRING).contains("\"changed\": 3");
  }

  @Test
  void addsToAndRemovesFromAStaticGroupBySelectorAndByIds() {
    List<UUID> prod = hosts("prod", 30, "Debian", "online");
    hosts("dev", 10, "Debian", "online");
    jdbi.useHandle(
        h ->
            io.ctops.server.groups.HostTags.tag(
                h, org, SEEDER, prod, List.of(Tag.parse("env:prod"))));
    UUID group =
        jdbi.inTransaction(
            h ->
                HostGroups.create(
                    h,
                    org,
                    SEEDER,
                    new HostGroups.GroupSpec("web-prod", "", false, GroupRule.NONE)));

    JsonNode added =
        run(
            admin,
            "{\"action\": \"add_to_group\", \"group_id\": \""
                + group
                + "\", \"selector\": {\"kind\": \"tags\", \"tags\": [\"env:prod\"]}}");
    assertThat(added.get("summary").asText()).isEqualTo("Added 30 hosts to web-prod");
    assertThat(members(group)).isEqualTo(30);

    JsonNode again =
        run(
            admin,
            "{\"action\": \"add_to_group\", \"group_id\": \""
                + group
                + "\", \"host_ids\": "
                + ids(prod.subList(0, 2))
                + "}");
    assertThat(again.get("summary").asText())
        .isEqualTo("Added 0 of 2 hosts to web-prod; 2 were already in it");

    JsonNode removed =
        run(
            admin,
            "{\"action\": \"remove_from_group\", \"group_id\": \""
                + group
                + "\", \"host_ids\": "
                + ids(prod.subList(0, 10))
                + "}");
    assertThat(removed.get("summary").asText()).isEqualTo("Removed 10 hosts from web-prod");
    assertThat(members(group)).isEqualTo(20);
    assertThat(audit("group.members_add")).hasSize(2);
    assertThat(audit("group.members_add").get(0)).contains("\"added\": 30", "\"hosts\": 30");
    assertThat(audit("group.members_remove")).singleElement(STRING).contains("\"removed\": 10");
  }

  private long members(UUID group) {
    return Sql.number(
        jdbi, "SELECT count(*) FROM host_group_members WHERE group_id = '" + group + "'");
  }

  @Test
  void rescanQueuesOneScanPerOnlineHostWithoutOneUnderWay() {
    List<UUID> online = hosts("on", 5, "Debian", "online");
    List<UUID> offline = hosts("off", 3, "Debian", "offline");
    new SoftwareScans(jdbi, Clock.systemUTC()).queue(org, online.get(0));

    JsonNode job = run(engineer, "{\"action\": \"rescan\", \"filter\": \"\"}");

    assertThat(job.get("total").asInt()).isEqualTo(8);
    assertThat(job.get("changed").asInt()).isEqualTo(4);
    assertThat(job.get("summary").asText())
        .isEqualTo(
            "Queued software scans of 4 of 8 hosts; 4 were offline or already being scanned");
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM software_scans")).isEqualTo(5);
    assertThat(
            Sql.number(
                jdbi,
                "SELECT count(*) FROM tasks WHERE type = 'software_inventory'"
                    + " AND requester_name = 'engineer@example.com'"))
        .isEqualTo(4);
    assertThat(
            Sql.number(
                jdbi,
                "SELECT count(*) FROM software_scans WHERE host_id IN ('"
                    + offline.stream().map(UUID::toString).collect(Collectors.joining("','"))
                    + "')"))
        .isZero();
    assertThat(audit("host.rescan")).singleElement(STRING).contains("\"queued\": 4");
  }

  @Test
  void deleteSoftDeletesTheMatchingHostsForAdminsOnly() {
    hosts("old", 12, "CentOS", "offline");
    hosts("new", 3, "Debian", "online");

    HttpResponse<String> refused =
        postJson(
            engineer, "/api/v1/hosts/bulk", "{\"action\": \"delete\", \"filter\": \"os=CentOS\"}");
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("only admins may delete hosts");
    assertThat(jobs()).isZero();

    JsonNode job = run(admin, "{\"action\": \"delete\", \"filter\": \"os=CentOS\"}");

    assertThat(job.get("summary").asText()).isEqualTo("Deleted 12 hosts");
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM hosts WHERE deleted_at IS NOT NULL"))
        .isEqualTo(12);
    assertThat(Sql.strings(jdbi, "SELECT DISTINCT os FROM hosts WHERE deleted_at IS NULL"))
        .containsExactly("Debian");
    assertThat(audit("host.delete")).singleElement(STRING).contains("\"deleted\": 12");
    assertThat(admin.get("/api/v1/hosts?status=deleted").body()).contains("old-00012");
  }

  @Test
  void deleteWithUninstallHasOnlineAgentsUninstallThemselvesFirstAndDeletesTheRestAtOnce() {
    List<UUID> offline = hosts("gone", 3, "Debian", "offline");
    List<UUID> online =
        List.of(
            aHost("live-1").status("online").agent("active").insert(jdbi, org),
            aHost("live-2").status("online").agent("active").insert(jdbi, org));
    List<UUID> all = new java.util.ArrayList<>(offline);
    all.addAll(online);

    JsonNode job =
        run(
            admin,
            "{\"action\": \"delete\", \"host_ids\": "
                + ids(all)
                + ", \"uninstall\": true, \"remove_data\": true}");

    assertThat(job.get("state").asText()).isEqualTo("done");
    assertThat(Sql.strings(jdbi, "SELECT hostname FROM hosts WHERE deleted_at IS NULL"))
        .as("online hosts go when their agents confirm")
        .containsExactlyInAnyOrder("live-1", "live-2");
    assertThat(
            Sql.strings(
                jdbi,
                "SELECT h.hostname || ' ' || t.parameters::text FROM tasks t"
                    + " JOIN hosts h ON h.id = t.host_id WHERE t.type = 'agent_uninstall'"))
        .containsExactlyInAnyOrder(
            "live-1 {\"remove_data\": true}", "live-2 {\"remove_data\": true}");

    HttpResponse<String> again =
        postJson(
            admin,
            "/api/v1/hosts/bulk",
            "{\"action\": \"delete\", \"host_ids\": " + ids(online) + ", \"uninstall\": true}");
    awaitEnd(admin, json(again).get("id").asText());
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM tasks WHERE type = 'agent_uninstall'"))
        .as("not a second uninstall while one is under way")
        .isEqualTo(2);
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM hosts WHERE deleted_at IS NULL"))
        .isEqualTo(2);
  }

  @Test
  void theHostListFormActsOnCheckedRowsOrOnAllMatchingAndItsPanelPollsUntilDone() {
    List<UUID> rows = hosts("row", 30, "Debian", "online");
    String csrf = admin.csrf();

    HttpResponse<String> panel =
        admin.postRaw(
            "/hosts/bulk",
            form(
                "_csrf",
                csrf,
                "action",
                "tag",
                "tags",
                "role:web, tier:1",
                "host_ids",
                rows.get(0) + "," + rows.get(1)),
            "HX-Request",
            "true");
    assertThat(panel.statusCode()).isEqualTo(200);
    assertThat(panel.body()).contains("id=\"bulk-job\"").contains("Tag");
    String id = jobId(panel.body());
    HttpResponse<String> ended =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> admin.get("/bulk-jobs/" + id, "HX-Request", "true"),
                r -> r.body().contains("data-state=\"done\""));
    assertThat(ended.body())
        .contains("Tagged 2 hosts with role:web, tier:1")
        .doesNotContain("hx-trigger=\"every 1s\"");
    assertThat(ended.headers().firstValue("HX-Trigger")).hasValue("bulkJobFinished");
    assertThat(operatorTagged("tier:1")).containsExactly("row-00001", "row-00002");

    // "select all 30 matching" from page 2 of 25: the list's query string, not its ids
    HttpResponse<String> all =
        admin.postRaw(
            "/hosts/bulk",
            form(
                "_csrf",
                csrf,
                "action",
                "tag",
                "tags",
                "batch:7",
                "filter",
                "q=row&size=25&page=2"));
    assertThat(all.statusCode()).isEqualTo(303);
    String page = all.headers().firstValue("Location").orElseThrow();
    assertThat(page).startsWith("/bulk-jobs/");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> admin.get(page).body(), body -> body.contains("Tagged 30 hosts with batch:7"));
    assertThat(operatorTagged("batch:7")).hasSize(30);
  }

  private static Map<String, String> form(String... pairs) {
    Map<String, String> form = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      form.put(pairs[i], pairs[i + 1]);
    }
    return form;
  }

  private static String jobId(String html) {
    Matcher m = Pattern.compile("/bulk-jobs/([0-9a-f-]{36})").matcher(html);
    assertThat(m.find()).as("a polling panel in %s", html).isTrue();
    return m.group(1);
  }

  @Test
  void readOnlyUsersAndEngineersAskingForAdminActionsAreRefusedAndNothingIsQueued() {
    List<UUID> some = hosts("r", 2, "Debian", "online");
    String tag = "{\"action\": \"tag\", \"host_ids\": " + ids(some) + ", \"tags\": [\"a\"]}";
    assertThat(postJson(viewer, "/api/v1/hosts/bulk", tag).statusCode()).isEqualTo(403);
    assertThat(
            viewer
                .postRaw(
                    "/hosts/bulk",
                    form(
                        "_csrf",
                        viewer.csrf(),
                        "action",
                        "tag",
                        "tags",
                        "a",
                        "host_ids",
                        some.get(0).toString()))
                .statusCode())
        .isEqualTo(403);
    UUID group =
        jdbi.inTransaction(
            h ->
                HostGroups.create(
                    h, org, SEEDER, new HostGroups.GroupSpec("g", "", false, GroupRule.NONE)));
    for (String action : List.of("add_to_group", "remove_from_group")) {
      assertThat(
              postJson(
                      engineer,
                      "/api/v1/hosts/bulk",
                      "{\"action\": \""
                          + action
                          + "\", \"group_id\": \""
                          + group
                          + "\", \"host_ids\": "
                          + ids(some)
                          + "}")
                  .statusCode())
          .as(action)
          .isEqualTo(403);
    }
    assertThat(jobs()).isZero();
    // the bar is not even offered to read-only users
    assertThat(viewer.get("/hosts/bulk", "HX-Request", "true").statusCode()).isEqualTo(204);
    assertThat(engineer.get("/hosts/bulk", "HX-Request", "true").body())
        .contains("value=\"tag\"")
        .doesNotContain("value=\"delete\"")
        .doesNotContain("add_to_group");
    assertThat(admin.get("/hosts/bulk", "HX-Request", "true").body())
        .contains("value=\"delete\"")
        .contains(">g</option>");
  }

  @Test
  void aSessionsRequestWithoutItsCsrfTokenQueuesNothing() {
    List<UUID> some = hosts("c", 2, "Debian", "online");
    String body = "{\"action\": \"delete\", \"host_ids\": " + ids(some) + "}";
    HttpResponse<String> api =
        admin.send(
            admin
                .request("/api/v1/hosts/bulk")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    assertThat(api.statusCode()).isEqualTo(403);
    assertThat(api.body()).contains("CSRF");
    HttpResponse<String> forged =
        admin.postRaw(
            "/hosts/bulk",
            form("_csrf", "forged", "action", "delete", "host_ids", some.get(0).toString()),
            "HX-Request",
            "true");
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(jobs()).isZero();
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM hosts WHERE deleted_at IS NOT NULL"))
        .isZero();
  }

  @Test
  void badRequestsAreRefusedWithTheReasonAndQueueNothing() {
    List<UUID> mine = hosts("mine", 2, "Debian", "online");
    UUID foreign = aHost("foreign").insert(jdbi, web.otherOrg());
    UUID dynamic =
        jdbi.inTransaction(
            h ->
                HostGroups.create(
                    h,
                    org,
                    SEEDER,
                    new HostGroups.GroupSpec(
                        "auto",
                        "",
                        true,
                        new GroupRule(
                            List.of(Tag.parse("env:prod")),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty()))));
    String two = ids(mine);
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{\"action\": \"format\", \"host_ids\": " + two + "}", "action must be one of");
    cases.put("{\"action\": \"rescan\"}", "say which hosts");
    cases.put(
        "{\"action\": \"rescan\", \"host_ids\": " + two + ", \"uninstall\": true}",
        "with the delete action only");
    cases.put(
        "{\"action\": \"delete\", \"host_ids\": " + two + ", \"remove_data\": true}",
        "remove_data goes with uninstall");
    cases.put(
        "{\"action\": \"delete\", \"host_ids\": " + two + ", \"uninstall\": \"yes\"}",
        "uninstall must be true or false");
    cases.put("{\"action\": \"rescan\", \"host_ids\": []}", "no host to act on");
    cases.put(
        "{\"action\": \"rescan\", \"host_ids\": " + two + ", \"filter\": \"\"}",
        "only one of host_ids, filter and selector");
    cases.put(
        "{\"action\": \"tag\", \"host_ids\": " + two + ", \"tags\": [\"" + "k".repeat(256) + "\"]}",
        "limited to 255 characters");
    cases.put("{\"action\": \"tag\", \"host_ids\": " + two + "}", "needs at least one tag");
    cases.put(
        "{\"action\": \"rescan\", \"host_ids\": " + two + ", \"tags\": [\"a\"]}",
        "tags are for the tag and untag actions only");
    cases.put(
        "{\"action\": \"add_to_group\", \"host_ids\": "
            + two
            + ", \"group_id\": \""
            + UUID.randomUUID()
            + "\"}",
        "no such group");
    cases.put(
        "{\"action\": \"add_to_group\", \"host_ids\": "
            + two
            + ", \"group_id\": \""
            + dynamic
            + "\"}",
        "follow its rule");
    cases.put("{\"action\": \"add_to_group\", \"host_ids\": " + two + "}", "needs a group_id");
    cases.put(
        "{\"action\": \"rescan\", \"host_ids\": [\"" + mine.get(0) + "\", \"nope\"]}",
        "host_ids[1] is not a host id");
    cases.put("{\"action\": \"rescan\", \"host_ids\": [\"" + foreign + "\"]}", "no host to act on");
    cases.put("{\"action\": \"rescan\", \"filter\": \"status=deleted\"}", "Deleted view");
    cases.put("{\"action\": \"rescan\", \"filter\": \"sort=nonsense\"}", "sort must be one of");
    cases.put("{\"action\": \"rescan\", \"filter\": \"q=%zz\"}", "not a query string");
    cases.put(
        "{\"action\": \"rescan\", \"selector\": {\"kind\": \"group\", \"group_id\": \""
            + UUID.randomUUID()
            + "\"}}",
        "no such group");
    cases.put(
        "{\"action\": \"rescan\", \"host_ids\": " + two + ", \"force\": true}",
        "unknown property \\\"force\\\"");
    cases.put("[1, 2]", "must be a JSON object");
    cases.put("not json", "must be a JSON object");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      HttpResponse<String> answer = postJson(admin, "/api/v1/hosts/bulk", c.getKey());
      assertThat(answer.statusCode()).as(c.getKey()).isEqualTo(400);
      assertThat(answer.body()).as(c.getKey()).contains(c.getValue());
    }
    HttpResponse<String> formWithout =
        admin.postRaw("/hosts/bulk", form("_csrf", admin.csrf(), "action", "tag", "tags", "a"));
    assertThat(formWithout.statusCode()).isEqualTo(400);
    assertThat(jobs()).isZero();
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM audit_entries WHERE action LIKE 'host.%'"))
        .isZero();

    // another organisation's ids beside ours are left out, not an error
    JsonNode job =
        run(
            admin,
            "{\"action\": \"tag\", \"host_ids\": [\""
                + mine.get(0)
                + "\", \""
                + foreign
                + "\"], \"tags\": [\"x\"]}");
    assertThat(job.get("total").asInt()).isEqualTo(1);
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM host_tags WHERE terms @> ARRAY['x']"))
        .isEqualTo(1);
    assertThat(admin.get("/api/v1/bulk-jobs/" + UUID.randomUUID()).statusCode()).isEqualTo(404);
    assertThat(admin.get("/api/v1/bulk-jobs/not-an-id").statusCode()).isEqualTo(404);
  }

  @Test
  void aUserScopedToGroupsActsOnlyOnHostsOfGroupsWhereTheirRoleAllowsIt() {
    List<UUID> a = hosts("a", 3, "Debian", "online");
    List<UUID> b = hosts("b", 2, "Debian", "online");
    hosts("c", 4, "Debian", "online");
    UUID groupA = staticGroup("A", a);
    UUID groupB = staticGroup("B", b);
    UUID scoped = web.user(org, "scoped@example.com", Role.ENGINEER);
    jdbi.useHandle(
        h -> {
          h.execute("UPDATE users SET host_scope = 'groups' WHERE id = ?", scoped);
          h.execute("INSERT INTO user_group_roles VALUES (?, ?, 'engineer')", scoped, groupA);
          h.execute("INSERT INTO user_group_roles VALUES (?, ?, 'read_only')", scoped, groupB);
        });
    WebClient client = web.client();
    client.signIn("scoped@example.com", WebFixture.PASSWORD);

    JsonNode job = run(client, "{\"action\": \"tag\", \"filter\": \"\", \"tags\": [\"s\"]}");
    assertThat(job.get("total").asInt()).isEqualTo(3);
    assertThat(operatorTagged("s")).containsExactly("a-00001", "a-00002", "a-00003");

    HttpResponse<String> outside =
        postJson(
            client,
            "/api/v1/hosts/bulk",
            "{\"action\": \"tag\", \"host_ids\": " + ids(b) + ", \"tags\": [\"s\"]}");
    assertThat(outside.statusCode()).isEqualTo(400);
    assertThat(outside.body()).contains("in your groups");

    JsonNode others = run(admin, "{\"action\": \"rescan\", \"filter\": \"\"}");
    assertThat(client.get("/api/v1/bulk-jobs/" + others.get("id").asText()).statusCode())
        .as("another user's job would tell counts of hosts outside the scope")
        .isEqualTo(404);
    assertThat(client.get("/api/v1/bulk-jobs/" + job.get("id").asText()).statusCode())
        .isEqualTo(200);
  }

  private UUID staticGroup(String name, List<UUID> members) {
    return jdbi.inTransaction(
        h -> {
          UUID id =
              HostGroups.create(
                  h, org, SEEDER, new HostGroups.GroupSpec(name, "", false, GroupRule.NONE));
          if (!members.isEmpty()) {
            HostGroups.addMembers(h, org, SEEDER, id, members);
          }
          return id;
        });
  }

  @Test
  void progressIsCommittedChunkByChunkAndAJobLeftRunningByAStoppedInstanceIsTakenAgain() {
    List<UUID> many = hosts("big", 2_500, "Debian", "online");
    jdbi.useHandle(
        h -> {
          h.execute("CREATE TABLE test_progress (at serial, done integer, state text)");
          h.execute(
              """
              CREATE FUNCTION test_progress() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN
                INSERT INTO test_progress (done, state) VALUES (NEW.done, NEW.state);
                RETURN NULL;
              END $$
              """);
          h.execute(
              "CREATE TRIGGER test_progress AFTER UPDATE OF done, state ON bulk_jobs"
                  + " FOR EACH ROW EXECUTE FUNCTION test_progress()");
        });
    // a job another instance claimed and left after its first chunk, its claim lapsed since
    UUID id =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        """
                        INSERT INTO bulk_jobs (org_id, requester_kind, requester_name, action,
                                               parameters, host_ids, total, state, done, claim,
                                               claimed_until, started_at)
                        VALUES (:org, 'user', 'gone@example.com', 'tag',
                                '{"tags": ["moved:on"]}', :hosts, 2500, 'running', 1000,
                                gen_random_uuid(), :lapsed, now())
                        RETURNING id
                        """)
                    .bind("org", org)
                    .bindArray("hosts", UUID.class, many)
                    .bind("lapsed", java.sql.Timestamp.from(Instant.now().minusSeconds(5)))
                    .mapTo(UUID.class)
                    .one());

    JsonNode job = awaitEnd(admin, id.toString());

    assertThat(job.get("state").asText()).isEqualTo("done");
    assertThat(job.get("changed").asInt()).isEqualTo(1_500);
    assertThat(operatorTagged("moved:on"))
        .as("it went on after the chunk already done, not from the start")
        .hasSize(1_500)
        .first()
        .isEqualTo("big-01001");
    assertThat(Sql.strings(jdbi, "SELECT done || ' ' || state FROM test_progress ORDER BY at"))
        .containsSubsequence("1000 running", "2000 running", "2500 running", "2500 done");
    assertThat(audit("host.tag"))
        .singleElement(STRING)
        .contains("\"hosts\": 2500", "\"changed\": 1500");
  }

  @Test
  void aJobWhoseClaimHoldsIsLeftToItsRunner() throws Exception {
    List<UUID> few = hosts("held", 3, "Debian", "online");
    UUID id =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        """
                        INSERT INTO bulk_jobs (org_id, requester_kind, requester_name, action,
                                               parameters, host_ids, total, state, claim,
                                               claimed_until, started_at)
                        VALUES (:org, 'user', 'other@example.com', 'tag', '{"tags": ["h"]}',
                                :hosts, 3, 'running', gen_random_uuid(),
                                now() + interval '1 hour', now())
                        RETURNING id
                        """)
                    .bind("org", org)
                    .bindArray("hosts", UUID.class, few)
                    .mapTo(UUID.class)
                    .one());
    // the runner polls every second: after three polls the job is still another runner's
    Thread.sleep(3_000);
    JsonNode job = json(admin.get("/api/v1/bulk-jobs/" + id));
    assertThat(job.get("state").asText()).isEqualTo("running");
    assertThat(job.get("done").asInt()).isZero();
    assertThat(job.get("summary").asText()).isEqualTo("0 of 3 hosts done");
    assertThat(operatorTagged("h")).isEmpty();
  }

  @Test
  void finishedJobsAreKeptForAWeekThenPurgedWhileUnfinishedOnesStay() {
    List<UUID> few = hosts("kept", 2, "Debian", "online");
    for (String job :
        List.of("done 8 days", "failed 8 days", "done 6 days", "queued 8 days", "running 8 days")) {
      String[] parts = job.split(" ");
      jdbi.useHandle(
          h ->
              h.createUpdate(
                      """
                      INSERT INTO bulk_jobs (org_id, requester_kind, requester_name, action,
                                             parameters, host_ids, total, state, created_at,
                                             finished_at)
                      VALUES (:org, 'user', :name, 'tag', '{"tags": ["k"]}', :hosts, 2, :state,
                              now() - make_interval(days => :days),
                              CASE WHEN :state IN ('done', 'failed')
                                   THEN now() - make_interval(days => :days) END)
                      """)
                  .bind("org", org)
                  .bind("name", job)
                  .bindArray("hosts", UUID.class, few)
                  .bind("state", parts[0])
                  .bind("days", Integer.parseInt(parts[1]))
                  .execute());
    }
    // queued and running jobs this old would be taken by the web role's runner: held meanwhile
    jdbi.useHandle(
        h ->
            h.execute(
                "UPDATE bulk_jobs SET claim = gen_random_uuid(),"
                    + " claimed_until = now() + interval '1 hour'"
                    + " WHERE state IN ('queued', 'running')"));

    int purged = BulkRunner.purgeFinished(jdbi, Instant.now());

    assertThat(purged).isEqualTo(2);
    assertThat(Sql.strings(jdbi, "SELECT requester_name FROM bulk_jobs ORDER BY requester_name"))
        .containsExactly("done 6 days", "queued 8 days", "running 8 days");
  }

  @Test
  void aGroupDeletedWhileItsJobWaitsFailsTheJobWithTheReasonRecordedOnce() {
    List<UUID> some = hosts("gd", 3, "Debian", "online");
    UUID group = staticGroup("doomed", List.of());
    // deleted before the job is queued, as if between two of its chunks
    jdbi.useHandle(h -> h.execute("DELETE FROM host_groups WHERE id = ?", group));
    UUID id =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        """
                        INSERT INTO bulk_jobs (org_id, requester_kind, requester_name, action,
                                               parameters, host_ids, total, claim, claimed_until)
                        VALUES (:org, 'user', 'admin@example.com', 'add_to_group',
                                CAST(:parameters AS jsonb), :hosts, 3, NULL, NULL)
                        RETURNING id
                        """)
                    .bind("org", org)
                    .bind(
                        "parameters",
                        "{\"group_id\": \"" + group + "\", \"group_name\": \"doomed\"}")
                    .bindArray("hosts", UUID.class, some)
                    .mapTo(UUID.class)
                    .one());

    JsonNode job = awaitEnd(admin, id.toString());

    assertThat(job.get("state").asText()).isEqualTo("failed");
    assertThat(job.get("error").asText()).isEqualTo("the group was deleted");
    assertThat(job.get("summary").asText())
        .isEqualTo("Stopped after 0 of 3 hosts: the group was deleted");
    assertThat(audit("group.members_add")).singleElement(STRING).startsWith("failed");
  }

  @Test
  void dynamicGroupsFollowHostsABulkJobTagsUntagsAndDeletes() {
    List<UUID> some = hosts("dyn", 3, "Debian", "online");
    UUID prod =
        jdbi.inTransaction(
            h ->
                HostGroups.create(
                    h,
                    org,
                    SEEDER,
                    new HostGroups.GroupSpec(
                        "prod",
                        "",
                        true,
                        new GroupRule(
                            List.of(Tag.parse("env:prod")),
                            Optional.of("Debian"),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty()))));
    UUID anyOs =
        jdbi.inTransaction(
            h ->
                HostGroups.create(
                    h,
                    org,
                    SEEDER,
                    new HostGroups.GroupSpec(
                        "online",
                        "",
                        true,
                        new GroupRule(
                            List.of(),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.of("online")))));
    assertThat(members(anyOs)).isEqualTo(3);

    run(admin, "{\"action\": \"tag\", \"host_ids\": " + ids(some) + ", \"tags\": [\"env:prod\"]}");
    assertThat(members(prod)).isEqualTo(3);
    run(
        admin,
        "{\"action\": \"untag\", \"host_ids\": "
            + ids(some.subList(0, 1))
            + ", \"tags\": [\"env\"]}");
    assertThat(members(prod)).isEqualTo(2);
    assertThat(members(anyOs)).as("a rule without tags is not touched by tags").isEqualTo(3);
    run(admin, "{\"action\": \"delete\", \"host_ids\": " + ids(some.subList(1, 2)) + "}");
    assertThat(members(prod)).isEqualTo(1);
    assertThat(members(anyOs)).isEqualTo(2);
    // outside a bulk job the hosts' triggers keep members the same way
    jdbi.useHandle(h -> h.execute("UPDATE hosts SET status = 'offline' WHERE id = ?", some.get(2)));
    assertThat(members(anyOs)).isEqualTo(1);
  }

  @Test
  void aBulkTagOfTenThousandHostsIsOneJobAndFillsTheDynamicGroupItMatches() {
    hosts("fleet", 10_000, "Debian", "online");
    for (int i = 0; i < 20; i++) {
      int n = i;
      jdbi.useTransaction(
          h ->
              HostGroups.create(
                  h,
                  org,
                  SEEDER,
                  new HostGroups.GroupSpec(
                      "dyn-" + n,
                      "",
                      true,
                      new GroupRule(
                          List.of(Tag.parse("env:e" + n)),
                          Optional.empty(),
                          Optional.empty(),
                          Optional.empty(),
                          Optional.empty()))));
    }

    JsonNode job = run(admin, "{\"action\": \"tag\", \"filter\": \"\", \"tags\": [\"env:e3\"]}");

    assertThat(job.get("changed").asInt()).isEqualTo(10_000);
    // its time is a figure of bench/groups.sh, not a test's
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM host_group_members")).isEqualTo(10_000);
  }
}
