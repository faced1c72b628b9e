package io.ctops.server.certificates;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Certificates through the JSON API of the real web app: the fleet's de-duplicated by fingerprint
 * with every place, filtered by status, issuer and hosts, exported as CSV; and a host's by expiry.
 */
@ExtendWith(FreshDatabase.class)
class CertificatesApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WebFixture web;
  private WebClient admin;
  private UUID web1;
  private UUID web2;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    admin = web.signedInAdmin();
    UUID org = web.defaultOrg();
    web1 = aHost("web-1").status("online").insert(web.jdbi(), org);
    web.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "UPDATE hosts SET operator_tags = '{\"env\": \"prod\"}' WHERE id = ?", web1));
    web2 = aHost("web-2").status("online").insert(web.jdbi(), org);
    // the same wildcard on both web hosts, expiring in 10 days; an expired one and a fine one
    certificate(web1, "file", "/etc/ssl/wild.pem", 'a', "CN=Example CA", Duration.ofDays(10));
    certificate(web2, "tls", "127.0.0.1:443", 'a', "CN=Example CA", Duration.ofDays(10));
    certificate(web2, "file", "/etc/ssl/old.pem", 'b', "CN=Old CA", Duration.ofDays(-2));
    certificate(web1, "file", "/etc/ssl/fine.pem", 'c', "CN=Example CA", Duration.ofDays(300));
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private void certificate(
      UUID host, String source, String location, char fill, String issuer, Duration left) {
    web.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "INSERT INTO host_certificates (host_id, source, location, fingerprint,"
                        + " subject, issuer, sans, not_after, seen_at) VALUES (?, ?, ?, ?,"
                        + " 'CN=*.example.test', ?, '{\"*.example.test\"}', ?, now())",
                    host,
                    source,
                    location,
                    String.valueOf(fill).repeat(64),
                    issuer,
                    java.sql.Timestamp.from(Instant.now().plus(left))));
  }

  private static JsonNode json(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    try {
      return JSON.readTree(response.body());
    } catch (Exception e) {
      throw new IllegalStateException(response.body(), e);
    }
  }

  @Test
  void theFleetListsEachCertificateOnceWithEveryPlaceSoonestToExpireFirst() {
    JsonNode fleet = json(admin.get("/api/v1/certificates"));

    assertThat(fleet.get("total").asLong()).isEqualTo(3);
    assertThat(fleet.get("items"))
        .extracting(c -> c.get("status").asText() + " " + c.get("hosts").asLong())
        .containsExactly("expired 1", "expiring 2", "valid 1");
    JsonNode wildcard = fleet.get("items").get(1);
    assertThat(wildcard.get("places"))
        .extracting(p -> p.get("hostname").asText() + " " + p.get("location").asText())
        .containsExactly("web-1 /etc/ssl/wild.pem", "web-2 127.0.0.1:443");
    assertThat(wildcard.get("days_left").asLong()).isBetween(9L, 10L);
  }

  @Test
  void filtersNarrowByStatusIssuerAndHostsAndBadOnesAre400() {
    assertThat(json(admin.get("/api/v1/certificates?status=expiring")).get("total").asLong())
        .isEqualTo(1);
    assertThat(json(admin.get("/api/v1/certificates?issuer=old%20ca")).get("items"))
        .extracting(c -> c.get("status").asText())
        .containsExactly("expired");
    assertThat(json(admin.get("/api/v1/certificates?host=" + web2)).get("total").asLong())
        .isEqualTo(2);
    assertThat(json(admin.get("/api/v1/certificates?tag=env:prod")).get("total").asLong())
        .isEqualTo(2);

    assertThat(admin.get("/api/v1/certificates?status=soon").statusCode()).isEqualTo(400);
    assertThat(admin.get("/api/v1/certificates?group=nope").statusCode()).isEqualTo(400);
    assertThat(admin.get("/api/v1/certificates?host=" + UUID.randomUUID()).statusCode())
        .isEqualTo(400);
    assertThat(admin.get("/api/v1/certificates?size=10000").statusCode()).isEqualTo(400);
  }

  @Test
  void theCsvHasOneLinePerCertificateWithItsPlaces() {
    HttpResponse<String> csv = admin.get("/api/v1/certificates.csv?status=expiring");

    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
    assertThat(csv.body().lines().toList()).hasSize(2);
    assertThat(csv.body().lines().toList().get(1))
        .startsWith("\"" + "a".repeat(64) + "\",\"CN=*.example.test\",\"CN=Example CA\"")
        .contains("\"expiring\"")
        .endsWith("\"2\",\"web-1 /etc/ssl/wild.pem; web-2 127.0.0.1:443\"");
  }

  @Test
  void aHostsCertificatesComeSoonestToExpireFirstWithTheirStatus() {
    JsonNode host = json(admin.get("/api/v1/hosts/" + web2 + "/certificates"));

    assertThat(host.get("items"))
        .extracting(c -> c.get("location").asText() + " " + c.get("status").asText())
        .containsExactly("/etc/ssl/old.pem expired", "127.0.0.1:443 expiring");
    assertThat(host.get("expiring_days").asInt()).isEqualTo(30);
    assertThat(admin.get("/api/v1/hosts/" + UUID.randomUUID() + "/certificates").statusCode())
        .isEqualTo(404);
  }
}
