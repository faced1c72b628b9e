package io.ctops.server.auth;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.config.IngestSettings;
import io.ctops.server.platform.config.WebSettings;
import io.ctops.server.platform.database.Database;
import io.ctops.server.platform.pki.DevelopmentCertificate;
import io.ctops.server.roles.WebRole;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(FreshDatabase.class)
class WebSecurityTest {
  private WebFixture web;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
  }

  @AfterEach
  void stop() {
    web.close();
  }

  @Test
  void firstVisitSetsUpTheAdminAndLaterVisitsSignIn() {
    WebClient browser = web.client();
    assertThat(browser.get("/hosts").headers().firstValue("Location")).contains("/setup");
    browser.get("/setup");
    HttpResponse<String> created =
        browser.post(
            "/setup",
            Map.of(
                "email", "first@example.com",
                "display_name", "First",
                "password", "a long enough password",
                "password_repeat", "a long enough password"));
    assertThat(created.statusCode()).isEqualTo(303);
    assertThat(created.headers().firstValue("Set-Cookie").orElseThrow())
        .contains("ctops_session=")
        .contains("HttpOnly")
        .contains("SameSite=Lax");
    assertThat(browser.get("/hosts").statusCode()).isEqualTo(200);

    WebClient other = web.client();
    assertThat(other.get("/setup").headers().firstValue("Location")).contains("/login");
    assertThat(other.get("/hosts").headers().firstValue("Location")).contains("/login");
    other.get("/login");
    HttpResponse<String> again =
        other.post(
            "/setup",
            Map.of(
                "email", "second@example.com",
                "password", "a long enough password",
                "password_repeat", "a long enough password"));
    assertThat(again.statusCode()).isEqualTo(403);
    assertThat(web.count("SELECT count(*) FROM users")).isEqualTo(1);
  }

  @Test
  void wrongPasswordAndUnknownUserGetTheSameAnswerInTheSameTime() {
    web.admin();
    List<Long> wrong = new ArrayList<>();
    List<Long> unknown = new ArrayList<>();
    String wrongBody = "";
    String unknownBody = "";
    for (int i = 0; i < 4; i++) {
      WebClient a = web.client();
      a.get("/login");
      long t0 = System.nanoTime();
      HttpResponse<String> r1 =
          a.post(
              "/login", Map.of("email", WebFixture.ADMIN_EMAIL, "password", "wrong password " + i));
      wrong.add(System.nanoTime() - t0);
      WebClient b = web.client();
      b.get("/login");
      long t1 = System.nanoTime();
      HttpResponse<String> r2 =
          b.post(
              "/login",
              Map.of("email", "nobody" + i + "@example.com", "password", "wrong password"));
      unknown.add(System.nanoTime() - t1);
      assertThat(r1.statusCode()).isEqualTo(401);
      assertThat(r2.statusCode()).isEqualTo(401);
      wrongBody = message(r1.body());
      unknownBody = message(r2.body());
    }
    assertThat(wrongBody).isEqualTo(unknownBody).isEqualTo("Wrong email or password.");
    long wrongMedian = wrong.stream().sorted().toList().get(2);
    long unknownMedian = unknown.stream().sorted().toList().get(2);
    // both do one Argon2id check; without the decoy an unknown email answers many times faster
    assertThat((double) unknownMedian / wrongMedian).isBetween(0.5, 2.0);
  }

  private static String message(String body) {
    int start = body.indexOf("id=\"form-error\">");
    return body.substring(start + "id=\"form-error\">".length(), body.indexOf("</p>", start));
  }

  @Test
  void repeatedFailedSignInsAreThrottledPerAccount() {
    web.admin();
    WebClient browser = web.client();
    browser.get("/login");
    for (int i = 0; i < 5; i++) {
      assertThat(
              browser
                  .post("/login", Map.of("email", WebFixture.ADMIN_EMAIL, "password", "nope " + i))
                  .statusCode())
          .isEqualTo(401);
    }
    HttpResponse<String> throttled =
        browser.post(
            "/login", Map.of("email", WebFixture.ADMIN_EMAIL, "password", WebFixture.PASSWORD));
    assertThat(throttled.statusCode()).isEqualTo(429);
    assertThat(throttled.body()).contains("Too many failed sign-ins");
  }

  @Test
  void stateChangingRequestsWithoutTheCsrfTokenAreRefused() {
    web.admin();
    UUID host = aHost("victim").insert(web.jdbi(), web.defaultOrg());
    WebClient browser = web.client();
    browser.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);

    HttpResponse<String> noToken = browser.postRaw("/hosts/" + host + "/delete", Map.of());
    assertThat(noToken.statusCode()).isEqualTo(403);
    assertThat(noToken.body()).contains("CSRF");
    HttpResponse<String> wrongToken =
        browser.postRaw("/hosts/" + host + "/delete", Map.of("_csrf", "forged"));
    assertThat(wrongToken.statusCode()).isEqualTo(403);
    HttpResponse<String> htmxWithout =
        browser.postRaw("/hosts/" + host + "/delete", Map.of(), "HX-Request", "true");
    assertThat(htmxWithout.statusCode()).isEqualTo(403);
    assertThat(deletedAt(host)).isNull();

    // the login form is protected too (double-submit cookie)
    WebClient fresh = web.client();
    assertThat(
            fresh
                .postRaw(
                    "/login",
                    Map.of("email", WebFixture.ADMIN_EMAIL, "password", WebFixture.PASSWORD))
                .statusCode())
        .isEqualTo(403);

    HttpResponse<String> withToken =
        browser.postRaw(
            "/hosts/" + host + "/delete",
            Map.of(),
            "HX-Request",
            "true",
            "X-CSRF-Token",
            browser.csrf());
    assertThat(withToken.statusCode()).isEqualTo(204);
    assertThat(deletedAt(host)).isNotNull();
  }

  private Object deletedAt(UUID host) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT deleted_at FROM hosts WHERE id = :id")
                    .bind("id", host)
                    .mapToMap()
                    .one())
        .get("deleted_at");
  }

  @Test
  void anotherOrganisationsHostIsNotFound() {
    web.admin();
    UUID foreign = aHost("foreign").insert(web.jdbi(), web.otherOrg());
    WebClient browser = web.client();
    browser.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
    assertThat(browser.get("/hosts/" + foreign).statusCode()).isEqualTo(404);
    assertThat(browser.get("/hosts/" + foreign + "/metrics").statusCode()).isEqualTo(404);
    assertThat(browser.get("/api/v1/hosts/" + foreign).statusCode()).isEqualTo(404);
    assertThat(browser.get("/api/v1/hosts/" + foreign + "/metrics").statusCode()).isEqualTo(404);
    assertThat(browser.post("/hosts/" + foreign + "/delete", Map.of()).statusCode()).isEqualTo(404);
    assertThat(browser.get("/hosts").body()).doesNotContain("foreign");
    assertThat(browser.get("/hosts/not-a-uuid").statusCode()).isEqualTo(404);
  }

  @Test
  void readOnlyUsersCannotApproveRevokeOrDelete() {
    web.admin();
    web.user(web.defaultOrg(), "viewer@example.com", Role.READ_ONLY);
    UUID host =
        aHost("pending-one")
            .status("pending")
            .agent("pending")
            .insert(web.jdbi(), web.defaultOrg());
    UUID agent =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT agent_id FROM hosts WHERE id = :id")
                        .bind("id", host)
                        .mapTo(UUID.class)
                        .one());
    WebClient viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);
    assertThat(viewer.get("/hosts").statusCode()).isEqualTo(200);
    assertThat(viewer.get("/hosts").body()).doesNotContain(">Approve<");
    assertThat(viewer.post("/agents/" + agent + "/approve", Map.of()).statusCode()).isEqualTo(403);
    assertThat(viewer.post("/agents/" + agent + "/revoke", Map.of()).statusCode()).isEqualTo(403);
    assertThat(viewer.post("/hosts/" + host + "/delete", Map.of()).statusCode()).isEqualTo(403);
    assertThat(viewer.get("/tokens").statusCode()).isEqualTo(403);
    assertThat(viewer.get("/users").statusCode()).isEqualTo(403);
    String status =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT status FROM agents WHERE id = :id")
                        .bind("id", agent)
                        .mapTo(String.class)
                        .one());
    assertThat(status).isEqualTo("pending");
    assertThat(deletedAt(host)).isNull();
  }

  @Test
  void parametersOutsideTheAllowedSetsAreRejected() {
    web.admin();
    WebClient browser = web.client();
    browser.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
    for (String query :
        List.of(
            "sort=hostname;DROP%20TABLE%20hosts",
            "sort=password_hash",
            "status=sleeping",
            "dir=sideways",
            "size=10",
            "size=1000",
            "page=0",
            "page=abc",
            "q=" + "x".repeat(201))) {
      HttpResponse<String> page = browser.get("/hosts?" + query);
      assertThat(page.statusCode()).as(query).isEqualTo(400);
      HttpResponse<String> api = browser.get("/api/v1/hosts?" + query);
      assertThat(api.statusCode()).as(query).isEqualTo(400);
      assertThat(api.body()).as(query).contains("\"error\"");
    }
    assertThat(browser.get("/api/v1/hosts?size=10").body())
        .contains("size must be one of 25, 50, 100, 200");
    assertThat(
            browser
                .get("/api/v1/hosts/00000000-0000-0000-0000-000000000000/metrics?range=2h")
                .statusCode())
        .isEqualTo(404);
    assertThat(web.count("SELECT count(*) FROM hosts")).isZero();
  }

  @Test
  void hostReportedHtmlRendersAsText() {
    web.admin();
    String evil = "<script>alert(1)</script>";
    UUID host =
        aHost("evil<img src=x onerror=alert(2)>")
            .displayName(evil)
            .os("<b>os</b>")
            .insert(web.jdbi(), web.defaultOrg());
    WebClient browser = web.client();
    browser.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
    for (String path : List.of("/hosts", "/hosts/" + host, "/hosts/" + host + "/metrics")) {
      String body = browser.get(path).body();
      assertThat(body).as(path).doesNotContain("<script>alert(1)").doesNotContain("<img src=x");
      assertThat(body).as(path).contains("&lt;img src=x onerror=alert(2)&gt;");
    }
    assertThat(browser.get("/hosts").body())
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .doesNotContain("<b>os</b>");
  }

  @Test
  void apiKeysAuthenticateTheApiAndStopWorkingWhenRevoked() {
    web.admin();
    aHost("api-host").insert(web.jdbi(), web.defaultOrg());
    WebClient browser = web.client();
    browser.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
    String page = browser.post("/profile/api-keys", Map.of("name", "script")).body();
    int start = page.indexOf("id=\"new-api-key\">") + "id=\"new-api-key\">".length();
    String key = page.substring(start, page.indexOf("</pre>", start));
    assertThat(key).startsWith("ctops_");
    assertThat(web.count("SELECT count(*) FROM api_keys")).isEqualTo(1);

    WebClient script = web.client();
    HttpResponse<String> hosts =
        script.send(
            script.request("/api/v1/hosts").header("Authorization", "Bearer " + key).build());
    assertThat(hosts.statusCode()).isEqualTo(200);
    assertThat(hosts.body()).contains("\"hostname\":\"api-host\"").contains("\"total\":1");
    HttpResponse<String> created =
        script.send(
            script
                .request("/api/v1/tokens")
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"api token\",\"auto_approve\":true,\"max_uses\":3}"))
                .build());
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.body()).contains("\"plain_token\":\"").contains("ctops agent run");
    HttpResponse<String> bad =
        script.send(
            script
                .request("/api/v1/tokens")
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\",\"colour\":\"red\"}"))
                .build());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(
            script
                .send(
                    script
                        .request("/api/v1/hosts")
                        .header("Authorization", "Bearer ctops_forged")
                        .build())
                .statusCode())
        .isEqualTo(401);
    assertThat(script.get("/api/v1/hosts").statusCode()).isEqualTo(401);

    UUID keyId =
        web.jdbi()
            .withHandle(h -> h.createQuery("SELECT id FROM api_keys").mapTo(UUID.class).one());
    browser.post("/profile/api-keys/" + keyId + "/revoke", Map.of());
    assertThat(
            script
                .send(
                    script
                        .request("/api/v1/hosts")
                        .header("Authorization", "Bearer " + key)
                        .build())
                .statusCode())
        .isEqualTo(401);
    assertThat(script.get("/api/v1/openapi.json").body()).contains("\"openapi\"");
  }

  @Test
  void servesHttpsOnlyWithSecureCookiesWhenGivenACertificate(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("web.crt");
    Path key = dir.resolve("web.key");
    DevelopmentCertificate.create(Set.of("localhost")).writeTo(cert, key);
    var settings =
        new WebSettings(
            "127.0.0.1",
            0,
            Optional.of(new IngestSettings.TlsFiles(cert, key)),
            Duration.ofMinutes(30),
            "localhost:9443",
            Optional.empty(),
            Duration.ofDays(365));
    web.admin();
    try (WebRole https = WebRole.start(settings, web.database, Clock.systemUTC())) {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      try (var in = Files.newInputStream(cert)) {
        trust.setCertificateEntry(
            "web", CertificateFactory.getInstance("X.509").generateCertificate(in));
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, factory.getTrustManagers(), null);
      HttpClient client =
          HttpClient.newBuilder().sslContext(tls).cookieHandler(new CookieManager()).build();
      String base = "https://localhost:" + https.port();
      HttpResponse<String> login =
          client.send(
              HttpRequest.newBuilder(URI.create(base + "/login")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(login.statusCode()).isEqualTo(200);
      String csrf =
          login.body().replaceAll("(?s).*name=\"csrf-token\" content=\"([^\"]*)\".*", "$1");
      HttpResponse<String> signedIn =
          client.send(
              HttpRequest.newBuilder(URI.create(base + "/login"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "_csrf="
                              + csrf
                              + "&email="
                              + URLEncoder.encode(WebFixture.ADMIN_EMAIL, StandardCharsets.UTF_8)
                              + "&password="
                              + URLEncoder.encode(WebFixture.PASSWORD, StandardCharsets.UTF_8)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(signedIn.statusCode()).isEqualTo(303);
      assertThat(signedIn.headers().allValues("Set-Cookie"))
          .anySatisfy(
              c ->
                  assertThat(c)
                      .startsWith("ctops_session=")
                      .contains("Secure")
                      .contains("HttpOnly"));
      // no plain HTTP listener next to the HTTPS one
      HttpClient plain = HttpClient.newHttpClient();
      try {
        HttpResponse<String> answer =
            plain.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + https.port() + "/login"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isNotEqualTo(200);
        assertThat(answer.body()).doesNotContain("csrf-token");
      } catch (IOException refused) {
        // the TLS connector does not speak plain HTTP
      }
    }
  }
}
