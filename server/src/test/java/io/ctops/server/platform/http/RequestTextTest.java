package io.ctops.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.HostSeed;
import io.ctops.server.testing.RawHttp;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Text the application cannot hold is refused where it enters, whichever route it was sent to: 400
 * with the parameter's name, and nothing written.
 */
@ExtendWith(FreshDatabase.class)
class RequestTextTest {
  private WebFixture web;
  private WebClient admin;
  private UUID host;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    admin = web.signedInAdmin();
    host = HostSeed.aHost("web-01").insert(web.jdbi(), web.defaultOrg());
  }

  @AfterEach
  void stop() {
    web.close();
  }

  @Test
  void aNulInAQueryIsABadRequestOnEveryRouteTheAuditNamed() {
    List<String> paths =
        List.of(
            "/hosts?q=%00",
            "/hosts?os=Debian%00",
            "/api/v1/hosts?q=a%00b",
            "/software?name=%00",
            "/api/v1/software?name=%00",
            "/software.csv?name=%00",
            "/hosts/" + host + "/inventory/compare?q=%00");
    for (String path : paths) {
      HttpResponse<String> response = admin.get(path);
      assertThat(response.statusCode()).as(path).isEqualTo(400);
      assertThat(response.body()).as(path).contains("contains a NUL character");
    }
  }

  @Test
  void aNulInAFormFieldIsABadRequestAndWritesNothing() {
    int keys = web.count("SELECT count(*) FROM api_keys");
    int users = web.count("SELECT count(*) FROM users");

    HttpResponse<String> key = admin.post("/profile/api-keys", Map.of("name", "bad\0name"));
    HttpResponse<String> user =
        admin.post(
            "/users",
            Map.of(
                "email",
                "new@example.com",
                "display_name",
                "Bad\0Name",
                "password",
                "a long enough password",
                "role",
                "read_only"));

    assertThat(key.statusCode()).isEqualTo(400);
    assertThat(key.body()).contains("form field 'name' contains a NUL character");
    assertThat(user.statusCode()).isEqualTo(400);
    assertThat(user.body()).contains("form field 'display_name' contains a NUL character");
    assertThat(web.count("SELECT count(*) FROM api_keys")).isEqualTo(keys);
    assertThat(web.count("SELECT count(*) FROM users")).isEqualTo(users);
  }

  @Test
  void bytesThatAreNotUtf8AndBrokenEscapesAreBadRequests() {
    assertThat(admin.get("/hosts?q=%FF%FE").body()).contains("is not valid UTF-8");
    assertThat(admin.get("/hosts?q=%FF%FE").statusCode()).isEqualTo(400);
    RawHttp.Answer garbage =
        RawHttp.send(web.web.port(), "GET", "/hosts?q=%zz%", Map.of(), new byte[0]);
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.body()).contains("invalid %-escape");
    assertThat(RawHttp.send(web.web.port(), "GET", "/hosts?q=%4", Map.of(), new byte[0]).body())
        .contains("incomplete %-escape");
    assertThat(admin.get("/hosts?q=a%07b").body()).contains("control character (U+0007)");
    assertThat(
            admin.get("/hosts?q=" + "x".repeat(RequestText.MAX_PARAMETER_CHARS + 1)).statusCode())
        .isBetween(400, 499);
  }

  @Test
  void aNulInAJsonBodyIsABadRequestAndQueuesNothing() {
    HttpResponse<String> response =
        admin.send(
            admin
                .request("/api/v1/tokens")
                .header("Content-Type", "application/json")
                .header("X-CSRF-Token", admin.csrf())
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"a\\u0000b\"}"))
                .build());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("NUL character");
    assertThat(web.count("SELECT count(*) FROM enrolment_tokens")).isZero();
  }

  @Test
  void ordinaryTextStillPasses() {
    assertThat(admin.get("/hosts?q=caf%C3%A9+%E2%9C%93&os=Debian").statusCode()).isEqualTo(200);
    assertThat(admin.get("/api/v1/hosts?q=%27%20OR%201%3D1%20--").statusCode()).isEqualTo(200);
  }
}
