package io.ctops.server.roles;

import static io.ctops.server.testing.HeartbeatClient.vitals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.HeartbeatClient;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.TestAgent;
import io.ctops.server.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ingest HTTP port: health, JWKS and Prometheus metrics. */
@ExtendWith(FreshDatabase.class)
class IngestHttpTest {
  private IngestFixture ingest;

  @BeforeEach
  void start(DatabaseUrl database) {
    ingest = IngestFixture.start(database);
  }

  @AfterEach
  void stop() {
    ingest.close();
  }

  @Test
  void healthIsOkWhileTheDatabaseAnswersAnd503WithTheReasonWhenItDoesNot() throws Exception {
    assertThat(get("/healthz")).isEqualTo("200 ok\n");

    String database = ingest.string("SELECT current_database()");
    TestPostgres.executeAsAdmin("ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
    TestPostgres.executeAsAdmin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
            + database
            + "'");
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> assertThat(get("/healthz")).startsWith("503 database unreachable: "));
    } finally {
      TestPostgres.executeAsAdmin("ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(get("/healthz")).isEqualTo("200 ok\n"));
  }

  @Test
  void jwksPublishesTheSigningKeysPublicHalf() throws Exception {
    String jwks = get("/.well-known/jwks.json");

    assertThat(jwks)
        .startsWith("200 {\"keys\":[{")
        .contains(
            "\"kty\":\"RSA\"",
            "\"use\":\"sig\"",
            "\"alg\":\"RS256\"",
            "\"e\":\"AQAB\"",
            "\"kid\":\"" + ingest.ingest.tokens().keyId() + "\"")
        .doesNotContain("\"d\":");
  }

  @Test
  void metricsCountHeartbeatsRegistrationsAndWrites() throws Exception {
    RegisterResponse agent = ingest.registerActive(new TestAgent("metrics-01"));
    try (HeartbeatClient stream =
        new HeartbeatClient(ingest.withJwt(ingest.channel(), agent.getJwtToken()))) {
      stream.send(vitals(1, 2, 3).build()).next();
      String metrics = get("/metrics");
      assertThat(metrics)
          .contains("ctops_heartbeats_received_total 1.0")
          .contains("ctops_connected_agents 1.0")
          .contains("ctops_registrations_total{outcome=\"active\"} 1.0")
          .contains("ctops_metrics_write_batch_samples_count")
          .contains("ctops_metrics_write_seconds")
          .contains("ctops_metrics_queue_depth");
    }
  }

  @Test
  void unknownPathsAndMethodsAreRefused() throws Exception {
    assertThat(get("/nope")).startsWith("404");
    HttpResponse<String> post =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(uri("/healthz"))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  private String get(String path) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + ingest.ingest.httpPort() + path);
  }
}
