package io.ctops.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.Role;
import io.ctops.server.groups.GroupRule;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.HostSeed;
import io.ctops.server.testing.Sql;
import io.ctops.server.testing.TestPostgres;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ctops user ...} and {@code ctops apikey create} end to end: the command tree on a real
 * database, and what the accounts it makes can then do in the real web app.
 */
@ExtendWith(FreshDatabase.class)
class UserCommandTest {
  private static final String PASSWORD = "a long enough password";

  private Map<String, String> env;
  private WebFixture web;

  @BeforeEach
  void start(DatabaseUrl url, Database database) {
    env = Map.of("DATABASE_URL", TestPostgres.jdbcUrlWithCredentials(url));
    web = WebFixture.on(database);
  }

  @AfterEach
  void stop() {
    web.close();
  }

  @Test
  void createsASuperAdminWithAGeneratedPasswordShownOnceWhoReachesOrganisations() {
    Ctops.Run run =
        Ctops.run(
            env,
            "user",
            "create",
            "--email",
            "Root@Example.com",
            "--role",
            "super_admin",
            "--display-name",
            "Root");

    assertThat(run.exitCode()).as(run.err()).isZero();
    String password = run.out().strip();
    assertThat(run.out()).isEqualTo(password + System.lineSeparator());
    assertThat(password).matches("[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}");
    assertThat(run.err())
        .contains("Created super_admin Root@Example.com in organisation Default")
        .contains("not shown again");
    assertThat(Sql.string(web.jdbi(), "SELECT password_hash FROM users"))
        .startsWith("$argon2id$")
        .doesNotContain(password);

    WebClient root = web.client();
    assertThat(root.signIn("root@example.com", password).statusCode()).isEqualTo(303);
    assertThat(root.get("/orgs").statusCode()).isEqualTo(200);
    assertThat(
            Sql.string(
                web.jdbi(),
                "SELECT actor_name || ' ' || action || ' ' || outcome FROM audit_entries"
                    + " WHERE action = 'user.create'"))
        .as("the audit log names the command line")
        .isEqualTo("command line user.create succeeded");
  }

  @Test
  void readsThePasswordFromStandardInputIntoTheNamedOrganisation() {
    web.otherOrg();
    Ctops.Run run =
        Ctops.withInput(
            env,
            PASSWORD + "\n",
            "user",
            "create",
            "--email",
            "eng@example.com",
            "--role",
            "engineer",
            "--org",
            "other",
            "--password-stdin");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("Created engineer eng@example.com in organisation Other");
    assertThat(run.out()).doesNotContain(PASSWORD);
    assertThat(
            Sql.string(
                web.jdbi(),
                "SELECT o.slug || ' ' || u.role FROM users u"
                    + " JOIN organisations o ON o.id = u.org_id"))
        .isEqualTo("other engineer");
    WebClient engineer = web.client();
    assertThat(engineer.signIn("eng@example.com", PASSWORD).statusCode()).isEqualTo(303);
    assertThat(engineer.get("/users").statusCode()).isEqualTo(403);
  }

  @Test
  void badInputIsRefusedWithExitCodeAndMessageAndWritesNothing() {
    web.admin();
    record Case(String[] args, String input, int exitCode, String message) {}
    Case[] cases = {
      new Case(
          new String[] {"user", "create", "--email", "a@example.com", "--role", "admin"},
          "",
          64,
          "expected one of read_only, engineer, org_admin, super_admin, got 'admin'"),
      new Case(
          new String[] {
            "user", "create", "--email", "a@example.com", "--role", "engineer", "--org", "nope"
          },
          "",
          1,
          "no organisation named 'nope'"),
      new Case(
          new String[] {
            "user", "create", "--email", WebFixture.ADMIN_EMAIL.toUpperCase(), "--role", "engineer"
          },
          "",
          1,
          "an account with ADMIN@EXAMPLE.COM already exists"),
      new Case(
          new String[] {"user", "create", "--email", "not-an-email", "--role", "engineer"},
          "",
          1,
          "enter a valid email address"),
      new Case(
          new String[] {
            "user", "create", "--email", "a@example.com", "--role", "engineer", "--password-stdin"
          },
          "short\n",
          1,
          "a password must be at least 12 characters"),
      new Case(
          new String[] {
            "user", "create", "--email", "a@example.com", "--role", "engineer", "--password-stdin"
          },
          "",
          1,
          "--password-stdin: no password on standard input"),
      new Case(new String[] {"user", "create", "--role", "engineer"}, "", 64, "--email"),
      new Case(
          new String[] {"user", "set-role", "nobody@example.com", "engineer"},
          "",
          1,
          "no user with email nobody@example.com"),
      new Case(
          new String[] {"user", "set-role", WebFixture.ADMIN_EMAIL, "root"},
          "",
          64,
          "expected one of read_only"),
      new Case(
          new String[] {"user", "set-role", WebFixture.ADMIN_EMAIL, "read_only"},
          "",
          1,
          "the organisation must keep at least one admin"),
      new Case(
          new String[] {"user", "reset-password", "nobody@example.com"},
          "",
          1,
          "no user with email nobody@example.com"),
      new Case(
          new String[] {"user", "list", "--org", "nope"}, "", 1, "no organisation named 'nope'"),
      new Case(
          new String[] {"apikey", "create", "--user", WebFixture.ADMIN_EMAIL, "--expires-in", "1y"},
          "",
          64,
          "expected a duration like 30m, 24h, 7d or 1d12h, got '1y'"),
      new Case(
          new String[] {"apikey", "create", "--user", "nobody@example.com"},
          "",
          1,
          "no user with email nobody@example.com"),
      new Case(
          new String[] {"apikey", "create", "--user", WebFixture.ADMIN_EMAIL, "--name", " "},
          "",
          1,
          "a key name must be 1 to 200 characters"),
    };
    String usersBefore = Sql.string(web.jdbi(), "SELECT string_agg(u::text, ',') FROM users u");
    for (Case c : cases) {
      Ctops.Run run = Ctops.withInput(env, c.input(), c.args());
      String what = String.join(" ", c.args());
      assertThat(run.exitCode()).as(what + ": " + run.err()).isEqualTo(c.exitCode());
      assertThat(run.err()).as(what).contains(c.message());
      assertThat(run.out()).as(what).isEmpty();
      if (c.exitCode() == 1) {
        assertThat(run.err().strip()).as(what).startsWith("ctops: ").hasLineCount(1);
      }
    }
    assertThat(Sql.string(web.jdbi(), "SELECT string_agg(u::text, ',') FROM users u"))
        .isEqualTo(usersBefore);
    assertThat(web.count("SELECT count(*) FROM api_keys")).isZero();
  }

  @Test
  void setRoleTakesEffectOnTheNextRequest() {
    web.admin();
    web.user(web.defaultOrg(), "viewer@example.com", Role.READ_ONLY);
    WebClient viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);
    assertThat(viewer.get("/users").statusCode()).isEqualTo(403);

    Ctops.Run promote = Ctops.run(env, "user", "set-role", "VIEWER@example.com", "org_admin");
    Ctops.Run again = Ctops.run(env, "user", "set-role", "viewer@example.com", "org_admin");

    assertThat(promote.exitCode()).as(promote.err()).isZero();
    assertThat(promote.out()).contains("viewer@example.com is now org_admin (was read_only)");
    assertThat(again.out()).contains("already is org_admin");
    assertThat(viewer.get("/users").statusCode()).isEqualTo(200);
    // with a second admin, the first may step down
    assertThat(Ctops.run(env, "user", "set-role", WebFixture.ADMIN_EMAIL, "engineer").exitCode())
        .isZero();
  }

  @Test
  void setRoleWithGroupsLimitsTheUserToThoseGroupsHosts() {
    web.admin();
    UUID org = web.defaultOrg();
    UUID inGroup = HostSeed.aHost("web-01").insert(web.jdbi(), org);
    HostSeed.aHost("db-01").insert(web.jdbi(), org);
    web.jdbi()
        .useTransaction(
            h -> {
              Actor seeder = Actor.system("test");
              UUID group =
                  HostGroups.create(
                      h,
                      org,
                      seeder,
                      new HostGroups.GroupSpec("Web-Prod", "", false, GroupRule.NONE));
              HostGroups.addMembers(h, org, seeder, group, List.of(inGroup));
              HostGroups.create(
                  h, org, seeder, new HostGroups.GroupSpec("db-prod", "", false, GroupRule.NONE));
            });
    web.user(org, "eng@example.com", Role.ENGINEER);
    WebClient engineer = web.client();
    engineer.signIn("eng@example.com", WebFixture.PASSWORD);
    assertThat(engineer.get("/api/v1/hosts").body()).contains("web-01", "db-01");

    Ctops.Run scoped =
        Ctops.run(
            env,
            "user",
            "set-role",
            "eng@example.com",
            "--group",
            "web-prod=read_only",
            "--group",
            "db-prod=engineer");

    assertThat(scoped.exitCode()).as(scoped.err()).isZero();
    assertThat(scoped.out())
        .contains("eng@example.com now sees only the hosts of web-prod (read_only), db-prod");
    // db-prod has no host yet: the engineer role on it shows nothing more
    assertThat(engineer.get("/api/v1/hosts").body()).contains("web-01").doesNotContain("db-01");
    assertThat(Sql.string(web.jdbi(), "SELECT role FROM users WHERE email = 'eng@example.com'"))
        .isEqualTo("engineer");
    assertThat(
            web.count(
                "SELECT count(*) FROM audit_entries WHERE action = 'user.scope_change'"
                    + " AND actor_name = 'command line'"))
        .isEqualTo(1);

    for (String[] bad :
        List.of(
            new String[] {"user", "set-role", "eng@example.com"},
            new String[] {
              "user", "set-role", "eng@example.com", "engineer", "--group", "db-prod=engineer"
            },
            new String[] {"user", "set-role", "eng@example.com", "--group", "db-prod=org_admin"},
            new String[] {"user", "set-role", "eng@example.com", "--group", "db-prod"},
            new String[] {"user", "set-role", "eng@example.com", "--group", "nope=engineer"})) {
      Ctops.Run refused = Ctops.run(env, bad);
      assertThat(refused.exitCode()).as(String.join(" ", bad)).isEqualTo(1);
      assertThat(refused.err()).as(String.join(" ", bad)).isNotBlank();
    }
    assertThat(web.count("SELECT count(*) FROM user_group_roles")).isEqualTo(2);

    assertThat(Ctops.run(env, "user", "set-role", "eng@example.com", "engineer").exitCode())
        .isZero();
    assertThat(engineer.get("/api/v1/hosts").body()).contains("web-01", "db-01");
    assertThat(web.count("SELECT count(*) FROM user_group_roles")).isZero();
  }

  @Test
  void listShowsEveryOrganisationsUsersWithLastSignInAndLockOut() {
    web.admin();
    web.user(web.otherOrg(), "other@example.com", Role.ENGINEER);
    web.client().signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
    WebClient stranger = web.client();
    stranger.get("/login");
    for (int i = 0; i < 5; i++) {
      stranger.post("/login", Map.of("email", "other@example.com", "password", "guess " + i));
    }

    Ctops.Run all = Ctops.run(env, "user", "list");
    Ctops.Run other = Ctops.run(env, "user", "list", "--org", "Other");

    assertThat(all.exitCode()).as(all.err()).isZero();
    assertThat(all.out().lines().findFirst().orElseThrow())
        .startsWith("EMAIL")
        .contains("NAME", "ROLE", "ORG", "CREATED", "LAST-SIGN-IN", "LOCKED");
    assertThat(all.out().lines())
        .hasSize(3)
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith(WebFixture.ADMIN_EMAIL)
                    .contains("org_admin", "Default")
                    .matches(".*\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ\\s+no$"))
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith("other@example.com")
                    .contains("engineer", "Other")
                    .matches(".*\\s-\\s+from 1 address$"));
    assertThat(other.out().lines()).hasSize(2).noneMatch(l -> l.contains(WebFixture.ADMIN_EMAIL));
  }

  @Test
  void resetPasswordLetsALockedOutAdminBackInAndEndsTheirSessions() {
    web.admin();
    WebClient oldSession = web.client();
    oldSession.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
    WebClient locked = web.client();
    locked.get("/login");
    for (int i = 0; i < 5; i++) {
      locked.post("/login", Map.of("email", WebFixture.ADMIN_EMAIL, "password", "forgot " + i));
    }
    assertThat(
            locked
                .post(
                    "/login",
                    Map.of("email", WebFixture.ADMIN_EMAIL, "password", WebFixture.PASSWORD))
                .statusCode())
        .isEqualTo(429);

    Ctops.Run reset = Ctops.run(env, "user", "reset-password", WebFixture.ADMIN_EMAIL);

    assertThat(reset.exitCode()).as(reset.err()).isZero();
    String password = reset.out().strip();
    assertThat(reset.err()).contains("sessions ended", "not shown again");
    assertThat(oldSession.get("/hosts").statusCode()).isEqualTo(302);
    assertThat(
            locked
                .post(
                    "/login",
                    Map.of("email", WebFixture.ADMIN_EMAIL, "password", WebFixture.PASSWORD))
                .statusCode())
        .isEqualTo(401);
    assertThat(locked.signIn(WebFixture.ADMIN_EMAIL, password).statusCode()).isEqualTo(303);

    Ctops.Run fromStdin =
        Ctops.withInput(
            env,
            PASSWORD + "\r\n",
            "user",
            "reset-password",
            "--password-stdin",
            "ADMIN@example.com");
    assertThat(fromStdin.exitCode()).as(fromStdin.err()).isZero();
    assertThat(fromStdin.out()).contains("New password set for admin@example.com");
    assertThat(web.client().signIn(WebFixture.ADMIN_EMAIL, PASSWORD).statusCode()).isEqualTo(303);
  }

  @Test
  void apiKeyActsWithTheUsersRoleUntilItExpires() {
    web.admin();
    web.user(web.defaultOrg(), "viewer@example.com", Role.READ_ONLY);

    Ctops.Run admin =
        Ctops.run(env, "apikey", "create", "--user", WebFixture.ADMIN_EMAIL, "--name", "deploy");
    Ctops.Run viewer =
        Ctops.run(env, "apikey", "create", "--user", "viewer@example.com", "--expires-in", "30d");
    // made by a clock two days behind, so it expired a day ago
    Ctops.Run expired =
        Ctops.run(
            env,
            Clock.offset(Clock.systemUTC(), Duration.ofDays(-2)),
            "apikey",
            "create",
            "--user",
            WebFixture.ADMIN_EMAIL,
            "--expires-in",
            "1d");

    assertThat(admin.exitCode()).as(admin.err()).isZero();
    String adminKey = admin.out().strip();
    assertThat(admin.out()).isEqualTo(adminKey + System.lineSeparator());
    assertThat(adminKey).matches("ctops_[A-Za-z0-9_-]{43}");
    assertThat(admin.err()).contains("Created API key deploy for admin@example.com (org_admin)");
    assertThat(viewer.err()).contains("read_only, expires ");
    assertThat(web.count("SELECT count(*) FROM api_keys WHERE expires_at IS NOT NULL"))
        .isEqualTo(2);

    String tokenJson = "{\"name\":\"from a key\"}";
    assertThat(post(adminKey, "/api/v1/tokens", tokenJson).statusCode()).isEqualTo(201);
    String viewerKey = viewer.out().strip();
    assertThat(get(viewerKey, "/api/v1/hosts").statusCode()).isEqualTo(200);
    assertThat(post(viewerKey, "/api/v1/tokens", tokenJson).statusCode()).isEqualTo(403);
    HttpResponse<String> stale = get(expired.out().strip(), "/api/v1/hosts");
    assertThat(stale.statusCode()).isEqualTo(401);
    assertThat(stale.body()).contains("expired");
  }

  @Test
  void helpDescribesTheAccountCommands() {
    Ctops.Run root = Ctops.run(env, "--help");
    Ctops.Run user = Ctops.run(env, "user", "--help");
    Ctops.Run create = Ctops.run(env, "apikey", "create", "--help");

    assertThat(root.out())
        .contains("user ", "apikey ", "token, agent list/approve/revoke, user, apikey")
        .contains("The first account (made on the web app's /setup page or by quickstart) is a");
    assertThat(user.out()).contains("create", "set-role", "list", "reset-password");
    assertThat(create.out()).contains("--user=EMAIL", "--name=NAME", "--expires-in=DURATION");
  }

  private HttpResponse<String> get(String key, String path) {
    WebClient client = web.client();
    return client.send(client.request(path).header("Authorization", "Bearer " + key).build());
  }

  private HttpResponse<String> post(String key, String path, String json) {
    WebClient client = web.client();
    return client.send(
        client
            .request(path)
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json))
            .build());
  }
}
