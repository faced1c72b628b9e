package io.ctops.server.enrolment;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What admins do about enrolment through the pages and the API: tokens and approvals. */
@ExtendWith(FreshDatabase.class)
class EnrolmentPagesTest {
  private WebFixture web;
  private WebClient admin;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    admin = web.signedInAdmin();
  }

  @AfterEach
  void stop() {
    web.close();
  }

  @Test
  void aTokenIsShownOnceWithItsCommandLineThenListedAndRevocable() {
    HttpResponse<String> created =
        admin.post(
            "/tokens",
            Map.of(
                "name",
                "rack <b>7</b>",
                "auto_approve",
                "on",
                "expires_in_days",
                "7",
                "max_uses",
                "3"));
    assertThat(created.statusCode()).isEqualTo(200);
    String body = created.body();
    int start = body.indexOf("id=\"token-value\">") + "id=\"token-value\">".length();
    String token = body.substring(start, body.indexOf("</pre>", start));
    assertThat(token).hasSizeGreaterThan(20);
    assertThat(body)
        .contains("CT_OPS_ORG_TOKEN=" + token)
        .contains("CT_OPS_INGEST_ADDRESS=localhost:9443")
        .contains("rack &lt;b&gt;7&lt;/b&gt;");

    String list = admin.get("/tokens").body();
    assertThat(list).doesNotContain(token).contains("…" + token.substring(token.length() - 4));
    assertThat(list).contains("0 / 3").contains(">active<");
    UUID id =
        web.jdbi()
            .withHandle(
                h -> h.createQuery("SELECT id FROM enrolment_tokens").mapTo(UUID.class).one());
    assertThat(admin.post("/tokens/" + id + "/revoke", Map.of()).statusCode()).isEqualTo(303);
    assertThat(admin.get("/tokens").body()).contains(">revoked<");

    HttpResponse<String> bad = admin.post("/tokens", Map.of("name", "x", "max_uses", "0"));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("max uses must be between 1 and 1000000");
    assertThat(admin.post("/tokens", Map.of("name", " ")).statusCode()).isEqualTo(400);
    assertThat(web.count("SELECT count(*) FROM enrolment_tokens")).isEqualTo(1);
  }

  @Test
  void approvalRunsTheDuplicateCheckAgainAndShowsItsRefusal() {
    aHost("twin")
        .status("online")
        .agent("active")
        .ips("10.0.0.9")
        .insert(web.jdbi(), web.defaultOrg());
    // the other host came online with the same name while this agent waited for approval
    UUID waiting =
        aHost("twin").status("pending").agent("pending").insert(web.jdbi(), web.defaultOrg());
    UUID agent =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT agent_id FROM hosts WHERE id = :id")
                        .bind("id", waiting)
                        .mapTo(UUID.class)
                        .one());
    HttpResponse<String> refused =
        admin.postRaw(
            "/agents/" + agent + "/approve",
            Map.of(),
            "HX-Request",
            "true",
            "X-CSRF-Token",
            admin.csrf());
    assertThat(refused.statusCode()).isEqualTo(200);
    assertThat(refused.body())
        .contains("id=\"pending-message\"")
        .contains("class=\"error\"")
        .contains("twin");
    assertThat(status(agent)).isEqualTo("pending");

    HttpResponse<String> api =
        admin.send(
            admin
                .request("/api/v1/agents/" + agent + "/approve")
                .header("X-CSRF-Token", admin.csrf())
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(api.statusCode()).isEqualTo(409);
    assertThat(api.body()).contains("twin");

    HttpResponse<String> revoked =
        admin.send(
            admin
                .request("/api/v1/agents/" + agent + "/revoke")
                .header("X-CSRF-Token", admin.csrf())
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(revoked.body()).contains("\"result\":\"revoked\"");
    assertThat(status(agent)).isEqualTo("revoked");
    assertThat(
            web.count("SELECT count(*) FROM agent_status_history WHERE reason LIKE 'revoked by%'"))
        .isEqualTo(1);
  }

  private String status(UUID agent) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT status FROM agents WHERE id = :id")
                    .bind("id", agent)
                    .mapTo(String.class)
                    .one());
  }
}
