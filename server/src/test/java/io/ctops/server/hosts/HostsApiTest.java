package io.ctops.server.hosts;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The hosts API: one host, its metrics, the pending agents and the overview. */
@ExtendWith(FreshDatabase.class)
class HostsApiTest {
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
  void theApiServesAHostItsMetricsAndThePendingAgents() {
    UUID host =
        aHost("api-1")
            .os("Debian")
            .ips("10.2.3.4")
            .vitals(12f, 34f, 56f)
            .insert(web.jdbi(), web.defaultOrg());
    aHost("waiting").status("pending").agent("pending").insert(web.jdbi(), web.defaultOrg());
    String detail = admin.get("/api/v1/hosts/" + host).body();
    assertThat(detail)
        .contains("\"hostname\":\"api-1\"")
        .contains("\"ip_addresses\":[\"10.2.3.4\"]")
        .contains("\"cpu_percent\":12.0");
    String metrics = admin.get("/api/v1/hosts/" + host + "/metrics?range=24h").body();
    assertThat(metrics).contains("\"bucket_seconds\":87").contains("\"times\":[]");
    assertThat(admin.get("/api/v1/hosts/" + host + "/metrics?range=2h").statusCode())
        .isEqualTo(400);
    assertThat(admin.get("/api/v1/hosts/" + host + "/metrics?from=100").statusCode())
        .isEqualTo(400);
    assertThat(admin.get("/api/v1/hosts/" + host + "/metrics?from=200&to=100").statusCode())
        .isEqualTo(400);
    assertThat(admin.get("/api/v1/agents/pending").body()).contains("\"hostname\":\"waiting\"");
    web.web.invalidateOverview(web.defaultOrg()); // signing in read (and cached) the empty fleet
    assertThat(admin.get("/api/v1/overview").body())
        .contains("\"pending_approval\":1")
        .contains("\"total\":2");
    assertThat(admin.get("/api/v1/hosts?sort=cpu&dir=desc&size=25").body())
        .contains("\"size\":25")
        .contains("\"pages\":1");
  }
}
