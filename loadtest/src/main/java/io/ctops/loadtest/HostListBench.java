package io.ctops.loadtest;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.ApiKeys;
import io.ctops.server.auth.PasswordHashing;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.Sessions;
import io.ctops.server.auth.Users;
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

/**
 * Host list benchmark: seeds an organisation with N hosts (default 100,000) in an embedded
 * PostgreSQL, starts the real web role on it and times, over HTTP on loopback, the host list for
 * every sort column in both directions, every status filter, an OS filter, searches, a last page,
 * the overview (its cache bypassed) and the whole Hosts page. Prints p50/p95 per query.
 *
 * <p>Usage: {@code HostListBench [hosts] [repetitions]}.
 */
public final class HostListBench {
  private static final Actor BENCH = Actor.system("host list benchmark");

  private HostListBench() {}

  public static void main(String[] args) throws Exception {
    int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    Path dataDir = Files.createTempDirectory("ctops-hostlist-bench-");
    DatabaseSettings dbSettings =
        new DatabaseSettings(dataDir, Optional.empty(), dataDir.resolve("pg").resolve("runtime"));
    Clock clock = Clock.systemUTC();
    try (Database database = Database.open(dbSettings, Database.Access.EXCLUSIVE, "bench")) {
      UUID org =
          database
              .jdbi()
              .withHandle(
                  h -> h.createQuery("SELECT id FROM organisations").mapTo(UUID.class).one());
      long seedStart = System.nanoTime();
      seed(database, org, hosts);
      System.out.printf(
          Locale.ROOT,
          "seeded %,d hosts in %.1f s%n",
          hosts,
          (System.nanoTime() - seedStart) / 1e9);

      Users users = new Users(database.jdbi(), new PasswordHashing(), clock);
      UUID admin =
          ((Users.Creation.Created)
                  users.create(
                      org,
                      new Users.NewUser(
                          "bench@example.com", null, "benchmark password", Role.ORG_ADMIN),
                      BENCH))
              .user()
              .id();
      String key =
          new ApiKeys(database.jdbi(), clock).create(admin, org, "bench", BENCH).plainKey();
      String session =
          new Sessions(database.jdbi(), clock, Duration.ofHours(1)).start(admin, "127.0.0.1");
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
        List<String[]> cases = new ArrayList<>();
        for (String sort :
            List.of("hostname", "os", "cpu", "memory", "disk", "last_seen", "status")) {
          cases.add(new String[] {"sort " + sort + " asc", "/api/v1/hosts?sort=" + sort});
          cases.add(
              new String[] {"sort " + sort + " desc", "/api/v1/hosts?sort=" + sort + "&dir=desc"});
        }
        for (String status :
            List.of("online", "offline", "unknown", "pending", "revoked", "deleted")) {
          cases.add(new String[] {"status " + status, "/api/v1/hosts?status=" + status});
        }
        cases.add(new String[] {"os Rocky", "/api/v1/hosts?os=Rocky"});
        cases.add(
            new String[] {"os Ubuntu sort cpu desc", "/api/v1/hosts?os=Ubuntu&sort=cpu&dir=desc"});
        cases.add(new String[] {"search hostname", "/api/v1/hosts?q=eu-4217"});
        cases.add(new String[] {"search ip", "/api/v1/hosts?q=10.3.17."});
        cases.add(new String[] {"search display name", "/api/v1/hosts?q=billing"});
        cases.add(new String[] {"search no match", "/api/v1/hosts?q=zzzz-nothing"});
        cases.add(new String[] {"200 per page", "/api/v1/hosts?size=200&sort=cpu&dir=desc"});
        cases.add(
            new String[] {
              "last page (50)", "/api/v1/hosts?page=" + Math.max(1, (hosts + 49) / 50)
            });
        cases.add(new String[] {"overview (uncached)", "/api/v1/overview"});
        cases.add(new String[] {"Hosts page (HTML)", "/hosts"});

        System.out.printf(
            Locale.ROOT,
            "%n%-28s %9s %9s %9s  (%d runs each, ms)%n",
            "query",
            "p50",
            "p95",
            "max",
            repetitions);
        for (String[] c : cases) {
          String path = c[1];
          boolean overview = path.equals("/api/v1/overview");
          boolean page = path.equals("/hosts");
          List<Double> times = new ArrayList<>();
          for (int i = 0; i < repetitions + 3; i++) {
            if (overview || page) {
              // the overview is cached for 5 s; measure the query, not the cache
              web.invalidateOverview(org);
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
            if (page) {
              request.header("Cookie", "ctops_session=" + session);
            } else {
              request.header("Authorization", "Bearer " + key);
            }
            long start = System.nanoTime();
            HttpResponse<String> response =
                http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            double ms = (System.nanoTime() - start) / 1e6;
            if (response.statusCode() != 200) {
              throw new IllegalStateException(
                  path + " answered " + response.statusCode() + ": " + response.body());
            }
            if (i >= 3) {
              times.add(ms);
            }
          }
          Collections.sort(times);
          System.out.printf(
              Locale.ROOT,
              "%-28s %9.1f %9.1f %9.1f%n",
              c[0],
              times.get(times.size() / 2),
              times.get((int) Math.ceil(times.size() * 0.95) - 1),
              times.get(times.size() - 1));
        }
      }
    } finally {
      try (var paths = Files.walk(dataDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /**
   * A fleet shaped like a busy real one: skewed OS mix; 90 % online (seen within the last minute),
   * 7 % offline, 1 % each unknown, pending and revoked; CPU skewed low (about 7 % of hosts at or
   * above 80 %), memory and disk about 11 % each; 2 % without vitals; 0.2 % soft-deleted.
   */
  public static void seed(Database database, UUID org, int hosts) {
    database
        .jdbi()
        .useHandle(
            h -> {
              h.createUpdate(
                      """
                      INSERT INTO hosts (org_id, hostname, display_name, os, os_version, arch,
                                         ip_addresses, status, deleted_at)
                      SELECT :org,
                             'srv-' || (ARRAY['eu','us','ap','sa'])[1 + n % 4] || '-' || n,
                             CASE WHEN n % 7 = 0 THEN (ARRAY['billing','search','cache','api','batch'])[1 + n % 5]
                                                      || ' node ' || n END,
                             (ARRAY['Ubuntu','Ubuntu','Ubuntu','Debian','Debian','RHEL','Rocky',
                                    'Alpine','Amazon Linux','SLES'])[1 + (n * 7) % 10],
                             '22.04', 'x86_64',
                             ARRAY[('10.' || (n / 65536) % 256 || '.' || (n / 256) % 256 || '.' || n % 256)::inet],
                             CASE WHEN n % 100 < 90 THEN 'online' WHEN n % 100 < 97 THEN 'offline'
                                  WHEN n % 100 < 98 THEN 'unknown' WHEN n % 100 < 99 THEN 'pending'
                                  ELSE 'revoked' END,
                             CASE WHEN n % 500 = 3 THEN now() END
                        FROM generate_series(1, :hosts) AS n
                      """)
                  .bind("org", org)
                  .bind("hosts", hosts)
                  .execute();
              // each host's vitals row exists (created with the host); n is the hostname's number
              h.createUpdate(
                      """
                      UPDATE host_vitals v
                         SET cpu_percent = CASE WHEN n % 50 = 0 THEN NULL ELSE (power(random(), 3) * 100)::real END,
                             memory_percent = CASE WHEN n % 50 = 0 THEN NULL ELSE (power(random(), 2) * 100)::real END,
                             disk_percent = CASE WHEN n % 50 = 0 THEN NULL ELSE (power(random(), 2) * 100)::real END,
                             uptime_seconds = (random() * 9000000)::bigint,
                             last_seen = CASE WHEN n % 100 = 1 THEN NULL
                                  WHEN n % 100 < 90 THEN now() - make_interval(secs => random() * 60)
                                  ELSE now() - make_interval(secs => 600 + random() * 86400) END
                        FROM (SELECT id, CAST(substring(hostname FROM '[0-9]+$') AS int) AS n
                                FROM hosts WHERE org_id = :org) numbered
                       WHERE v.host_id = numbered.id
                      """)
                  .bind("org", org)
                  .execute();
              h.execute("VACUUM ANALYZE host_vitals");
              h.execute("VACUUM ANALYZE hosts");
            });
  }
}
