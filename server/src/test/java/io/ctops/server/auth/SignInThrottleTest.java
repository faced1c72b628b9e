package io.ctops.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.config.TrustedProxies;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Failed sign-ins slow guessing down without letting a stranger lock an account out: counted in
 * PostgreSQL per (account, address) and per address, from the address a trusted proxy names.
 * Different client addresses are real: the clients connect from other loopback addresses.
 */
@ExtendWith(FreshDatabase.class)
class SignInThrottleTest {
  private static final String STRANGER = "127.0.0.2";

  private Database database;
  private WebFixture web;

  @BeforeEach
  void start(Database database) {
    this.database = database;
    web = WebFixture.on(database);
    web.admin();
  }

  @AfterEach
  void stop() {
    web.close();
  }

  @Test
  void aStrangersFailuresDoNotLockTheAdminOutFromAnotherAddress() {
    WebClient stranger = web.clientFrom(STRANGER);
    for (int i = 0; i < 5; i++) {
      assertThat(signIn(stranger, WebFixture.ADMIN_EMAIL, "guess " + i).statusCode())
          .isEqualTo(401);
    }
    HttpResponse<String> locked = signIn(stranger, WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD);
    assertThat(locked.statusCode()).isEqualTo(429);
    assertThat(locked.body()).contains("Too many failed sign-ins");
    assertThat(Sql.strings(web.jdbi(), "SELECT DISTINCT address FROM sign_in_failures"))
        .containsExactly(STRANGER);

    WebClient admin = web.client();
    assertThat(admin.signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD).statusCode())
        .isEqualTo(303);
    assertThat(admin.get("/hosts").statusCode()).isEqualTo(200);
    // and the stranger stays locked out of that account
    assertThat(signIn(stranger, WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD).statusCode())
        .isEqualTo(429);
  }

  @Test
  void oneAddressTryingManyAccountsIsStoppedForEveryAccount() {
    WebClient sprayer = web.clientFrom(STRANGER);
    for (int i = 0; i < LoginThrottle.MAX_FAILURES_PER_ADDRESS; i++) {
      assertThat(signIn(sprayer, "user" + i + "@example.com", "password").statusCode())
          .isEqualTo(401);
    }
    assertThat(signIn(sprayer, WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD).statusCode())
        .isEqualTo(429);
    assertThat(signIn(sprayer, "fresh@example.com", "password").statusCode()).isEqualTo(429);
    assertThat(web.count("SELECT count(*) FROM sign_in_failures"))
        .isEqualTo(LoginThrottle.MAX_FAILURES_PER_ADDRESS);
    assertThat(web.client().signIn(WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD).statusCode())
        .isEqualTo(303);
  }

  @Test
  void twoWebInstancesOnOneDatabaseShareTheCounts() {
    try (WebFixture second = WebFixture.on(database)) {
      WebClient viaFirst = web.clientFrom(STRANGER);
      WebClient viaSecond = second.clientFrom(STRANGER);
      for (int i = 0; i < 3; i++) {
        assertThat(signIn(viaFirst, WebFixture.ADMIN_EMAIL, "guess " + i).statusCode())
            .isEqualTo(401);
      }
      for (int i = 3; i < 5; i++) {
        assertThat(signIn(viaSecond, WebFixture.ADMIN_EMAIL, "guess " + i).statusCode())
            .isEqualTo(401);
      }
      assertThat(signIn(viaFirst, WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD).statusCode())
          .isEqualTo(429);
      assertThat(signIn(viaSecond, WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD).statusCode())
          .isEqualTo(429);
    }
  }

  @Test
  void aSuccessfulSignInForgivesThatAccountsFailuresFromThatAddress() {
    WebClient admin = web.client();
    WebClient stranger = web.clientFrom(STRANGER);
    for (int i = 0; i < 4; i++) {
      signIn(admin, WebFixture.ADMIN_EMAIL, "typo " + i);
      signIn(stranger, WebFixture.ADMIN_EMAIL, "guess " + i);
    }
    assertThat(signIn(admin, WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD).statusCode())
        .isEqualTo(303);

    assertThat(Sql.strings(web.jdbi(), "SELECT address FROM sign_in_failures"))
        .hasSize(4)
        .containsOnly(STRANGER);
    assertThat(web.count("SELECT count(*) FROM users WHERE last_sign_in_at IS NOT NULL"))
        .isEqualTo(1);
  }

  @Test
  void malformedAttemptsThatReachTheHandlerAreCountedAndNeverFail() {
    WebClient stranger = web.clientFrom(STRANGER);
    int answered = 0;
    for (String email :
        new String[] {
          WebFixture.ADMIN_EMAIL + "\0", "x".repeat(10_000) + "@example.com", "\0", "a@\u0007b"
        }) {
      int status = signIn(stranger, email, "guess").statusCode();
      assertThat(status).as(email.length() + " characters").isIn(400, 401);
      answered++;
    }
    assertThat(web.count("SELECT count(*) FROM sign_in_failures"))
        .as("refused (400) and failed (401) attempts alike")
        .isEqualTo(answered);
  }

  @Test
  void aTrustedProxysForwardedForIsBelievedAndNobodyElses() {
    try (WebFixture behindProxy =
        WebFixture.on(
            database,
            WebFixture.settings().withTrustedProxies(TrustedProxies.parse("127.0.0.1/32")))) {
      WebClient proxy = behindProxy.client();
      for (int i = 0; i < 5; i++) {
        assertThat(
                signIn(proxy, WebFixture.ADMIN_EMAIL, "guess " + i, "203.0.113.9, 198.51.100.7")
                    .statusCode())
            .isEqualTo(401);
      }
      assertThat(
              signIn(proxy, WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD, "198.51.100.7")
                  .statusCode())
          .isEqualTo(429);
      // another client behind the same proxy is not locked out
      assertThat(
              signIn(proxy, WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD, "192.0.2.44").statusCode())
          .isEqualTo(303);
      assertThat(Sql.strings(web.jdbi(), "SELECT DISTINCT address FROM sign_in_failures"))
          .containsExactly("198.51.100.7");

      // a client that is not the proxy cannot pick its address: each spoofed value is ignored
      WebClient spoofer = behindProxy.clientFrom(STRANGER);
      for (int i = 0; i < 5; i++) {
        assertThat(
                signIn(spoofer, WebFixture.ADMIN_EMAIL, "guess " + i, "192.0.2." + i).statusCode())
            .isEqualTo(401);
      }
      assertThat(
              signIn(spoofer, WebFixture.ADMIN_EMAIL, WebFixture.PASSWORD, "192.0.2.99")
                  .statusCode())
          .isEqualTo(429);
      assertThat(
              Sql.strings(
                  web.jdbi(), "SELECT DISTINCT address FROM sign_in_failures ORDER BY address"))
          .containsExactly(STRANGER, "198.51.100.7");
    }
  }

  @Test
  void failuresOlderThanTheWindowNoLongerCountAndArePurged() {
    Instant old = Instant.now().minus(LoginThrottle.WINDOW).minusSeconds(1);
    web.jdbi()
        .useHandle(
            h -> {
              for (int i = 0; i < 5; i++) {
                h.createUpdate(
                        "INSERT INTO sign_in_failures (account, address, failed_at)"
                            + " VALUES ('admin@example.com', :address, :at)")
                    .bind("address", STRANGER)
                    .bind("at", Timestamp.from(old))
                    .execute();
              }
            });
    WebClient stranger = web.clientFrom(STRANGER);
    assertThat(signIn(stranger, WebFixture.ADMIN_EMAIL, "guess").statusCode()).isEqualTo(401);

    assertThat(new LoginThrottle(web.jdbi(), Clock.systemUTC()).purgeExpired()).isEqualTo(5);
    assertThat(web.count("SELECT count(*) FROM sign_in_failures")).isEqualTo(1);
  }

  /** One sign-in attempt through the form, optionally as forwarded by a proxy. */
  private static HttpResponse<String> signIn(
      WebClient client, String email, String password, String... forwardedFor) {
    client.get("/login");
    Map<String, String> form = new LinkedHashMap<>();
    form.put("_csrf", client.csrf());
    form.put("email", email);
    form.put("password", password);
    return forwardedFor.length == 0
        ? client.postRaw("/login", form)
        : client.postRaw("/login", form, "X-Forwarded-For", forwardedFor[0]);
  }
}
