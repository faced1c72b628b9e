package io.ctops.server.auth;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Signing in from a deep link returns to that page, and never to another site. */
@ExtendWith(FreshDatabase.class)
class SignInReturnTest {
  private WebFixture web;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    web.admin();
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private static String location(HttpResponse<String> response) {
    return response.headers().firstValue("Location").orElse("");
  }

  private HttpResponse<String> signIn(WebClient client, String next) {
    return client.post(
        "/login",
        Map.of("email", WebFixture.ADMIN_EMAIL, "password", WebFixture.PASSWORD, "next", next));
  }

  @Test
  void signingInFromADeepLinkReturnsToThatPage() {
    UUID host = aHost("deep-1").insert(web.jdbi(), web.defaultOrg());
    String page = "/hosts/" + host + "/inventory?removed=1&q=lib";
    WebClient client = web.client();

    HttpResponse<String> refused = client.get(page);
    assertThat(refused.statusCode()).isEqualTo(302);
    assertThat(location(refused))
        .isEqualTo("/login?next=" + URLEncoder.encode(page, StandardCharsets.UTF_8));
    HttpResponse<String> form = client.get(location(refused));
    assertThat(form.body()).contains("name=\"next\" value=\"" + page.replace("&", "&amp;") + "\"");

    HttpResponse<String> wrong =
        client.post(
            "/login",
            Map.of("email", WebFixture.ADMIN_EMAIL, "password", "not the password", "next", page));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("name=\"next\"");

    HttpResponse<String> signedIn = signIn(client, page);
    assertThat(signedIn.statusCode()).isEqualTo(303);
    assertThat(location(signedIn)).isEqualTo(page);
    assertThat(client.get(page).statusCode()).isEqualTo(200);
  }

  @Test
  void anHtmxRequestWithoutASessionReturnsToItsPageNotToTheFragment() {
    WebClient client = web.client();
    String page = "/hosts?q=web&status=online";
    HttpResponse<String> refused =
        client.get("/hosts/overview", "HX-Request", "true", "HX-Current-URL", web.baseUrl() + page);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("HX-Redirect"))
        .hasValue("/login?next=" + URLEncoder.encode(page, StandardCharsets.UTF_8));
    // only the path of the page counts: an address naming another host still returns here
    HttpResponse<String> foreign =
        client.get(
            "/hosts/overview", "HX-Request", "true", "HX-Current-URL", "https://evil.example//x");
    assertThat(foreign.headers().firstValue("HX-Redirect")).hasValue("/login");
    assertThat(
            client.get("/hosts/overview", "HX-Request", "true").headers().firstValue("HX-Redirect"))
        .hasValue("/login");
  }

  @Test
  void theHostListNeedsNoReturnAddressAndSigningInWithoutOneLandsThere() {
    WebClient client = web.client();
    assertThat(location(client.get("/hosts"))).isEqualTo("/login");
    client.get("/login");
    HttpResponse<String> signedIn =
        client.post(
            "/login", Map.of("email", WebFixture.ADMIN_EMAIL, "password", WebFixture.PASSWORD));
    assertThat(location(signedIn)).isEqualTo("/hosts");
  }

  @Test
  void aReturnAddressOffThisSiteIsIgnored() {
    List<String> hostile =
        List.of(
            "//evil.example/hosts",
            "https://evil.example/",
            "http:/evil.example",
            "javascript:alert(1)",
            "evil.example/hosts",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            " //evil.example",
            "");
    for (String next : hostile) {
      WebClient client = web.client();
      HttpResponse<String> form =
          client.get("/login?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
      assertThat(form.statusCode()).as(next).isEqualTo(200);
      assertThat(form.body()).as(next).doesNotContain("name=\"next\"");
      HttpResponse<String> signedIn = signIn(client, next);
      assertThat(signedIn.statusCode()).as(next).isEqualTo(303);
      assertThat(location(signedIn)).as(next).isEqualTo("/hosts");
    }
  }

  @Test
  void onlyLocalPathsCountAsReturnAddresses() {
    assertThat(SignInReturn.isLocalPath("/hosts/1?x=//y")).isTrue();
    assertThat(SignInReturn.isLocalPath("/software?name=a%2F%2Fb")).isTrue();
    for (String bad : List.of("//x", "/\\x", "x", "https://x", "/\r\nLocation: x", "/x\u007f")) {
      assertThat(SignInReturn.isLocalPath(bad)).as(bad).isFalse();
    }
  }
}
