package io.ctops.server.orgs;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A super admin works across organisations; everyone else sees only their own. */
@ExtendWith(FreshDatabase.class)
class OrganisationsPageTest {
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
  void aSuperAdminCreatesAnOrganisationAndWorksInIt() {
    web.user(web.defaultOrg(), "root@example.com", Role.SUPER_ADMIN);
    aHost("default-host").insert(web.jdbi(), web.defaultOrg());
    WebClient root = web.client();
    root.signIn("root@example.com", WebFixture.PASSWORD);
    assertThat(root.get("/hosts").body()).contains("default-host").contains("href=\"/orgs\"");

    assertThat(root.post("/orgs", Map.of("name", "Acme <Labs>")).body())
        .contains("Created Acme &lt;Labs&gt;");
    assertThat(root.post("/orgs", Map.of("name", "acme labs")).statusCode()).isEqualTo(400);
    assertThat(root.post("/orgs", Map.of("name", "  ")).statusCode()).isEqualTo(400);
    UUID acme =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT id FROM organisations WHERE slug = 'acme-labs'")
                        .mapTo(UUID.class)
                        .one());
    aHost("acme-host").insert(web.jdbi(), acme);

    assertThat(root.post("/orgs/switch", Map.of("org", acme.toString())).statusCode())
        .isEqualTo(303);
    String hosts = root.get("/hosts").body();
    assertThat(hosts)
        .contains("acme-host")
        .doesNotContain("default-host")
        .contains("Acme &lt;Labs&gt;");
    // an admin of the organisation it works in: users are added there
    root.post(
        "/users",
        Map.of(
            "email", "acme-admin@example.com", "password", "twelve chars!", "role", "org_admin"));
    UUID addedTo =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT org_id FROM users WHERE email = 'acme-admin@example.com'")
                        .mapTo(UUID.class)
                        .one());
    assertThat(addedTo).isEqualTo(acme);
    assertThat(root.post("/orgs/switch", Map.of("org", UUID.randomUUID().toString())).statusCode())
        .isEqualTo(404);
  }

  @Test
  void onlySuperAdminsSeeOrSwitchOrganisations() {
    web.admin();
    UUID other = web.otherOrg();
    aHost("other-host").insert(web.jdbi(), other);
    WebClient admin = web.client();
    admin.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
    assertThat(admin.get("/hosts").body()).doesNotContain("href=\"/orgs\"");
    assertThat(admin.get("/orgs").statusCode()).isEqualTo(403);
    assertThat(admin.post("/orgs/switch", Map.of("org", other.toString())).statusCode())
        .isEqualTo(403);
    assertThat(admin.post("/orgs", Map.of("name", "Mine")).statusCode()).isEqualTo(403);
    assertThat(admin.get("/hosts").body()).doesNotContain("other-host");
    assertThat(web.count("SELECT count(*) FROM organisations")).isEqualTo(2);
  }
}
