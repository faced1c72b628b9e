package io.ctops.server.uninstall;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.roles.TaskTypesOfThisRelease;
import io.ctops.server.tasks.TaskReports;
import io.ctops.server.tasks.TaskTimeouts;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.ManualClock;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deleting a host with "Also uninstall agent from the remote host", through the web app and the API
 * on a real database: the uninstall goes first, the host is deleted when it ends (confirmed or not
 * answered in time), and the audit log tells which; bad requests queue nothing.
 */
@ExtendWith(FreshDatabase.class)
class UninstallDeleteTest {
  private WebFixture web;
  private WebClient admin;
  private UUID host;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    admin = web.signedInAdmin();
    host = aHost("web-12").status("online").agent("active").insert(web.jdbi(), web.defaultOrg());
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private HttpResponse<String> delete(UUID hostId, Map<String, String> form) {
    return admin.post("/hosts/" + hostId + "/delete", form);
  }

  private String text(String sql) {
    return web.jdbi().withHandle(h -> h.createQuery(sql).mapTo(String.class).one());
  }

  private UUID onlyUninstall() {
    return UUID.fromString(
        text("SELECT CAST(id AS text) FROM tasks WHERE type = 'agent_uninstall'"));
  }

  private boolean deleted() {
    return web.count("SELECT count(*) FROM hosts WHERE deleted_at IS NOT NULL") == 1;
  }

  private String audit(String action) {
    return text(
        "SELECT actor_name || ' ' || outcome || coalesce(' ' || reason, '') FROM audit_entries"
            + " WHERE action = '"
            + action
            + "'");
  }

  @Test
  void theHostIsDeletedOnceTheAgentConfirmsAndBothAreAudited() {
    HttpResponse<String> asked = delete(host, Map.of("uninstall", "1", "remove_data", "1"));

    assertThat(asked.statusCode()).isEqualTo(303);
    UUID task = onlyUninstall();
    assertThat(asked.headers().firstValue("Location"))
        .hasValue("/hosts/" + host + "/uninstall/" + task);
    assertThat(text("SELECT parameters::text FROM tasks")).isEqualTo("{\"remove_data\": true}");
    assertThat(deleted()).as("not before the agent answers").isFalse();
    assertThat(admin.get("/hosts/" + host + "/uninstall/" + task).body())
        .contains("waiting for it to confirm");

    new TaskReports(
            web.jdbi(), TaskTypesOfThisRelease.all(), Clock.systemUTC(), new SimpleMeterRegistry())
        .write(
            host,
            List.of(),
            List.of(
                AgentTaskResult.newBuilder()
                    .setTaskId(task.toString())
                    .setTaskType("agent_uninstall")
                    .setResultJson(
                        "{\"status\": \"scheduled\", \"note\": \"in transient unit"
                            + " ct-ops-agent-uninstall-1\"}")
                    .build()));

    assertThat(deleted()).isTrue();
    assertThat(audit("agent.uninstall")).isEqualTo(WebFixture.ADMIN_EMAIL + " succeeded");
    assertThat(audit("host.delete")).isEqualTo(WebFixture.ADMIN_EMAIL + " succeeded");
    assertThat(admin.get("/hosts/" + host + "/uninstall/" + task + "/status").body())
        .contains("The agent confirmed", "ct-ops-agent-uninstall-1", "The host is deleted");
  }

  @Test
  void anAgentThatDoesNotConfirmInTwoMinutesStillHasItsHostDeletedAndTheUninstallFails() {
    ManualClock clock = new ManualClock(java.time.Instant.now());
    delete(host, Map.of("uninstall", "1"));
    TaskTimeouts timeouts = new TaskTimeouts(web.jdbi(), TaskTypesOfThisRelease.all(clock), clock);

    clock.advance(Duration.ofSeconds(110));
    timeouts.sweep();
    assertThat(deleted()).isFalse();
    clock.advance(Duration.ofSeconds(20));
    timeouts.sweep();

    assertThat(deleted()).isTrue();
    assertThat(audit("agent.uninstall"))
        .isEqualTo(
            WebFixture.ADMIN_EMAIL
                + " failed the agent did not confirm within 2 minutes; the host was deleted"
                + " anyway");
    assertThat(audit("host.delete")).startsWith(WebFixture.ADMIN_EMAIL + " succeeded");
    assertThat(admin.get("/hosts/" + host + "/uninstall/" + onlyUninstall() + "/status").body())
        .contains("did not confirm within 2 minutes", "recorded as failed in the audit log");
  }

  @Test
  void offlineHostsSecondUninstallsAndEngineersAreRefusedAndNothingMoreIsQueued() {
    UUID offline =
        aHost("db-03").status("offline").agent("active").insert(web.jdbi(), web.defaultOrg());
    HttpResponse<String> notOnline = delete(offline, Map.of("uninstall", "1"));
    assertThat(notOnline.statusCode()).isEqualTo(409);
    assertThat(notOnline.body()).contains("the host is offline", "delete the host without");

    assertThat(delete(host, Map.of("uninstall", "1")).statusCode()).isEqualTo(303);
    HttpResponse<String> again =
        admin.send(
            admin
                .request("/api/v1/hosts/" + host + "?uninstall=true")
                .header("X-CSRF-Token", admin.csrf())
                .DELETE()
                .build());
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.body()).contains("already under way");

    web.user(web.defaultOrg(), "eng@example.com", Role.ENGINEER);
    WebClient engineer = web.client();
    engineer.signIn("eng@example.com", WebFixture.PASSWORD);
    assertThat(engineer.post("/hosts/" + host + "/delete", Map.of("uninstall", "1")).statusCode())
        .isEqualTo(403);

    assertThat(web.count("SELECT count(*) FROM tasks")).isEqualTo(1);
    assertThat(web.count("SELECT count(*) FROM hosts WHERE deleted_at IS NOT NULL")).isZero();
  }

  @Test
  void theApiAnswersWithTheTaskToFollow() {
    HttpResponse<String> asked =
        admin.send(
            admin
                .request("/api/v1/hosts/" + host + "?uninstall=true")
                .header("X-CSRF-Token", admin.csrf())
                .DELETE()
                .build());

    assertThat(asked.statusCode()).isEqualTo(202);
    assertThat(asked.body())
        .contains("\"host_id\":\"" + host + "\"", "\"task_id\":\"" + onlyUninstall() + "\"");
    assertThat(text("SELECT parameters::text FROM tasks")).isEqualTo("{\"remove_data\": false}");
    HttpResponse<String> page = admin.get("/hosts/" + host);
    assertThat(page.body()).contains("Also uninstall agent from the remote host");
  }
}
