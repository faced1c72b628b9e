package io.ctops.server.services;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.AgentQueryResult;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.ServiceInfo;
import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.queries.HostQueries;
import io.ctops.server.queries.QueryAnswers;
import io.ctops.server.queries.QueryType;
import io.ctops.server.queries.ServiceEntry;
import io.ctops.server.roles.TaskTypesOfThisRelease;
import io.ctops.server.tasks.TaskReports;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Services tab and service actions through the web app and its API, on a real database: the
 * list as the agent answered, its search and filters, and what an action queues, refuses and
 * records.
 */
@ExtendWith(FreshDatabase.class)
class ServicesPagesTest {
  private WebFixture web;
  private WebClient admin;
  private UUID host;
  private UUID offline;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    admin = web.signedInAdmin();
    host = aHost("web-12").status("online").agent("active").insert(web.jdbi(), web.defaultOrg());
    offline = aHost("db-03").status("offline").agent("active").insert(web.jdbi(), web.defaultOrg());
    answer(
        host,
        service("nginx.service", "active/running", "enabled", "A high performance web server"),
        service("backup.service", "failed/failed", "enabled", "Nightly backup"),
        service("cups.service", "inactive/dead", "disabled", "CUPS Scheduler"),
        service(UnitName.AGENT_UNIT, "active/running", "enabled", "CT-Ops agent"));
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private static ServiceInfo service(
      String name, String activeSub, String unitFile, String description) {
    return ServiceInfo.newBuilder()
        .setName(name)
        .setLoadState("loaded")
        .setActiveSub(activeSub)
        .setUnitFileState(unitFile)
        .setDescription(description)
        .build();
  }

  /** The host's agent answers the services question with these, through the real code paths. */
  private void answer(UUID hostId, ServiceInfo... services) {
    new HostQueries(web.jdbi(), Clock.systemUTC())
        .ask(hostId, QueryType.SERVICES, ServiceEntry.class);
    String queryId =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "SELECT CAST(query_id AS text) FROM host_queries WHERE host_id = ?")
                        .bind(0, hostId)
                        .mapTo(String.class)
                        .one());
    new QueryAnswers(web.jdbi(), Clock.systemUTC(), new SimpleMeterRegistry())
        .write(
            hostId,
            List.of(
                AgentQueryResult.newBuilder()
                    .setQueryId(queryId)
                    .setQueryType("list_services")
                    .setStatus("ok")
                    .addAllServices(List.of(services))
                    .build()));
  }

  private HttpResponse<String> act(WebClient client, UUID hostId, String unit, String action) {
    return client.post(
        "/hosts/" + hostId + "/services/action", Map.of("unit", unit, "action", action));
  }

  private int tasks() {
    return web.count("SELECT count(*) FROM tasks WHERE type = 'service'");
  }

  @Test
  void theTabListsTheAgentsUnitsWithHowFreshTheyAreAndFiltersThem() {
    String page = admin.get("/hosts/" + host + "/services").body();
    assertThat(page)
        .contains("nginx.service", "backup.service", "cups.service", "Reported by the agent")
        .contains("4 units · 2 running · 1 failed")
        .contains("id=\"tab-services\"");

    String failed = admin.get("/hosts/" + host + "/services/list?filter=failed").body();
    assertThat(failed).contains("backup.service").doesNotContain("nginx.service", "cups.service");
    String enabled = admin.get("/hosts/" + host + "/services/list?filter=enabled").body();
    assertThat(enabled).contains("nginx.service", "backup.service").doesNotContain("cups.service");
    String searched = admin.get("/hosts/" + host + "/services/list?q=WEB%20server").body();
    assertThat(searched).contains("nginx.service").doesNotContain("backup.service");

    assertThat(admin.get("/hosts/" + host + "/services/list?filter=everything").statusCode())
        .isEqualTo(400);
    // the agent's own unit offers no Stop
    assertThat(page).doesNotContain("Stop " + UnitName.AGENT_UNIT);
    assertThat(page).contains("Restart nginx.service on web-12?");
    // start what is not running, stop what is
    assertThat(page)
        .contains("Start cups.service on web-12?", "Stop nginx.service on web-12?")
        .doesNotContain("Stop cups.service", "Start nginx.service");
  }

  @Test
  void aRestartQueuesAServiceTaskAndItsEndIsAuditedWithTheOutcome() throws Exception {
    web.user(web.defaultOrg(), "eng@example.com", Role.ENGINEER);
    WebClient engineer = web.client();
    engineer.signIn("eng@example.com", WebFixture.PASSWORD);

    HttpResponse<String> queued = act(engineer, host, "nginx.service", "restart");

    assertThat(queued.statusCode()).isEqualTo(200);
    assertThat(queued.body()).contains("restart nginx.service", "queued");
    UUID task = UUID.fromString(text("SELECT CAST(id AS text) FROM tasks WHERE type = 'service'"));
    assertThat(text("SELECT parameters::text FROM tasks WHERE id = '" + task + "'"))
        .isEqualTo("{\"action\": \"restart\", \"service_name\": \"nginx.service\"}");
    String before = queryId();

    new TaskReports(
            web.jdbi(), TaskTypesOfThisRelease.all(), Clock.systemUTC(), new SimpleMeterRegistry())
        .write(
            host,
            List.of(),
            List.of(
                AgentTaskResult.newBuilder()
                    .setTaskId(task.toString())
                    .setTaskType("service")
                    .setExitCode(0)
                    .setResultJson(
                        "{\"service_name\": \"nginx.service\", \"action\": \"restart\","
                            + " \"is_active\": true}")
                    .build()));

    assertThat(
            text(
                """
                SELECT actor_name || ' ' || outcome || ' ' || target_label || ' '
                       || (parameters->>'action') || ' ' || (parameters->>'service_name') || ' '
                       || (parameters->>'is_active')
                  FROM audit_entries WHERE action = 'host.service_action'
                """))
        .isEqualTo("eng@example.com succeeded nginx.service restart nginx.service true");
    assertThat(queryId()).as("the list is asked for again").isNotEqualTo(before);
    String panel = engineer.get("/hosts/" + host + "/services/tasks/" + task).body();
    assertThat(panel).contains("succeeded", "exit code 0");
  }

  private String queryId() {
    return text(
        "SELECT CAST(query_id AS text) FROM host_queries WHERE type = 'list_services'"
            + " AND host_id = '"
            + host
            + "'");
  }

  private String text(String sql) {
    return web.jdbi().withHandle(h -> h.createQuery(sql).mapTo(String.class).one());
  }

  @Test
  void badNamesActionsAndHostsAreRefusedWithTheReasonAndNothingIsQueued() {
    for (String unit : List.of("../etc/passwd", "-H evil", "a b", "--now", "", "x".repeat(300))) {
      HttpResponse<String> refused = act(admin, host, unit, "restart");
      assertThat(refused.statusCode()).as(unit).isEqualTo(400);
    }
    assertThat(act(admin, host, "nginx.service", "reload").body()).contains("start, stop");
    assertThat(act(admin, host, "nginx.service", "reload").statusCode()).isEqualTo(400);
    HttpResponse<String> ownUnit = act(admin, host, "ct-ops-agent", "stop");
    assertThat(ownUnit.statusCode()).isEqualTo(400);
    assertThat(ownUnit.body()).contains("would cut this host off");

    HttpResponse<String> unknown = act(admin, host, "postgresql.service", "start");
    assertThat(unknown.statusCode()).isEqualTo(409);
    assertThat(unknown.body()).contains("does not list a unit named postgresql.service");

    HttpResponse<String> offlineHost = act(admin, offline, "nginx.service", "restart");
    assertThat(offlineHost.statusCode()).isEqualTo(409);
    assertThat(offlineHost.body()).contains("the host is offline", "nothing was queued");

    HttpResponse<String> api =
        admin.send(
            admin
                .request("/api/v1/hosts/" + offline + "/tasks")
                .header("Content-Type", "application/json")
                .header("X-CSRF-Token", admin.csrf())
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"type\": \"service\", \"parameters\": {\"service_name\": \"nginx\","
                            + " \"action\": \"restart\"}}"))
                .build());
    assertThat(api.statusCode()).isEqualTo(409);
    assertThat(tasks()).isZero();
    assertThat(
            web.count(
                "SELECT count(*) FROM audit_entries WHERE action = 'task.request'"
                    + " AND outcome = 'failed'"))
        .as("refusals after validation are audited")
        .isEqualTo(3);
  }

  @Test
  void theApiGivesTheListAndAsksAgain() throws Exception {
    HttpResponse<String> list = admin.get("/api/v1/hosts/" + host + "/services");
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body())
        .contains("\"query\":\"list_services\"", "\"name\":\"nginx.service\"")
        .contains("\"active_state\":\"active\"", "\"sub_state\":\"running\"", "\"waiting\":false");

    HttpResponse<String> ports =
        admin.send(
            admin
                .request("/api/v1/hosts/" + host + "/ports/refresh")
                .header("X-CSRF-Token", admin.csrf())
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(ports.statusCode()).isEqualTo(202);
    assertThat(ports.body()).contains("\"query\":\"list_ports\"", "\"waiting\":true");
    assertThat(web.count("SELECT count(*) FROM host_queries WHERE type = 'list_ports'"))
        .isEqualTo(1);
  }
}
