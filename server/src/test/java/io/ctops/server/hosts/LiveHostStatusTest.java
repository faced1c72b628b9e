package io.ctops.server.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The live status stream ends within seconds once its user is gone or signed out. */
@ExtendWith(FreshDatabase.class)
class LiveHostStatusTest {
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
  void aRemovedUsersStreamEnds() {
    UUID viewerId = web.user(web.defaultOrg(), "viewer@example.com", Role.READ_ONLY);
    WebClient viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);
    CompletableFuture<Void> ended = openStream(viewer);

    assertThat(admin.post("/users/" + viewerId + "/remove", Map.of()).statusCode()).isLessThan(400);

    await("the removed user's stream ends")
        .atMost(Duration.ofSeconds(10))
        .until(() -> ended.isDone() && web.web.liveClients() == 0);
  }

  @Test
  void aStreamEndsWhenItsSessionIsSignedOut() {
    WebClient viewer = web.client();
    web.user(web.defaultOrg(), "viewer@example.com", Role.READ_ONLY);
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);
    CompletableFuture<Void> ended = openStream(viewer);

    viewer.post("/logout", Map.of());

    await("the signed-out stream ends")
        .atMost(Duration.ofSeconds(10))
        .until(() -> ended.isDone() && web.web.liveClients() == 0);
  }

  @Test
  void aSignedInUsersStreamStaysOpen() throws Exception {
    CompletableFuture<Void> ended = openStream(admin);

    Thread.sleep(2 * LiveHostStatus.RECHECK_MILLIS);

    assertThat(ended).isNotDone();
    assertThat(web.web.liveClients()).isEqualTo(1);
  }

  /**
   * Opens /hosts/events and reads it to its end in the background; done when the server ends it.
   */
  private CompletableFuture<Void> openStream(WebClient client) {
    CompletableFuture<HttpResponse<InputStream>> response =
        client.sendStream(
            client.request("/hosts/events").header("Accept", "text/event-stream").GET().build());
    CompletableFuture<Void> ended =
        response.thenAcceptAsync(
            r -> {
              try (InputStream body = r.body()) {
                body.transferTo(java.io.OutputStream.nullOutputStream());
              } catch (Exception e) {
                // the connection closing is an end too
              }
            });
    await("stream open").atMost(Duration.ofSeconds(10)).until(() -> web.web.liveClients() == 1);
    return ended;
  }
}
