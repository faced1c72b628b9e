package io.ctops.server.audit;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Reading the audit log: the Audit page, its CSV and {@code GET /api/v1/audit} for admins only,
 * within their organisation (every one for a super admin who asks), filtered and paged; a host's
 * History; the retention purge.
 */
@ExtendWith(FreshDatabase.class)
class AuditPagesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WebFixture web;
  private WebClient admin;
  private UUID org;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    web.admin();
    org = web.defaultOrg();
    admin = web.client();
    admin.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
  }

  @AfterEach
  void stop() {
    web.close();
  }

  /** A stored entry from the past, as the log would have written it then. */
  private static void entry(Jdbi jdbi, UUID org, String actor, AuditAction action, Instant at) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    INSERT INTO audit_entries (at, org_id, actor_kind, actor_name, action,
                                               outcome, source_address)
                    VALUES (:at, :org, 'user', :actor, :action, 'succeeded', '10.1.1.1')
                    """)
                .bind("at", Timestamp.from(at))
                .bind("org", org)
                .bind("actor", actor)
                .bind("action", action.dbName())
                .execute());
  }

  private JsonNode api(WebClient client, String query) throws Exception {
    HttpResponse<String> response = client.get("/api/v1/audit" + query);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static List<String> actions(JsonNode page) {
    return page.get("items").findValuesAsText("action");
  }

  @Test
  void onlyAdminsReadTheLog() {
    web.user(org, "eng@example.com", Role.ENGINEER);
    web.user(org, "ro@example.com", Role.READ_ONLY);
    for (String email : List.of("eng@example.com", "ro@example.com")) {
      WebClient user = web.client();
      user.signIn(email, WebFixture.PASSWORD);
      assertThat(user.get("/audit").statusCode()).as(email + " page").isEqualTo(403);
      assertThat(user.get("/audit.csv").statusCode()).as(email + " CSV").isEqualTo(403);
      assertThat(user.get("/api/v1/audit").statusCode()).as(email + " API").isEqualTo(403);
      assertThat(user.get("/hosts").body()).doesNotContain("id=\"nav-audit\"");
    }
    assertThat(web.client().get("/api/v1/audit").statusCode()).isEqualTo(401);
    HttpResponse<String> page = admin.get("/audit");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("id=\"nav-audit\"").contains("user.sign_in");
  }

  @Test
  void anAdminSeesTheirOrganisationAndASuperAdminMaySeeEvery() throws Exception {
    UUID other = web.otherOrg();
    web.user(other, "other-admin@example.com", Role.ORG_ADMIN);
    web.client().signIn("other-admin@example.com", WebFixture.PASSWORD);

    JsonNode own = api(admin, "?action=user.sign_in");
    assertThat(own.get("items").findValuesAsText("actor_name"))
        .contains(WebFixture.ADMIN_EMAIL)
        .doesNotContain("other-admin@example.com");
    assertThat(admin.get("/audit").body()).doesNotContain("other-admin@example.com");
    assertThat(admin.get("/api/v1/audit?org=all").statusCode())
        .as("only a super admin reads every organisation")
        .isEqualTo(403);

    web.user(org, "root@example.com", Role.SUPER_ADMIN);
    WebClient root = web.client();
    root.signIn("root@example.com", WebFixture.PASSWORD);
    assertThat(api(root, "?action=user.sign_in").get("items").findValuesAsText("actor_name"))
        .doesNotContain("other-admin@example.com");
    JsonNode every = api(root, "?org=all&action=user.sign_in");
    assertThat(every.get("items").findValuesAsText("actor_name"))
        .contains(WebFixture.ADMIN_EMAIL, "other-admin@example.com", "root@example.com");
    assertThat(root.get("/audit?org=all").body()).contains("other-admin@example.com");
  }

  @Test
  void filtersNarrowByActorActionHostOutcomeAndTime() throws Exception {
    UUID host = aHost("web-9").agent("active").insert(web.jdbi(), org);
    admin.post("/hosts/" + host + "/delete", Map.of());
    web.client().signIn(WebFixture.ADMIN_EMAIL, "wrong password here");
    Instant longAgo = Instant.parse("2026-01-15T12:00:00Z");
    entry(web.jdbi(), org, "old@example.com", AuditAction.TOKEN_CREATE, longAgo);

    assertThat(actions(api(admin, "?host=" + host))).containsExactly("host.delete");
    assertThat(actions(api(admin, "?outcome=failed"))).containsExactly("user.sign_in");
    assertThat(actions(api(admin, "?actor=OLD@example.com"))).containsExactly("token.create");
    assertThat(actions(api(admin, "?action=host.delete"))).containsExactly("host.delete");
    assertThat(actions(api(admin, "?from=2026-01-15&to=2026-01-15")))
        .containsExactly("token.create");
    assertThat(actions(api(admin, "?to=2026-01-14"))).isEmpty();
    assertThat(actions(api(admin, "?from=2026-01-16"))).doesNotContain("token.create");

    String page = admin.get("/audit?host=" + host).body();
    assertThat(page)
        .contains("<code>host.delete</code>")
        .doesNotContain("<code>token.create</code>");

    for (String bad :
        List.of(
            "?action=drop_table",
            "?host=nope",
            "?outcome=maybe",
            "?from=yesterday",
            "?size=7",
            "?page=0",
            "?from=2026-02-01&to=2026-01-01",
            "?org=mine")) {
      HttpResponse<String> answer = admin.get("/api/v1/audit" + bad);
      assertThat(answer.statusCode()).as(bad).isEqualTo(400);
      assertThat(answer.body()).as(bad).contains("\"error\"");
    }
  }

  @Test
  void theLogIsPagedNewestFirst() throws Exception {
    Instant start = Instant.parse("2026-03-01T00:00:00Z");
    for (int i = 0; i < 30; i++) {
      entry(web.jdbi(), org, "bulk@example.com", AuditAction.HOST_RESCAN, start.plusSeconds(i));
    }
    JsonNode first = api(admin, "?actor=bulk@example.com&size=25");
    assertThat(first.get("total").asLong()).isEqualTo(30);
    assertThat(first.get("pages").asInt()).isEqualTo(2);
    assertThat(first.get("items")).hasSize(25);
    assertThat(first.get("items").get(0).get("at").asText()).isEqualTo("2026-03-01T00:00:29Z");
    JsonNode second = api(admin, "?actor=bulk@example.com&size=25&page=2");
    assertThat(second.get("items")).hasSize(5);
    assertThat(second.get("items").get(4).get("at").asText()).isEqualTo("2026-03-01T00:00:00Z");
    assertThat(second.get("items").get(0).has("source_address")).as("snake_case").isTrue();

    String page = admin.get("/audit?actor=bulk%40example.com&size=25").body();
    assertThat(page).contains("Page 1 of 2").contains("id=\"audit-next\"");
  }

  @Test
  void theCsvExportHasEveryMatchingEntryAndNeutralisesFormulas() {
    admin.post("/tokens", Map.of("name", "=HYPERLINK(\"http://evil\")"));
    HttpResponse<String> csv = admin.get("/audit.csv?action=token.create");
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
    String[] lines = csv.body().split("\r\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0]).startsWith("\"time\",\"organisation\",\"actor_kind\",\"actor\"");
    assertThat(lines[1])
        .contains("\"" + WebFixture.ADMIN_EMAIL + "\"")
        .contains("\"token.create\"")
        .contains("\"'=HYPERLINK(\"\"http://evil\"\")\"")
        .contains("\"succeeded\"");
  }

  @Test
  void aHostsHistoryMergesStatusChangesAndActionsNewestFirst() {
    UUID host = aHost("hist-1").agent("pending").insert(web.jdbi(), org);
    UUID agent =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT agent_id FROM hosts WHERE id = :id")
                        .bind("id", host)
                        .mapTo(UUID.class)
                        .one());
    web.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        "INSERT INTO agent_status_history (agent_id, status, reason, at)"
                            + " VALUES (:agent, 'pending', 'registered with token t', :at)")
                    .bind("agent", agent)
                    .bind("at", Timestamp.from(Instant.now().minusSeconds(60)))
                    .execute());
    admin.post("/agents/" + agent + "/approve", Map.of());
    admin.post("/hosts/" + host + "/rescan", Map.of());

    String page = admin.get("/hosts/" + host).body();
    assertThat(page).contains("id=\"history\"");
    String history = page.substring(page.indexOf("id=\"history-entries\""));
    int rescan = history.indexOf("host.rescan");
    int approve = history.indexOf("agent.approve");
    int approved = history.indexOf("approved by " + WebFixture.ADMIN_EMAIL);
    int registered = history.indexOf("registered with token t");
    assertThat(rescan).isPositive().isLessThan(approve);
    assertThat(approved).isPositive();
    assertThat(approve).isLessThan(registered);
    assertThat(Math.max(approve, approved)).isLessThan(registered);

    web.user(org, "ro@example.com", Role.READ_ONLY);
    WebClient readOnly = web.client();
    readOnly.signIn("ro@example.com", WebFixture.PASSWORD);
    assertThat(readOnly.get("/hosts/" + host).body())
        .contains("agent.approve")
        .doesNotContain("id=\"history-audit-link\"");
  }

  @Test
  void aHostWithoutAnAgentHasAnEmptyHistoryUntilSomeoneActsOnIt() {
    UUID host = aHost("bare-1").insert(web.jdbi(), org);
    assertThat(admin.get("/hosts/" + host).body()).contains("id=\"history-empty\"");
    admin.post("/hosts/" + host + "/delete", Map.of());
    assertThat(admin.get("/hosts/" + host).body())
        .doesNotContain("id=\"history-empty\"")
        .contains("<code>host.delete</code>");
  }

  @Test
  void theRetentionPurgeRemovesOnlyEntriesOlderThanTheRetention() {
    Instant now = Instant.parse("2026-12-01T00:00:00Z");
    entry(
        web.jdbi(),
        org,
        "a@example.com",
        AuditAction.TOKEN_CREATE,
        now.minus(Duration.ofDays(400)));
    entry(
        web.jdbi(),
        org,
        "b@example.com",
        AuditAction.TOKEN_CREATE,
        now.minus(Duration.ofDays(366)));
    entry(
        web.jdbi(),
        org,
        "c@example.com",
        AuditAction.TOKEN_CREATE,
        now.minus(Duration.ofDays(364)));
    AuditRetention retention =
        new AuditRetention(web.jdbi(), Clock.fixed(now, ZoneOffset.UTC), Duration.ofDays(365));

    assertThat(retention.purge()).isEqualTo(2);
    List<String> kept =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT actor_name FROM audit_entries WHERE action = :action")
                        .bind("action", AuditAction.TOKEN_CREATE.dbName())
                        .mapTo(String.class)
                        .list());
    assertThat(kept).containsExactly("c@example.com");
    assertThat(retention.purge()).isZero();
  }
}
