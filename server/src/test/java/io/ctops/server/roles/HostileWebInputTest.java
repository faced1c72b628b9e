package io.ctops.server.roles;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.RawHttp;
import io.ctops.server.testing.RegisteredRoutes;
import io.ctops.server.testing.RegisteredRoutes.Route;
import io.ctops.server.testing.SeededWeb;
import io.ctops.server.testing.WebClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every registered route, every parameter it may read, every kind of hostile value, as an anonymous
 * user, a read-only user and an admin: no answer is a server error or shows a stack trace, and a
 * request that was refused (4xx) changed nothing in the database. Routes are read from the sources,
 * so a new route is covered when it is added.
 */
@ExtendWith(FreshDatabase.class)
class HostileWebInputTest {
  /** As sent on the wire (query strings and form bodies are %-encoded). */
  private static final Map<String, String> VALUES = new LinkedHashMap<>();

  static {
    VALUES.put("NUL", "a%00b");
    VALUES.put("100 kB", "x".repeat(100_000));
    VALUES.put("invalid UTF-8", "%FF%FE%FD");
    VALUES.put("%-garbage", "%zz%");
    VALUES.put("negative", "-1");
    VALUES.put("huge number", "99999999999999999999999");
    VALUES.put("SQL", "%27%20OR%201%3D1%3B%20DROP%20TABLE%20hosts%3B%20--");
    VALUES.put("HTML", "%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%3E%3Cimg%20src%3Dx%3E");
  }

  /** Tables a refused request may write: sign-in attempts are counted, and refusals audited. */
  private static final String MAY_CHANGE_ON_REFUSAL =
      "'web_sessions', 'sign_in_failures', 'test_changes', 'flyway_schema_history'";

  private SeededWeb seeded;
  private Jdbi jdbi;

  @BeforeEach
  void start(Database database) {
    seeded = SeededWeb.on(database);
    jdbi = database.jdbi();
    countChanges();
  }

  @AfterEach
  void stop() {
    seeded.close();
  }

  @Test
  void noRouteAnswersAHostileValueWithAServerErrorOrAChangeItRefused() {
    List<Route> routes =
        RegisteredRoutes.all().stream()
            // a live stream never ends; signing out would end the run's own session
            .filter(r -> !r.method().equals("sse") && !r.path().equals("/logout"))
            .toList();
    assertThat(routes).hasSizeGreaterThan(40);
    List<String> failures = new ArrayList<>();
    int requests = 0;
    for (Route route : routes) {
      Set<String> parameters = new TreeSet<>(RegisteredRoutes.parameters(route));
      parameters.add("unexpected");
      for (Map.Entry<String, String> value : VALUES.entrySet()) {
        // anonymous: every parameter at once (most routes stop at sign-in)
        failures.addAll(send(null, route, parameters, value));
        requests++;
        for (Role role : List.of(Role.READ_ONLY, Role.ORG_ADMIN)) {
          for (String parameter : parameters) {
            failures.addAll(send(seeded.client(role), route, Set.of(parameter), value));
            requests++;
          }
        }
      }
    }
    assertThat(requests).isGreaterThan(1000);
    assertThat(failures).as("requests that failed the check").isEmpty();
  }

  private List<String> send(
      WebClient client, Route route, Set<String> parameters, Map.Entry<String, String> value) {
    String encoded =
        parameters.stream().map(p -> p + "=" + value.getValue()).collect(Collectors.joining("&"));
    String path = seeded.concrete(route.path());
    Map<String, String> headers = new LinkedHashMap<>();
    if (client != null) {
      headers.put("Cookie", client.cookieHeader());
      headers.put("X-CSRF-Token", client.csrf());
    }
    RawHttp.Answer answer;
    long before = changes();
    if (route.changesState()) {
      headers.put("Content-Type", "application/x-www-form-urlencoded");
      String csrf = client == null ? "" : "_csrf=" + client.csrf() + "&";
      answer =
          RawHttp.send(
              seeded.web.web.port(),
              route.method().toUpperCase(),
              path,
              headers,
              (csrf + encoded).getBytes(StandardCharsets.ISO_8859_1));
    } else {
      answer =
          RawHttp.send(seeded.web.web.port(), "GET", path + "?" + encoded, headers, new byte[0]);
    }
    long changed = changes() - before;
    String what =
        route
            + " "
            + parameters
            + " = "
            + value.getKey()
            + " as "
            + (client == null ? "anonymous" : roleOf(client))
            + " -> ";
    List<String> failures = new ArrayList<>();
    if (answer.status() >= 500) {
      failures.add(what + answer.status() + " " + abbreviated(answer.body()));
    }
    if (answer.body().contains("\tat ") || answer.body().contains("Exception")) {
      failures.add(what + "a stack trace in the answer");
    }
    if (answer.status() >= 400 && answer.status() < 500 && changed > 0) {
      failures.add(what + answer.status() + " but " + changed + " rows changed");
    }
    return failures;
  }

  private String roleOf(WebClient client) {
    return client == seeded.admin ? "admin" : "read-only";
  }

  private static String abbreviated(String body) {
    return body.length() > 200 ? body.substring(0, 200) + "…" : body;
  }

  /**
   * Counts every row written to any table but those a refusal may write, by a trigger per table: an
   * exact, cheap answer to "did that request change anything".
   */
  private void countChanges() {
    jdbi.useHandle(
        h -> {
          h.execute("CREATE TABLE test_changes (n bigint NOT NULL)");
          h.execute("INSERT INTO test_changes VALUES (0)");
          h.execute(
              """
              CREATE FUNCTION test_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN
                UPDATE test_changes SET n = n + 1;
                RETURN NULL;
              END $$
              """);
          List<String> tables =
              h.createQuery(
                      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                          + " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
                          + " AND NOT c.relispartition AND c.relname NOT IN ("
                          + MAY_CHANGE_ON_REFUSAL
                          + ") AND c.relname NOT LIKE 'audit%'")
                  .mapTo(String.class)
                  .list();
          for (String table : tables) {
            h.execute(
                "CREATE TRIGGER test_count_change AFTER INSERT OR UPDATE OR DELETE ON \""
                    + table
                    + "\" FOR EACH ROW EXECUTE FUNCTION test_count_change()");
          }
        });
  }

  private long changes() {
    return jdbi.withHandle(
        h -> h.createQuery("SELECT n FROM test_changes").mapTo(Long.class).one());
  }
}
