package io.ctops.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.RegisteredRoutes;
import io.ctops.server.testing.RegisteredRoutes.Route;
import io.ctops.server.testing.SeededWeb;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every page and answer of the web app carries the security headers. */
@ExtendWith(FreshDatabase.class)
class SecurityHeadersTest {
  private SeededWeb seeded;

  @BeforeEach
  void start(Database database) {
    seeded = SeededWeb.on(database);
  }

  @AfterEach
  void stop() {
    seeded.close();
  }

  @Test
  void everyPageAndAnswerCarriesThem() {
    List<Route> pages =
        RegisteredRoutes.all().stream().filter(r -> r.method().equals("get")).toList();
    assertThat(pages).hasSizeGreaterThan(20);
    for (Route route : pages) {
      String path = seeded.concrete(route.path());
      assertSecure(seeded.admin.get(path), route.toString(), !path.equals("/favicon.ico"));
    }
    assertSecure(seeded.web.client().get("/login"), "the sign-in page", true);
    assertSecure(seeded.web.client().get("/hosts"), "a redirect to sign in", true);
    assertSecure(seeded.admin.get("/no/such/page"), "not found", true);
    assertSecure(seeded.admin.get("/hosts?q=%00"), "a refused request", true);
  }

  @Test
  void staticAssetsMayBeCachedButAreNotSniffed() {
    HttpResponse<String> asset = seeded.web.client().get("/assets/app.js");

    assertThat(asset.statusCode()).isEqualTo(200);
    assertSecure(asset, "an asset", false);
    assertThat(asset.headers().firstValue("Cache-Control").orElse("")).doesNotContain("no-store");
  }

  private static void assertSecure(HttpResponse<String> response, String what, boolean noStore) {
    var headers = response.headers();
    String policy = headers.firstValue("Content-Security-Policy").orElse("");
    assertThat(policy).as(what + " CSP").contains("script-src 'self'");
    assertThat(policy).as(what + " CSP").contains("frame-ancestors 'none'");
    assertThat(policy)
        .as(what + " CSP")
        .doesNotContain("unsafe-inline")
        .doesNotContain("unsafe-eval");
    assertThat(headers.firstValue("X-Content-Type-Options")).as(what).hasValue("nosniff");
    assertThat(headers.firstValue("Referrer-Policy")).as(what).hasValue("same-origin");
    assertThat(headers.firstValue("Strict-Transport-Security"))
        .as(what + ": HSTS only with TLS")
        .isEmpty();
    if (noStore) {
      assertThat(headers.firstValue("Cache-Control")).as(what).hasValue("no-store");
    }
  }
}
