package io.ctops.loadtest;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.ApiKeys;
import io.ctops.server.auth.HostScope;
import io.ctops.server.auth.PasswordHashing;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.Sessions;
import io.ctops.server.auth.Users;
import io.ctops.server.groups.GroupRule;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.groups.HostSelectors;
import io.ctops.server.groups.Tag;
import io.ctops.server.platform.config.DatabaseSettings;
import io.ctops.server.platform.config.WebSettings;
import io.ctops.server.platform.database.Database;
import io.ctops.server.roles.WebRole;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Host groups benchmark: an organisation of N hosts (default 100,000, seeded like {@link
 * HostListBench} plus agent and operator tags), 200 groups (half static with 1,000 hand-picked
 * hosts each, half dynamic: by tag, OS and status, hostname pattern, CIDR) and a user scoped to 20
 * of them. Prints p50/p95 of the scoped user's host list and a group's host list over HTTP, the
 * time to resolve a dynamic group (its rule re-evaluated over every host, and a selector read), and
 * a bulk tag of 10,000 hosts.
 *
 * <p>Usage: {@code GroupsBench [hosts] [repetitions]}.
 */
public final class GroupsBench {
  private static final Actor BENCH = Actor.system("groups benchmark");

  private GroupsBench() {}

  public static void main(String[] args) throws Exception {
    int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    Path dataDir = Files.createTempDirectory("ctops-groups-bench-");
    DatabaseSettings dbSettings =
        new DatabaseSettings(dataDir, Optional.empty(), dataDir.resolve("pg").resolve("runtime"));
    Clock clock = Clock.systemUTC();
    try (Database database = Database.open(dbSettings, Database.Access.EXCLUSIVE, "bench")) {
      var jdbi = database.jdbi();
      UUID org =
          jdbi.withHandle(
              h -> h.createQuery("SELECT id FROM organisations").mapTo(UUID.class).one());
      long seedStart = System.nanoTime();
      HostListBench.seed(database, org, hosts);
      jdbi.useHandle(
          h -> {
            // agent tags on every host (team and env), operator tags on every tenth
            h.execute(
                """
                UPDATE hosts SET metadata = jsonb_build_object('tags', jsonb_build_object(
                    'team', 't' || (CAST(substring(hostname FROM '[0-9]+$') AS int) % 50),
                    'env', (ARRAY['prod','staging','dev'])[1 + CAST(substring(hostname FROM '[0-9]+$') AS int) % 3]))
                """);
            h.execute(
                """
                UPDATE hosts SET operator_tags = jsonb_build_object('owner', 'o' || (CAST(substring(hostname FROM '[0-9]+$') AS int) % 20))
                 WHERE CAST(substring(hostname FROM '[0-9]+$') AS int) % 10 = 0
                """);
          });
      List<UUID> groups = new ArrayList<>();
      List<UUID> dynamicGroups = new ArrayList<>();
      jdbi.useTransaction(
          h -> {
            for (int i = 0; i < 100; i++) {
              UUID id =
                  HostGroups.create(
                      h,
                      org,
                      BENCH,
                      new HostGroups.GroupSpec("static " + i, "", false, GroupRule.NONE));
              h.createUpdate(
                      """
                      INSERT INTO host_group_members (group_id, host_id)
                      SELECT :group, id FROM hosts WHERE org_id = :org AND deleted_at IS NULL
                       ORDER BY md5(id::text || :salt) LIMIT 1000
                      """)
                  .bind("group", id)
                  .bind("org", org)
                  .bind("salt", Integer.toString(i))
                  .execute();
              groups.add(id);
            }
            for (int i = 0; i < 100; i++) {
              UUID id =
                  HostGroups.create(
                      h, org, BENCH, new HostGroups.GroupSpec("dynamic " + i, "", true, rule(i)));
              groups.add(id);
              dynamicGroups.add(id);
            }
          });
      jdbi.useHandle(
          h -> {
            h.execute("VACUUM ANALYZE hosts");
            h.execute("VACUUM ANALYZE host_group_members");
          });
      long members =
          jdbi.withHandle(
              h ->
                  h.createQuery("SELECT count(*) FROM host_group_members").mapTo(Long.class).one());
      System.out.printf(
          Locale.ROOT,
          "seeded %,d hosts, 200 groups (%,d memberships) in %.1f s%n",
          hosts,
          members,
          (System.nanoTime() - seedStart) / 1e9);

      Users users = new Users(jdbi, new PasswordHashing(), clock);
      UUID scoped =
          ((Users.Creation.Created)
                  users.create(
                      org,
                      new Users.NewUser(
                          "scoped@example.com", null, "benchmark password", Role.ENGINEER),
                      BENCH))
              .user()
              .id();
      // 20 groups: 10 static, 10 dynamic
      List<UUID> scope = new ArrayList<>(groups.subList(0, 10));
      scope.addAll(dynamicGroups.subList(0, 10));
      jdbi.useHandle(
          h -> {
            h.createUpdate("UPDATE users SET host_scope = 'groups' WHERE id = :id")
                .bind("id", scoped)
                .execute();
            for (UUID g : scope) {
              h.createUpdate(
                      "INSERT INTO user_group_roles (user_id, group_id, role)"
                          + " VALUES (:u, :g, 'engineer')")
                  .bind("u", scoped)
                  .bind("g", g)
                  .execute();
            }
          });
      long inScope =
          jdbi.withHandle(
              h ->
                  HostSelectors.count(
                      h,
                      org,
                      new HostScope.Groups(
                          scope.stream()
                              .collect(
                                  java.util.stream.Collectors.toMap(g -> g, g -> Role.ENGINEER))),
                      HostSelector.ALL));
      System.out.printf(Locale.ROOT, "the scoped user sees %,d hosts in 20 groups%n", inScope);
      String key = new ApiKeys(jdbi, clock).create(scoped, org, "bench", BENCH).plainKey();
      String session = new Sessions(jdbi, clock, Duration.ofHours(1)).start(scoped, "127.0.0.1");
      UUID admin =
          ((Users.Creation.Created)
                  users.create(
                      org,
                      new Users.NewUser(
                          "admin@example.com", null, "benchmark password", Role.ORG_ADMIN),
                      BENCH))
              .user()
              .id();
      String adminKey = new ApiKeys(jdbi, clock).create(admin, org, "bench", BENCH).plainKey();
      // the seed rewrote every host row: vacuum and analyse as autovacuum would have by the time
      // anyone looks, so the figures are the steady state's and not autovacuum's competition
      jdbi.useHandle(h -> h.execute("VACUUM (ANALYZE)"));
      WebSettings settings =
          new WebSettings(
              "127.0.0.1",
              0,
              Optional.empty(),
              Duration.ofHours(1),
              "localhost:9443",
              Optional.empty());
      try (WebRole web = WebRole.start(settings, database, clock)) {
        String base = "http://127.0.0.1:" + web.port();
        HttpClient http = HttpClient.newHttpClient();
        System.out.printf(
            Locale.ROOT,
            "%n%-40s %9s %9s %9s  (%d runs each, ms)%n",
            "measure",
            "p50",
            "p95",
            "max",
            repetitions);
        UUID staticGroup = scope.get(0);
        UUID dynamicGroup = scope.get(10);
        String[][] cases = {
          {"scoped host list", "/api/v1/hosts"},
          {"scoped host list sort cpu desc", "/api/v1/hosts?sort=cpu&dir=desc"},
          {"scoped host list status offline", "/api/v1/hosts?status=offline"},
          {"scoped host list tag env:prod", "/api/v1/hosts?tag=env:prod"},
          {"scoped host list search", "/api/v1/hosts?q=srv-eu-4"},
          {"scoped Hosts page (HTML)", "/hosts"},
          {"group hosts (static, API)", "/api/v1/groups/" + staticGroup + "/hosts"},
          {"group hosts (dynamic, API)", "/api/v1/groups/" + dynamicGroup + "/hosts"},
          {"group page (static, HTML)", "/groups/" + staticGroup},
          {"group page (dynamic, HTML)", "/groups/" + dynamicGroup},
          {"groups page (HTML)", "/groups"},
        };
        // a server that has run a while: every request compiled, every cache of the JVM warm
        for (int round = 0; round < 10; round++) {
          for (String[] c : cases) {
            get(http, base + c[1], c[1].startsWith("/api/") ? key : "cookie " + session);
          }
        }
        for (String[] c : cases) {
          boolean html = !c[1].startsWith("/api/");
          print(
              c[0],
              time(
                  repetitions,
                  () -> {
                    get(http, base + c[1], html ? "cookie " + session : key);
                    return null;
                  }));
        }
        print(
            "resolve a dynamic group (rule re-run)",
            time(
                repetitions,
                () -> {
                  jdbi.useTransaction(h -> HostGroups.refresh(h, dynamicGroups.get(50)));
                  return null;
                }));
        print(
            "resolve a group selector (ids)",
            time(
                repetitions,
                () ->
                    jdbi.withHandle(
                        h ->
                            HostSelectors.resolve(
                                h,
                                org,
                                HostScope.ORGANISATION,
                                new HostSelector.Group(dynamicGroups.get(50))))));
        List<UUID> tenThousand =
            jdbi.withHandle(
                h ->
                    h.createQuery(
                            "SELECT id FROM hosts WHERE org_id = :org AND deleted_at IS NULL"
                                + " ORDER BY id LIMIT 10000")
                        .bind("org", org)
                        .mapTo(UUID.class)
                        .list());
        String ids =
            tenThousand.stream()
                .map(id -> "\"" + id + "\"")
                .collect(java.util.stream.Collectors.joining(",", "[", "]"));
        int[] round = {0};
        print(
            "bulk tag of 10,000 hosts (API to done)",
            time(
                5,
                () -> {
                  String body =
                      "{\"action\": \"tag\", \"tags\": [\"bench:r"
                          + round[0]++
                          + "\"], \"host_ids\": "
                          + ids
                          + "}";
                  String job = post(http, base + "/api/v1/hosts/bulk", adminKey, body);
                  String id = job.replaceAll("(?s)^.*?\"id\"\\s*:\\s*\"([0-9a-f-]{36})\".*", "$1");
                  while (true) {
                    String state = getBody(http, base + "/api/v1/bulk-jobs/" + id, adminKey);
                    if (state.contains("\"state\":\"done\"")) {
                      return null;
                    }
                    if (state.contains("\"state\":\"failed\"")) {
                      throw new IllegalStateException("bulk job failed: " + state);
                    }
                    sleep(20);
                  }
                }));
        // BENCH_HOLD_SECONDS keeps the seeded database up afterwards, to look at plans with psql
        long hold = Long.parseLong(System.getenv().getOrDefault("BENCH_HOLD_SECONDS", "0"));
        if (hold > 0) {
          System.out.printf(Locale.ROOT, "holding the database in %s for %d s%n", dataDir, hold);
          sleep(hold * 1000);
        }
      }
    } finally {
      try (var paths = Files.walk(dataDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Dynamic rules of every kind: tag, OS with status, hostname pattern, CIDR. */
  private static GroupRule rule(int i) {
    return switch (i % 4) {
      case 0 ->
          new GroupRule(
              List.of(Tag.parse("team:t" + (i % 50))),
              Optional.empty(),
              Optional.empty(),
              Optional.empty(),
              Optional.empty());
      case 1 ->
          new GroupRule(
              List.of(),
              Optional.of(List.of("Ubuntu", "Debian", "RHEL", "Rocky").get(i % 4)),
              Optional.empty(),
              Optional.empty(),
              Optional.of(i % 8 == 1 ? "offline" : "online"));
      case 2 ->
          new GroupRule(
              List.of(Tag.parse("env:prod")),
              Optional.empty(),
              Optional.of(
                  "srv-" + List.of("eu", "us", "ap", "sa").get(i % 4) + "-" + (i % 9 + 1) + "*"),
              Optional.empty(),
              Optional.empty());
      default ->
          new GroupRule(
              List.of(),
              Optional.empty(),
              Optional.empty(),
              Optional.of("10.0." + i + ".0/24"),
              Optional.empty());
    };
  }

  private static void get(HttpClient http, String url, String credential) {
    getBody(http, url, credential);
  }

  /** GETs with an API key, or a session cookie given as "cookie SECRET". */
  private static String getBody(HttpClient http, String url, String credential) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (credential.startsWith("cookie ")) {
      request.header("Cookie", "ctops_session=" + credential.substring("cookie ".length()));
    } else {
      request.header("Authorization", "Bearer " + credential);
    }
    return send(http, request.build(), url, 200);
  }

  private static String post(HttpClient http, String url, String key, String json) {
    return send(
        http,
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        url,
        202);
  }

  private static String send(HttpClient http, HttpRequest request, String url, int expected) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != expected) {
        throw new IllegalStateException(
            url + " answered " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static List<Double> time(int repetitions, Supplier<Object> work) {
    List<Double> times = new ArrayList<>();
    for (int i = 0; i < repetitions + 3; i++) {
      long start = System.nanoTime();
      work.get();
      if (i >= 3) {
        times.add((System.nanoTime() - start) / 1e6);
      }
    }
    Collections.sort(times);
    return times;
  }

  private static void print(String name, List<Double> times) {
    System.out.printf(
        Locale.ROOT,
        "%-40s %9.1f %9.1f %9.1f%n",
        name,
        times.get(times.size() / 2),
        times.get((int) Math.ceil(times.size() * 0.95) - 1),
        times.get(times.size() - 1));
  }
}
