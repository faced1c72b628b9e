package io.ctops.server.auth;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ctops.server.alerts.AlertEvaluator;
import io.ctops.server.audit.Actor;
import io.ctops.server.enrolment.AgentHistory;
import io.ctops.server.groups.GroupRule;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.inventory.SoftwareScanTask;
import io.ctops.server.platform.database.Database;
import io.ctops.server.tasks.TaskQueue;
import io.ctops.server.tasks.TaskTypes;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.RegisteredRoutes;
import io.ctops.server.testing.RegisteredRoutes.Route;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Access scoped to groups, tested the way another organisation's hosts are: every GET route that
 * names or lists hosts, run as a user scoped to one group (web-prod: web-01 and web-02), answers
 * 404 for any other host and never shows one (db-01 in db-prod, lonely-01 in no group, a pending
 * agent's host), and its counts are the group's own. A route registered without a line here fails
 * the build. Actions need the role on a group holding the host.
 */
@ExtendWith(FreshDatabase.class)
class ScopedAccessTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Actor SEEDER = Actor.system("test seed");

  /** What a GET route shows, and so what the scoped user must get from it. */
  enum Kind {
    /** Names a host by {id}: the group's host answers, any other host is 404. */
    HOST,
    /** Names a task by {id}: a task on the group's host answers, any other is 404. */
    TASK,
    /** Names a group by {id}: the user's group answers, any other group is 404. */
    GROUP,
    /** Names a group by {id} and lists its hosts: the user's group's hosts, another group 404. */
    GROUP_HOSTS,
    /** Names a note by {id}: a note on the group's host answers, one on another host is 404. */
    NOTE,
    /** Names a bulk job by {id}: a user limited to groups sees only their own jobs. */
    BULK_JOB,
    /** Names an alert by {id}: an alert on the group's host answers, one on another host 404. */
    ALERT,
    /** Names an alert rule by {id}: rules name no host, so any user reads them. */
    ALERT_RULE,
    /** Names a silence by {id}: silences name no host, so any user reads them. */
    SILENCE,
    /** Names a notification channel by {id}: channels name no host. */
    CHANNEL,
    /** Names a check by {id}: its failing hosts are the group's, no other. */
    CHECK,
    /** Lists hosts: the group's hosts, no other. */
    LIST,
    /** Shows numbers or a panel of hosts without the group's hosts in it (overview, pending). */
    COUNTS,
    /** The live status stream: {@link #liveStatusEventsReachOnlyUsersWhoSeeTheHost}. */
    STREAM,
    /** For admins only, so never for a scoped user (who is never an admin): 403. */
    ADMIN,
    /** Names no host (sign-in, profile, the API description, agent downloads). */
    NO_HOSTS
  }

  private record Check(Kind kind, String query) {}

  private static final Map<String, Check> ROUTES = new LinkedHashMap<>();

  private static void route(String route, Kind kind) {
    route(route, kind, "");
  }

  private static void route(String route, Kind kind, String query) {
    ROUTES.put(route, new Check(kind, query));
  }

  static {
    route("GET /", Kind.COUNTS);
    route("GET /hosts", Kind.LIST, "q=-0");
    route("GET /hosts/overview", Kind.COUNTS);
    route("GET /hosts/pending", Kind.COUNTS);
    route("GET /hosts/{id}", Kind.HOST);
    route("GET /hosts/{id}/metrics", Kind.HOST);
    route("GET /hosts/{id}/inventory", Kind.HOST);
    route("GET /hosts/{id}/inventory/scan", Kind.HOST);
    route("GET /hosts/{id}/inventory.csv", Kind.HOST);
    route("GET /hosts/{id}/inventory/compare", Kind.HOST, "q=-0");
    route("GET /api/v1/hosts", Kind.LIST);
    route("GET /api/v1/overview", Kind.COUNTS);
    route("GET /api/v1/hosts/{id}", Kind.HOST);
    route("GET /api/v1/hosts/{id}/metrics", Kind.HOST);
    route("GET /api/v1/hosts/{id}/packages", Kind.HOST);
    route("GET /api/v1/hosts/{id}/packages/diff", Kind.HOST, "with={inside2}");
    route("GET /api/v1/hosts/{id}/tasks", Kind.HOST);
    route("GET /hosts/{id}/services", Kind.HOST);
    route("GET /hosts/{id}/services/list", Kind.HOST);
    route("GET /hosts/{id}/services/tasks/{task}", Kind.HOST);
    route("GET /hosts/{id}/ports", Kind.HOST);
    route("GET /hosts/{id}/terminal", Kind.HOST);
    route("GET /terminal-sessions/{session}/recording.cast", Kind.ADMIN);
    route("GET /terminal-sessions/{session}/replay", Kind.ADMIN);
    route("GET /api/v1/hosts/{id}/services", Kind.HOST);
    route("GET /api/v1/hosts/{id}/ports", Kind.HOST);
    route("GET /hosts/{id}/uninstall/{task}", Kind.ADMIN);
    route("GET /hosts/{id}/uninstall/{task}/status", Kind.ADMIN);
    route("GET /api/v1/agents/pending", Kind.COUNTS);
    route("GET /api/v1/tasks/{id}", Kind.TASK);
    route("GET /software", Kind.LIST, "name=openssl");
    route("GET /software.csv", Kind.LIST, "name=openssl");
    route("GET /api/v1/software", Kind.LIST, "name=openssl");
    route("SSE /hosts/events", Kind.STREAM);
    route("GET /users", Kind.ADMIN);
    route("GET /users/{id}/groups", Kind.ADMIN);
    route("GET /tokens", Kind.ADMIN);
    route("GET /api/v1/tokens", Kind.ADMIN);
    route("GET /audit", Kind.ADMIN);
    route("GET /audit.csv", Kind.ADMIN);
    route("GET /api/v1/audit", Kind.ADMIN);
    route("GET /orgs", Kind.ADMIN);
    route("GET /setup", Kind.NO_HOSTS);
    route("GET /login", Kind.NO_HOSTS);
    route("GET /profile", Kind.NO_HOSTS);
    route("GET /favicon.ico", Kind.NO_HOSTS);
    route("GET /api/v1/openapi.json", Kind.NO_HOSTS);
    route("GET /api/agent/download", Kind.NO_HOSTS);
    route("GET /api/agent/ca.crt", Kind.NO_HOSTS);
    route("GET /groups", Kind.NO_HOSTS);
    route("GET /api/v1/groups", Kind.NO_HOSTS);
    route("GET /groups/new", Kind.ADMIN);
    route("GET /groups/{id}/edit", Kind.ADMIN);
    route("GET /groups/{id}/candidates", Kind.ADMIN);
    route("GET /groups/{id}", Kind.GROUP_HOSTS);
    route("GET /api/v1/groups/{id}/hosts", Kind.GROUP_HOSTS);
    route("GET /api/v1/groups/{id}", Kind.GROUP);
    route("GET /groups/{id}/notes", Kind.GROUP);
    route("GET /api/v1/groups/{id}/notes", Kind.GROUP);
    route("GET /hosts/{id}/notes", Kind.HOST);
    route("GET /api/v1/hosts/{id}/notes", Kind.HOST);
    route("GET /notes/{id}/revisions", Kind.NOTE);
    route("GET /api/v1/notes/{id}", Kind.NOTE);
    route("GET /api/v1/notes/{id}/revisions", Kind.NOTE);
    route("GET /hosts/bulk", Kind.NO_HOSTS);
    route("GET /bulk-jobs/{id}", Kind.BULK_JOB);
    route("GET /api/v1/bulk-jobs/{id}", Kind.BULK_JOB);
    route("GET /api/v1/alert-rules", Kind.NO_HOSTS);
    route("GET /api/v1/checks", Kind.COUNTS);
    route("GET /api/v1/checks/{id}", Kind.CHECK);
    route("GET /api/v1/hosts/{id}/checks", Kind.HOST);
    route("GET /api/v1/certificates", Kind.LIST);
    route("GET /api/v1/certificates.csv", Kind.LIST);
    route("GET /api/v1/hosts/{id}/certificates", Kind.HOST);
    route("GET /certificates", Kind.LIST);
    route("GET /certificates.csv", Kind.LIST);
    route("GET /hosts/{id}/certificates", Kind.HOST);
    route("GET /api/v1/accounts", Kind.LIST);
    route("GET /api/v1/accounts.csv", Kind.LIST);
    route("GET /api/v1/hosts/{id}/accounts", Kind.HOST);
    route("GET /accounts", Kind.LIST);
    route("GET /accounts.csv", Kind.LIST);
    route("GET /hosts/{id}/accounts", Kind.HOST);
    route("GET /checks", Kind.COUNTS);
    route("GET /checks/new", Kind.ADMIN);
    route("GET /checks/{id}", Kind.CHECK);
    route("GET /checks/{id}/edit", Kind.ADMIN);
    route("GET /hosts/{id}/checks", Kind.HOST);
    route("GET /api/v1/alert-rules/{id}", Kind.ALERT_RULE);
    route("GET /api/v1/alerts", Kind.LIST);
    route("GET /api/v1/alerts/{id}", Kind.ALERT);
    route("GET /alerts", Kind.LIST);
    route("GET /alerts.csv", Kind.LIST);
    route("GET /alerts/rules", Kind.NO_HOSTS);
    route("GET /alerts/rules/new", Kind.ADMIN);
    route("GET /alerts/rules/{id}/edit", Kind.ADMIN);
    route("GET /notifications", Kind.LIST);
    route("GET /notifications/count", Kind.COUNTS);
    route("GET /api/v1/notifications", Kind.LIST);
    route("GET /alerts/silences", Kind.NO_HOSTS);
    route("GET /api/v1/silences", Kind.NO_HOSTS);
    route("GET /alerts/silences/new", Kind.ADMIN);
    route("GET /alerts/silences/{id}/edit", Kind.ADMIN);
    route("GET /api/v1/silences/{id}", Kind.SILENCE);
    route("GET /alerts/channels", Kind.NO_HOSTS);
    route("GET /alerts/channels/{id}", Kind.ADMIN);
    route("GET /alerts/channels/smtp", Kind.ADMIN);
    route("GET /api/v1/notification-channels", Kind.NO_HOSTS);
    route("GET /api/v1/notification-channels/{id}", Kind.CHANNEL);
    route("GET /api/v1/notification-channels/{id}/deliveries", Kind.ADMIN);
    route("GET /api/v1/settings/smtp", Kind.ADMIN);
  }

  private WebFixture web;
  private WebClient admin;
  private UUID org;
  private UUID webProd;
  private UUID dbProd;
  private UUID inside;
  private UUID inside2;
  private UUID outside;
  private UUID lonely;
  private UUID pendingHost;
  private UUID insideTask;
  private UUID outsideTask;
  private UUID insideNote;
  private UUID outsideNote;
  private UUID adminsJob;
  private UUID cpuRule;
  private UUID diskCheck;
  private UUID silence;
  private UUID channel;
  private UUID insideAlert;
  private UUID outsideAlert;

  @BeforeEach
  void start(Database database) throws Exception {
    web = WebFixture.on(database);
    org = web.defaultOrg();
    Instant hourAgo = Instant.now().minus(Duration.ofHours(1));
    inside =
        aHost("web-01").os("Ubuntu").vitals(95f, 10f, 10f).agent("active").insert(web.jdbi(), org);
    inside2 =
        aHost("web-02")
            .os("Ubuntu")
            .status("offline")
            .lastSeen(hourAgo)
            .agent("active")
            .insert(web.jdbi(), org);
    outside =
        aHost("db-01").os("SecretOS").vitals(95f, 95f, 95f).agent("active").insert(web.jdbi(), org);
    lonely =
        aHost("lonely-01")
            .os("HiddenBSD")
            .status("offline")
            .lastSeen(hourAgo)
            .agent("active")
            .insert(web.jdbi(), org);
    pendingHost = aHost("pending-01").status("pending").agent("pending").insert(web.jdbi(), org);
    webProd = staticGroup("web-prod", inside, inside2);
    dbProd = staticGroup("db-prod", outside);
    for (UUID host : List.of(inside, inside2, outside)) {
      installed(host, "openssl", "3.0.2");
    }
    TaskQueue tasks =
        new TaskQueue(web.jdbi(), new TaskTypes(List.of(SoftwareScanTask.TYPE)), Clock.systemUTC());
    insideTask =
        tasks.request(
            org, inside, SoftwareScanTask.TYPE, JsonNodeFactory.instance.objectNode(), SEEDER);
    outsideTask =
        tasks.request(
            org, outside, SoftwareScanTask.TYPE, JsonNodeFactory.instance.objectNode(), SEEDER);
    insideNote = note(inside, "checked the fans");
    outsideNote = note(outside, "SecretOS needs a reboot");
    // a rule firing on web-01 and db-01 (both over 90 % CPU), evaluated now
    cpuRule =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO alert_rules (org_id, name, kind, parameters, severity,"
                                + " selector) VALUES (:org, 'cpu', 'metric_threshold',"
                                + " '{\"metric\": \"cpu\", \"operator\": \">=\","
                                + " \"threshold\": 90}', 'critical', '{\"kind\": \"all\"}')"
                                + " RETURNING id")
                        .bind("org", org)
                        .mapTo(UUID.class)
                        .one());
    new AlertEvaluator(web.jdbi(), Clock.systemUTC()).evaluate();
    insideAlert = alertOn(inside);
    // a check failing on web-01 and on db-01
    diskCheck =
        web.jdbi()
            .withHandle(
                h -> {
                  UUID check =
                      h.createQuery(
                              "INSERT INTO checks (org_id, name, check_type, config,"
                                  + " interval_seconds, selector) VALUES (:org, 'disk free',"
                                  + " 'file', '{\"path\": \"/var/ok\"}', 60,"
                                  + " '{\"kind\": \"all\"}') RETURNING id")
                          .bind("org", org)
                          .mapTo(UUID.class)
                          .one();
                  h.createUpdate(
                          "INSERT INTO check_states (check_id, host_id, status, output,"
                              + " duration_ms, ran_at, since, consecutive_failures)"
                              + " SELECT :check, id, 'fail', 'missing on ' || hostname, 1, now(),"
                              + " now(), 1 FROM hosts WHERE id IN (:inside, :outside)")
                      .bind("check", check)
                      .bind("inside", inside)
                      .bind("outside", outside)
                      .execute();
                  return check;
                });
    // one certificate on web-01 and db-01 (the same one), another on db-01 alone
    web.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "INSERT INTO host_certificates (host_id, source, location, fingerprint,"
                        + " subject, issuer, not_after, seen_at) VALUES"
                        + " (?, 'file', '/etc/ssl/shared.pem', repeat('a', 64), 'CN=shared',"
                        + " 'CN=ca', now() + interval '10 days', now()),"
                        + " (?, 'file', '/etc/ssl/shared.pem', repeat('a', 64), 'CN=shared',"
                        + " 'CN=ca', now() + interval '10 days', now()),"
                        + " (?, 'tls', '127.0.0.1:5432', repeat('b', 64), 'CN=SecretOS db',"
                        + " 'CN=ca', now() + interval '10 days', now())",
                    inside,
                    outside,
                    outside));
    // an account of the same login on web-01 and db-01, another on db-01 alone
    web.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "INSERT INTO host_accounts (host_id, username, can_log_in, privileged,"
                        + " first_seen, last_seen) VALUES (?, 'alice', true, true, now(), now()),"
                        + " (?, 'alice', true, true, now(), now()),"
                        + " (?, 'SecretOS-dba', true, true, now(), now())",
                    inside,
                    outside,
                    outside));
    channel =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO notification_channels (org_id, name, kind, config)"
                                + " VALUES (:org, 'ops hook', 'slack',"
                                + " '{\"url\": \"https://hooks.example.com/x\"}') RETURNING id")
                        .bind("org", org)
                        .mapTo(UUID.class)
                        .one());
    silence =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO alert_silences (org_id, rule_id, reason, starts_at,"
                                + " ends_at, created_by_name) VALUES (:org, :rule, 'upgrades',"
                                + " now(), now() + interval '1 hour', 'admin') RETURNING id")
                        .bind("org", org)
                        .bind("rule", cpuRule)
                        .mapTo(UUID.class)
                        .one());
    outsideAlert = alertOn(outside);
    // signed in after seeding: the overview it is shown then is cached for a few seconds
    admin = web.signedInAdmin();
    adminsJob =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            """
                            INSERT INTO bulk_jobs (org_id, requester_kind, requester_name, action,
                                                   host_ids, total)
                            VALUES (:org, 'user', 'admin', 'rescan', ARRAY[CAST(:host AS uuid)], 1)
                            RETURNING id
                            """)
                        .bind("org", org)
                        .bind("host", inside)
                        .mapTo(UUID.class)
                        .one());
  }

  private UUID alertOn(UUID host) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "SELECT id FROM alert_instances WHERE host_id = :host AND state = 'firing'")
                    .bind("host", host)
                    .mapTo(UUID.class)
                    .one());
  }

  @AfterEach
  void stop() {
    web.close();
  }

  @Test
  void everyGetRouteIsInTheTable() {
    Set<String> registered = new TreeSet<>();
    RegisteredRoutes.all().stream()
        .filter(route -> !route.changesState())
        .map(Route::toString)
        .forEach(registered::add);

    assertThat(registered)
        .as("GET routes; add a new one to ROUTES saying what it shows a user scoped to groups")
        .containsExactlyInAnyOrderElementsOf(ROUTES.keySet());
  }

  @Test
  void aScopedUserSeesOnlyTheirGroupsHostsOnEveryRoute() {
    WebClient scoped = scopedUser("scoped@example.com", Map.of(webProd, Role.ENGINEER));
    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, Check> entry : ROUTES.entrySet()) {
      String path = entry.getKey().split(" ", 2)[1];
      Check check = entry.getValue();
      String query = check.query().replace("{inside2}", inside2.toString());
      switch (check.kind()) {
        case HOST -> {
          expectShown(wrong, scoped, with(path, inside, query), false);
          for (UUID other : List.of(outside, lonely, pendingHost)) {
            expectStatus(wrong, scoped, with(path, other, query), 404);
          }
        }
        case TASK -> {
          expectShown(wrong, scoped, with(path, insideTask, query), false);
          expectStatus(wrong, scoped, with(path, outsideTask, query), 404);
        }
        case GROUP, GROUP_HOSTS -> {
          expectShown(wrong, scoped, with(path, webProd, query), check.kind() == Kind.GROUP_HOSTS);
          expectStatus(wrong, scoped, with(path, dbProd, query), 404);
        }
        case NOTE -> {
          expectShown(wrong, scoped, with(path, insideNote, query), false);
          expectStatus(wrong, scoped, with(path, outsideNote, query), 404);
        }
        case BULK_JOB -> expectStatus(wrong, scoped, with(path, adminsJob, query), 404);
        case ALERT -> {
          expectShown(wrong, scoped, with(path, insideAlert, query), false);
          expectStatus(wrong, scoped, with(path, outsideAlert, query), 404);
        }
        case ALERT_RULE -> expectShown(wrong, scoped, with(path, cpuRule, query), false);
        case CHECK -> expectShown(wrong, scoped, with(path, diskCheck, query), true);
        case SILENCE -> expectShown(wrong, scoped, with(path, silence, query), false);
        case CHANNEL -> expectShown(wrong, scoped, with(path, channel, query), false);
        case LIST -> expectShown(wrong, scoped, with(path, null, query), true);
        case COUNTS, NO_HOSTS -> expectShown(wrong, scoped, with(path, null, query), false);
        case ADMIN -> expectStatus(wrong, scoped, with(path, webProd, query), 403);
        case STREAM -> {} // its own test below
      }
    }
    // comparing with a host outside the scope is comparing with a host that does not exist
    expectStatus(wrong, scoped, "/hosts/" + inside + "/inventory/compare?with=" + outside, 404);
    expectStatus(wrong, scoped, "/api/v1/hosts/" + inside + "/packages/diff?with=" + outside, 404);
    assertThat(wrong).isEmpty();
  }

  @Test
  void countsAreTheGroupsOwnNumbers() throws Exception {
    WebClient scoped = scopedUser("scoped@example.com", Map.of(webProd, Role.ENGINEER));

    JsonNode overview = json(scoped, "/api/v1/overview");
    assertThat(overview.get("total").asLong()).isEqualTo(2);
    assertThat(overview.get("online").asLong()).isEqualTo(1);
    assertThat(overview.get("offline").asLong()).isEqualTo(1);
    assertThat(overview.get("stale").asLong()).isEqualTo(1); // web-02, quiet for an hour
    assertThat(overview.get("pending_approval").asLong()).isZero();
    assertThat(overview.get("cpu_hot").asLong()).isEqualTo(1);
    assertThat(overview.get("memory_hot").asLong()).isZero();
    assertThat(overview.get("disk_hot").asLong()).isZero();
    assertThat(overview.get("operating_systems").findValuesAsText("os")).containsExactly("Ubuntu");
    assertThat(overview.get("operating_systems").get(0).get("hosts").asLong()).isEqualTo(2);

    // the admin's numbers, asked in between, are the whole organisation's and stay theirs
    JsonNode whole = json(admin, "/api/v1/overview");
    assertThat(whole.get("total").asLong()).isEqualTo(5);
    assertThat(whole.get("pending_approval").asLong()).isEqualTo(1);
    assertThat(whole.get("cpu_hot").asLong()).isEqualTo(2);
    assertThat(json(scoped, "/api/v1/overview").get("total").asLong()).isEqualTo(2);

    assertThat(json(scoped, "/api/v1/hosts").get("total").asLong()).isEqualTo(2);
    assertThat(json(scoped, "/api/v1/hosts?hot=cpu").get("total").asLong()).isEqualTo(1);
    assertThat(json(admin, "/api/v1/hosts").get("total").asLong()).isEqualTo(5);
    assertThat(json(scoped, "/api/v1/software?name=openssl").get("holders").size()).isEqualTo(2);
    assertThat(json(admin, "/api/v1/software?name=openssl").get("holders").size()).isEqualTo(3);
    assertThat(json(scoped, "/api/v1/agents/pending").size()).isZero();

    String compare = scoped.get("/hosts/" + inside + "/inventory/compare?q=-0").body();
    assertThat(compare).contains("web-02").doesNotContain("db-01", "lonely-01");
    String hostsPage = scoped.get("/hosts").body();
    assertThat(hostsPage).contains("web-01", "web-02", "Ubuntu");

    // a deleted host stays a static member (restoring brings it back) but counts nowhere
    web.jdbi()
        .useHandle(h -> h.execute("UPDATE hosts SET deleted_at = now() WHERE id = ?", inside2));
    assertThat(json(scoped, "/api/v1/hosts").get("total").asLong()).isEqualTo(1);
    assertThat(json(scoped, "/api/v1/hosts?status=deleted").get("total").asLong()).isEqualTo(1);
    JsonNode group = json(scoped, "/api/v1/groups/" + webProd + "/hosts");
    assertThat(group.get("total").asLong()).isEqualTo(1);
    assertThat(group.get("items")).hasSize(1);
  }

  @Test
  void liveStatusEventsReachOnlyUsersWhoSeeTheHost() {
    WebClient scoped = scopedUser("scoped@example.com", Map.of(webProd, Role.ENGINEER));
    StringBuffer events = new StringBuffer();
    CompletableFuture<HttpResponse<InputStream>> stream =
        scoped.sendStream(
            scoped.request("/hosts/events").header("Accept", "text/event-stream").GET().build());
    stream.thenAcceptAsync(response -> readLines(response, events));
    await("stream open").atMost(Duration.ofSeconds(10)).until(() -> web.web.liveClients() == 1);

    announce(outside);
    announce(lonely);
    announce(inside);

    await("the group's host's event")
        .atMost(Duration.ofSeconds(10))
        .until(() -> events.toString().contains("status-" + inside));
    assertThat(events.toString())
        .doesNotContain(outside.toString())
        .doesNotContain(lonely.toString());
  }

  @Test
  void liveAlertCellsReachOnlyUsersWhoSeeTheHost() {
    WebClient scoped = scopedUser("scoped@example.com", Map.of(webProd, Role.ENGINEER));
    StringBuffer events = new StringBuffer();
    scoped
        .sendStream(
            scoped.request("/hosts/events").header("Accept", "text/event-stream").GET().build())
        .thenAcceptAsync(response -> readLines(response, events));
    await("stream open").atMost(Duration.ofSeconds(10)).until(() -> web.web.liveClients() == 1);

    // both hosts over 90 % CPU cool down: the evaluator resolves both alerts and announces them
    web.jdbi().useHandle(h -> h.execute("UPDATE host_vitals SET cpu_percent = 5"));
    new AlertEvaluator(web.jdbi(), Clock.systemUTC()).evaluate();

    await("the group's host's cell")
        .atMost(Duration.ofSeconds(10))
        .until(() -> events.toString().contains("event: alerts-" + inside));
    assertThat(events.toString()).doesNotContain("alerts-" + outside);
  }

  @Test
  void aLiveStreamEndsWhenItsUsersAccessChangesSoItReconnectsWithTheNewOne() throws Exception {
    UUID userId = web.user(org, "moved@example.com", Role.READ_ONLY);
    new UserScopes(web.jdbi()).scopeToGroups(org, userId, Map.of(webProd, Role.ENGINEER), SEEDER);
    WebClient moved = web.client();
    moved.signIn("moved@example.com", WebFixture.PASSWORD);
    CompletableFuture<Void> ended =
        moved
            .sendStream(
                moved.request("/hosts/events").header("Accept", "text/event-stream").GET().build())
            .thenAcceptAsync(response -> readLines(response, new StringBuffer()));
    await("stream open").atMost(Duration.ofSeconds(10)).until(() -> web.web.liveClients() == 1);

    new UserScopes(web.jdbi()).scopeToGroups(org, userId, Map.of(dbProd, Role.ENGINEER), SEEDER);

    await("the stream of the old access ends")
        .atMost(Duration.ofSeconds(10))
        .until(() -> ended.isDone() && web.web.liveClients() == 0);
  }

  @Test
  void actionsOnAHostNeedTheRoleOnAGroupHoldingIt() {
    WebClient mixed =
        scopedUser("mixed@example.com", Map.of(webProd, Role.ENGINEER, dbProd, Role.READ_ONLY));

    // the read-only group's host shows no action; the engineer group's host does
    UUID idle = aHost("db-02").agent("active").insert(web.jdbi(), org);
    web.jdbi().useTransaction(h -> HostGroups.addMembers(h, org, SEEDER, dbProd, List.of(idle)));
    assertThat(mixed.get("/hosts/" + idle).body()).doesNotContain("save-display-name");
    assertThat(mixed.get("/hosts/" + idle + "/inventory").body()).doesNotContain("id=\"rescan\"");
    assertThat(mixed.get("/hosts/" + inside2).body()).contains("save-display-name");
    assertThat(mixed.get("/hosts/" + inside2 + "/inventory").body()).contains("id=\"rescan\"");

    int outsideScans = scans(outside);
    assertThat(mixed.post("/hosts/" + inside + "/rescan", Map.of()).statusCode()).isLessThan(400);
    assertThat(mixed.post("/hosts/" + outside + "/rescan", Map.of()).statusCode()).isEqualTo(403);
    assertThat(mixed.post("/hosts/" + lonely + "/rescan", Map.of()).statusCode()).isEqualTo(404);
    assertThat(scans(outside)).isEqualTo(outsideScans);
    assertThat(scans(lonely)).isZero();

    assertThat(
            mixed
                .post("/hosts/" + inside + "/display-name", Map.of("display_name", "front"))
                .statusCode())
        .isLessThan(400);
    assertThat(
            mixed
                .post("/hosts/" + outside + "/display-name", Map.of("display_name", "mine"))
                .statusCode())
        .isEqualTo(403);
    assertThat(sendJson(mixed, "PATCH", "/api/v1/hosts/" + outside, "{\"display_name\": \"x\"}"))
        .isEqualTo(403);
    assertThat(sendJson(mixed, "PATCH", "/api/v1/hosts/" + lonely, "{\"display_name\": \"x\"}"))
        .isEqualTo(404);
    assertThat(displayName(inside)).isEqualTo("front");
    assertThat(displayName(outside)).isNull();
    assertThat(displayName(lonely)).isNull();

    String task = "{\"type\": \"software_inventory\"}";
    assertThat(sendJson(mixed, "POST", "/api/v1/hosts/" + inside2 + "/tasks", task)).isEqualTo(202);
    assertThat(sendJson(mixed, "POST", "/api/v1/hosts/" + outside + "/tasks", task)).isEqualTo(403);
    assertThat(sendJson(mixed, "POST", "/api/v1/hosts/" + lonely + "/tasks", task)).isEqualTo(404);
    assertThat(sendJson(mixed, "POST", "/api/v1/tasks/" + outsideTask + "/cancel", "{}"))
        .isEqualTo(403);
    assertThat(sendJson(mixed, "POST", "/api/v1/tasks/" + insideTask + "/cancel", "{}"))
        .isEqualTo(200);
    assertThat(mixed.post("/hosts/" + inside + "/delete", Map.of()).statusCode()).isEqualTo(403);
  }

  @Test
  void aScopeChangeAppliesAtTheUsersNextRequest() throws Exception {
    UUID userId = web.user(org, "moved@example.com", Role.READ_ONLY);
    new UserScopes(web.jdbi()).scopeToGroups(org, userId, Map.of(webProd, Role.ENGINEER), SEEDER);
    WebClient moved = web.client();
    moved.signIn("moved@example.com", WebFixture.PASSWORD);
    assertThat(hostnames(moved)).containsExactlyInAnyOrder("web-01", "web-02");

    assertThat(
            admin
                .post("/users/" + userId + "/groups", Map.of("group", dbProd + ":read_only"))
                .statusCode())
        .isEqualTo(200);
    assertThat(hostnames(moved)).containsExactly("db-01");
    assertThat(moved.get("/hosts/" + inside).statusCode()).isEqualTo(404);

    assertThat(admin.post("/users/" + userId + "/role", Map.of("role", "engineer")).statusCode())
        .isEqualTo(200);
    assertThat(hostnames(moved))
        .containsExactlyInAnyOrder("web-01", "web-02", "db-01", "lonely-01", "pending-01");
  }

  @Test
  void aScopedUserWhoseGroupsAreGoneSeesNoHost() throws Exception {
    UUID doomed = staticGroup("doomed", lonely);
    WebClient scoped = scopedUser("orphan@example.com", Map.of(doomed, Role.ENGINEER));
    assertThat(hostnames(scoped)).containsExactly("lonely-01");

    web.jdbi().useTransaction(h -> HostGroups.delete(h, org, SEEDER, doomed));

    assertThat(web.count("SELECT count(*) FROM user_group_roles")).isZero();
    assertThat(hostnames(scoped)).isEmpty();
    assertThat(json(scoped, "/api/v1/overview").get("total").asLong()).isZero();
    assertThat(scoped.get("/hosts/" + lonely).statusCode()).isEqualTo(404);
  }

  private WebClient scopedUser(String email, Map<UUID, Role> roles) {
    UUID id = web.user(org, email, Role.READ_ONLY);
    assertThat(new UserScopes(web.jdbi()).scopeToGroups(org, id, roles, SEEDER))
        .isInstanceOf(Users.Change.Done.class);
    WebClient client = web.client();
    client.signIn(email, WebFixture.PASSWORD);
    return client;
  }

  private UUID staticGroup(String name, UUID... members) {
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

  private void installed(UUID host, String name, String version) {
    web.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        """
                        INSERT INTO software_packages (host_id, org_id, name, version,
                            architecture, source, first_seen, last_seen)
                        VALUES (:host, :org, :name, :version, 'amd64', 'dpkg', :now, :now)
                        """)
                    .bind("host", host)
                    .bind("org", org)
                    .bind("name", name)
                    .bind("version", version)
                    .bind("now", Timestamp.from(Instant.now()))
                    .execute());
  }

  /** What the listener hears when ingest records a status change of the host's agent. */
  private void announce(UUID host) {
    web.jdbi()
        .useHandle(
            h ->
                h.createQuery(
                        "SELECT pg_notify(:channel, '{\"agent_id\":\"' || agent_id || '\"}')"
                            + " FROM hosts WHERE id = :host")
                    .bind("channel", AgentHistory.NOTIFY_CHANNEL)
                    .bind("host", host)
                    .mapTo(String.class)
                    .one());
  }

  private static void readLines(HttpResponse<InputStream> response, StringBuffer into) {
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        into.append(line).append('\n');
      }
    } catch (Exception e) {
      // the stream closing at the end of the test ends the reading too
    }
  }

  private String with(String path, UUID id, String query) {
    // a second id in a path is a task of the group's host (any kind: a route may refuse others)
    String concrete =
        (id == null ? path : path.replace("{id}", id.toString()))
            .replace("{task}", insideTask.toString())
            .replace("{session}", UUID.randomUUID().toString());
    return query.isEmpty() ? concrete : concrete + "?" + query;
  }

  private UUID note(UUID host, String body) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        """
                        INSERT INTO notes (org_id, host_id, body, author_name, updated_by_name)
                        VALUES (:org, :host, :body, 'seed', 'seed') RETURNING id
                        """)
                    .bind("org", org)
                    .bind("host", host)
                    .bind("body", body)
                    .mapTo(UUID.class)
                    .one());
  }

  /**
   * Every outside host's hostname, id and operating system, the other group and its note: none may
   * show in a scoped answer.
   */
  private List<String> secrets() {
    return List.of(
        "db-01",
        "db-prod",
        "needs a reboot",
        outsideNote.toString(),
        "lonely-01",
        "pending-01",
        "SecretOS",
        "HiddenBSD",
        outside.toString(),
        lonely.toString(),
        pendingHost.toString(),
        outsideTask.toString());
  }

  private void expectShown(List<String> wrong, WebClient client, String path, boolean lists) {
    HttpResponse<String> response = client.get(path);
    if (response.statusCode() >= 400 && lists) {
      wrong.add(path + " answered " + response.statusCode());
      return;
    }
    for (String secret : secrets()) {
      if (response.body().contains(secret)) {
        wrong.add(path + " shows " + secret);
      }
    }
    if (lists && !response.body().contains("web-01")) {
      wrong.add(path + " does not list the group's host web-01");
    }
  }

  private static void expectStatus(List<String> wrong, WebClient client, String path, int status) {
    int got = client.get(path).statusCode();
    if (got != status) {
      wrong.add(path + " answered " + got + ", not " + status);
    }
  }

  private static JsonNode json(WebClient client, String path) throws Exception {
    HttpResponse<String> response = client.get(path);
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static List<String> hostnames(WebClient client) throws Exception {
    List<String> names = new ArrayList<>();
    json(client, "/api/v1/hosts").get("items").forEach(i -> names.add(i.get("hostname").asText()));
    return names;
  }

  private static int sendJson(WebClient client, String method, String path, String body) {
    return client
        .send(
            client
                .request(path)
                .header("Content-Type", "application/json")
                .header("X-CSRF-Token", client.csrf())
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .build())
        .statusCode();
  }

  private int scans(UUID host) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT count(*) FROM software_scans WHERE host_id = :host")
                    .bind("host", host)
                    .mapTo(Integer.class)
                    .one());
  }

  private String displayName(UUID host) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT display_name FROM hosts WHERE id = :host")
                    .bind("host", host)
                    .mapTo(String.class)
                    .one());
  }
}
