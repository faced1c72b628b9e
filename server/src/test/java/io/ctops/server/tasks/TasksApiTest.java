package io.ctops.server.tasks;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Asking a host's agent for a task through the JSON API, following it and cancelling it. */
@ExtendWith(FreshDatabase.class)
class TasksApiTest {
  private WebFixture web;
  private UUID org;
  private UUID host;
  private WebClient admin;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    web.admin();
    org = web.defaultOrg();
    host = aHost("task-host").agent("active").insert(web.jdbi(), org);
    admin = web.client();
    admin.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
  }

  @AfterEach
  void stop() {
    web.close();
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

  private int tasks() {
    return web.count("SELECT count(*) FROM tasks");
  }

  @Test
  void aRequestedScanIsQueuedAsATaskWithItsScanAndWhoAskedForIt() {
    HttpResponse<String> created =
        postJson(
            admin,
            "/api/v1/hosts/" + host + "/tasks",
            "{\"type\": \"software_inventory\", \"parameters\": {}}");
    assertThat(created.statusCode()).isEqualTo(202);
    assertThat(created.body())
        .contains("\"type\":\"software_inventory\"")
        .contains("\"state\":\"queued\"")
        .contains("\"requested_by\":\"user\"")
        .contains("\"requester_name\":\"" + WebFixture.ADMIN_EMAIL + "\"");
    String id = created.body().replaceAll(".*\"id\":\"([0-9a-f-]{36})\".*", "$1");
    assertThat(web.count("SELECT count(*) FROM software_scans WHERE id = '" + id + "'"))
        .as("the scan's own row shares the task's id")
        .isEqualTo(1);
    assertThat(admin.get("/api/v1/tasks/" + id).body()).contains("\"id\":\"" + id + "\"");
    assertThat(admin.get("/api/v1/hosts/" + host + "/tasks").body()).contains(id);

    HttpResponse<String> again =
        postJson(admin, "/api/v1/hosts/" + host + "/tasks", "{\"type\": \"software_inventory\"}");
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.body()).contains("already under way");
    assertThat(tasks()).isEqualTo(1);
  }

  @Test
  void thePreviousReleasesNameForTheScanStillQueuesAScanUnderTheNewName() {
    HttpResponse<String> created =
        postJson(
            admin, "/api/v1/hosts/" + host + "/tasks", "{\"type\": \"software_inventory_scan\"}");

    assertThat(created.statusCode()).isEqualTo(202);
    assertThat(created.body()).contains("\"type\":\"software_inventory\"");
    assertThat(web.count("SELECT count(*) FROM tasks WHERE type = 'software_inventory'"))
        .isEqualTo(1);
  }

  @Test
  void badRequestsAreRefusedWithTheReasonAndQueueNothing() {
    String path = "/api/v1/hosts/" + host + "/tasks";
    HttpResponse<String> unknown = postJson(admin, path, "{\"type\": \"format_disk\"}");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("unknown task type").contains("software_inventory");
    HttpResponse<String> parameters =
        postJson(admin, path, "{\"type\": \"software_inventory\", \"parameters\": {\"x\": 1}}");
    assertThat(parameters.statusCode()).isEqualTo(400);
    assertThat(parameters.body()).contains("takes no parameters");
    assertThat(postJson(admin, path, "not json").statusCode()).isEqualTo(400);
    assertThat(postJson(admin, path, "[1]").statusCode()).isEqualTo(400);
    assertThat(postJson(admin, path, "{\"type\": 7}").statusCode()).isEqualTo(400);
    assertThat(
            postJson(admin, "/api/v1/hosts/not-a-host/tasks", "{\"type\": \"software_inventory\"}")
                .statusCode())
        .isEqualTo(404);
    UUID elsewhere = aHost("foreign").agent("active").insert(web.jdbi(), web.otherOrg());
    assertThat(
            postJson(
                    admin,
                    "/api/v1/hosts/" + elsewhere + "/tasks",
                    "{\"type\": \"software_inventory\"}")
                .statusCode())
        .isEqualTo(404);
    UUID deleted = aHost("gone").agent("active").deleted().insert(web.jdbi(), org);
    assertThat(
            postJson(
                    admin,
                    "/api/v1/hosts/" + deleted + "/tasks",
                    "{\"type\": \"software_inventory\"}")
                .statusCode())
        .isEqualTo(409);

    web.user(org, "reader@example.com", Role.READ_ONLY);
    WebClient reader = web.client();
    reader.signIn("reader@example.com", WebFixture.PASSWORD);
    assertThat(postJson(reader, path, "{\"type\": \"software_inventory\"}").statusCode())
        .isEqualTo(403);
    assertThat(reader.get("/api/v1/hosts/" + host + "/tasks").statusCode()).isEqualTo(200);
    assertThat(tasks()).isZero();
  }

  @Test
  void aCancelledTaskEndsWithItsScanAndCannotBeCancelledTwice() {
    HttpResponse<String> created =
        postJson(admin, "/api/v1/hosts/" + host + "/tasks", "{\"type\": \"software_inventory\"}");
    String id = created.body().replaceAll(".*\"id\":\"([0-9a-f-]{36})\".*", "$1");

    web.user(org, "reader@example.com", Role.READ_ONLY);
    WebClient reader = web.client();
    reader.signIn("reader@example.com", WebFixture.PASSWORD);
    assertThat(postJson(reader, "/api/v1/tasks/" + id + "/cancel", "").statusCode()).isEqualTo(403);

    HttpResponse<String> cancelled = postJson(admin, "/api/v1/tasks/" + id + "/cancel", "");
    assertThat(cancelled.statusCode()).isEqualTo(200);
    assertThat(cancelled.body())
        .contains("\"state\":\"cancelled\"")
        .contains("cancelled by " + WebFixture.ADMIN_EMAIL);
    assertThat(
            web.count(
                "SELECT count(*) FROM software_scans WHERE id = '"
                    + id
                    + "' AND status = 'failed' AND error LIKE 'cancelled by %'"))
        .isEqualTo(1);
    assertThat(postJson(admin, "/api/v1/tasks/" + id + "/cancel", "").statusCode()).isEqualTo(409);
    assertThat(postJson(admin, "/api/v1/tasks/" + UUID.randomUUID() + "/cancel", "").statusCode())
        .isEqualTo(404);
    assertThat(admin.get("/api/v1/tasks/not-a-task").statusCode()).isEqualTo(404);
  }
}
