package io.ctops.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The site's icon: where browsers look for it without asking, and where the pages point. */
@ExtendWith(FreshDatabase.class)
class FaviconTest {
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
  void servesTheIconAtFaviconIcoWithoutASession() {
    WebClient anonymous = web.client();
    HttpResponse<byte[]> icon =
        anonymous.sendBytes(anonymous.request("/favicon.ico").GET().build());
    assertThat(icon.statusCode()).isEqualTo(200);
    assertThat(icon.headers().firstValue("Content-Type")).hasValue("image/x-icon");
    // an ICO directory with one image
    assertThat(icon.body()).startsWith(0, 0, 1, 0, 1, 0);

    HttpResponse<String> svg = anonymous.get("/assets/favicon.svg");
    assertThat(svg.statusCode()).isEqualTo(200);
    assertThat(svg.body()).startsWith("<svg");
  }

  @Test
  void everyPageLinksTheIcon() {
    WebClient admin = web.signedInAdmin();
    for (String path : List.of("/login", "/hosts", "/software")) {
      WebClient client = path.equals("/login") ? web.client() : admin;
      assertThat(client.get(path).body())
          .as(path)
          .contains("<link rel=\"icon\" href=\"/favicon.ico\"")
          .contains("<link rel=\"icon\" href=\"/assets/favicon.svg\" type=\"image/svg+xml\">");
    }
  }
}
