package io.ctops.loadtest;

import com.sun.net.httpserver.HttpServer;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.ApiKeys;
import io.ctops.server.auth.PasswordHashing;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.Users;
import io.ctops.server.platform.config.DatabaseSettings;
import io.ctops.server.platform.config.WebSettings;
import io.ctops.server.platform.database.Database;
import io.ctops.server.roles.WebRole;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/**
 * What an operator waits for: the real web role (its evaluator every 15 s, the dispatcher, the
 * outbox workers, the defaults of every setting) on a throw-away embedded PostgreSQL with HOSTS
 * hosts, and a real HTTP webhook receiver. First, RULES quiet rules, each watching one host's CPU:
 * at random moments each host's stored vitals cross the threshold (what the ingest's vitals flush
 * writes when a heartbeat says so), and the time until the webhook receives that rule's message is
 * taken. Then 10,000 online hosts go offline at once (what the ingest writes when their streams
 * close) under a host offline rule, and the messages the webhook receives in the next three minutes
 * are counted.
 *
 * <p>Usage: {@code AlertDeliveryBench [hosts] [rules]}.
 */
public final class AlertDeliveryBench {
  private static final Actor BENCH = Actor.system("alert delivery benchmark");
  private static final Pattern RULE_NAME = Pattern.compile("latency rule (\\d+)");

  private AlertDeliveryBench() {}

  private record Arrival(long atNanos, String body) {}

  public static void main(String[] args) throws Exception {
    int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rules = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    Path dataDir = Files.createTempDirectory("ctops-alert-delivery-bench-");
    List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    HttpServer receiver =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
    receiver.createContext(
        "/hook",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          arrivals.add(new Arrival(System.nanoTime(), new String(body, StandardCharsets.UTF_8)));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    receiver.start();
    DatabaseSettings dbSettings =
        new DatabaseSettings(dataDir, Optional.empty(), dataDir.resolve("pg").resolve("runtime"));
    Clock clock = Clock.systemUTC();
    try (Database database = Database.open(dbSettings, Database.Access.EXCLUSIVE, "bench")) {
      Jdbi jdbi = database.jdbi();
      UUID org =
          jdbi.withHandle(
              h -> h.createQuery("SELECT id FROM organisations").mapTo(UUID.class).one());
      HostListBench.seed(database, org, hosts);
      // every online host heard from just now, calm: nothing fires before the benchmark says so
      jdbi.useHandle(
          h ->
              h.execute(
                  "UPDATE host_vitals SET last_seen = now(), cpu_percent = 10"
                      + " WHERE host_status = 'online'"));
      UUID admin =
          ((Users.Creation.Created)
                  new Users(jdbi, new PasswordHashing(), clock)
                      .create(
                          org,
                          new Users.NewUser(
                              "admin@example.com", null, "benchmark password", Role.ORG_ADMIN),
                          BENCH))
              .user()
              .id();
      String key = new ApiKeys(jdbi, clock).create(admin, org, "bench", BENCH).plainKey();
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
        String channel =
            id(
                post(
                    http,
                    base + "/api/v1/notification-channels",
                    key,
                    "{\"name\": \"bench hook\", \"kind\": \"webhook\", \"url\": \"http://127.0.0.1:"
                        + receiver.getAddress().getPort()
                        + "/hook\", \"secret\": \"a-benchmark-secret-of-some-length\"}"));
        List<UUID> watched =
            jdbi.withHandle(
                h ->
                    h.createQuery(
                            "SELECT host_id FROM host_vitals WHERE host_status = 'online'"
                                + " ORDER BY random() LIMIT :n")
                        .bind("n", rules)
                        .mapTo(UUID.class)
                        .list());
        for (int i = 0; i < rules; i++) {
          post(
              http,
              base + "/api/v1/alert-rules",
              key,
              "{\"name\": \"latency rule "
                  + i
                  + "\", \"kind\": \"metric_threshold\", \"severity\": \"critical\","
                  + " \"parameters\": {\"metric\": \"cpu\", \"operator\": \">=\", \"threshold\":"
                  + " 95}, \"selector\": {\"kind\": \"host\", \"host_id\": \""
                  + watched.get(i)
                  + "\"}, \"channel_ids\": [\""
                  + channel
                  + "\"]}");
        }

        // 1. each watched host crosses its threshold at a random moment of a minute
        long[] crossedAt = new long[rules];
        Random random = new Random(7);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < rules; i++) {
          order.add(i);
        }
        Collections.shuffle(order, random);
        // the moments in order, spread over a minute: any phase of the 15 s evaluation cycle
        List<Long> moments = new ArrayList<>();
        for (int i = 0; i < rules; i++) {
          moments.add((long) (random.nextDouble() * 60e9));
        }
        Collections.sort(moments);
        long start = System.nanoTime();
        for (int n = 0; n < rules; n++) {
          int i = order.get(n);
          long at = start + moments.get(n);
          while (System.nanoTime() < at) {
            Thread.sleep(5);
          }
          UUID host = watched.get(i);
          jdbi.useHandle(
              h ->
                  h.execute(
                      "UPDATE host_vitals SET cpu_percent = 99, last_seen = now()"
                          + " WHERE host_id = ?",
                      host));
          crossedAt[i] = System.nanoTime();
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (latencies(arrivals, crossedAt).size() < rules && System.nanoTime() < deadline) {
          Thread.sleep(200);
        }
        List<Double> latency = latencies(arrivals, crossedAt);
        Collections.sort(latency);
        System.out.printf(
            Locale.ROOT,
            "%nthreshold crossed to webhook received, %d quiet rules (for 0 s, evaluation every"
                + " 15 s):%n  received %d of %d; p50 %.1f s, p99 %.1f s, max %.1f s%n",
            rules,
            latency.size(),
            rules,
            percentile(latency, 0.5),
            percentile(latency, 0.99),
            latency.isEmpty() ? Double.NaN : latency.get(latency.size() - 1));

        List<Double> gaps =
            jdbi.withHandle(
                h ->
                    h.createQuery(
                            "SELECT extract(epoch FROM at - lag(at) OVER (ORDER BY at)) FROM"
                                + " (SELECT DISTINCT at FROM alert_events) e ORDER BY at")
                        .mapTo(Double.class)
                        .list());
        System.out.printf(
            Locale.ROOT,
            "  alert history written (evaluations, then notifications), seconds apart: %s%n",
            gaps.stream()
                .filter(java.util.Objects::nonNull)
                .map(g -> String.format(Locale.ROOT, "%.1f", g))
                .toList());

        // 2. 10,000 online hosts go offline at once under a host offline rule
        post(
            http,
            base + "/api/v1/alert-rules",
            key,
            "{\"name\": \"storm rule\", \"kind\": \"host_offline\", \"severity\": \"critical\","
                + " \"channel_ids\": [\""
                + channel
                + "\"]}");
        Thread.sleep(20_000); // the rule's first evaluation: the hosts offline already
        int before = storm(arrivals).size();
        long stormStart = System.nanoTime();
        int stopped =
            jdbi.withHandle(
                h ->
                    h.createUpdate(
                            "UPDATE hosts SET status = 'offline', stream_id = NULL WHERE id IN"
                                + " (SELECT host_id FROM host_vitals WHERE host_status = 'online'"
                                + " AND NOT (host_id = ANY(:watched)) LIMIT 10000)")
                        .bindArray("watched", UUID.class, watched)
                        .execute());
        Thread.sleep(180_000);
        List<Arrival> messages = storm(arrivals).subList(before, storm(arrivals).size());
        System.out.printf(
            Locale.ROOT,
            "%n%,d hosts offline at once: %d webhook message(s) in the next 180 s",
            stopped,
            messages.size());
        if (!messages.isEmpty()) {
          System.out.printf(
              Locale.ROOT,
              ", the first after %.1f s%n",
              (messages.get(0).atNanos() - stormStart) / 1e9);
          for (Arrival m : messages) {
            Matcher count = Pattern.compile("\"host_count\"\\s*:\\s*(\\d+)").matcher(m.body());
            System.out.printf(
                Locale.ROOT,
                "  +%.1f s: %s hosts%n",
                (m.atNanos() - stormStart) / 1e9,
                count.find() ? count.group(1) : "?");
          }
        } else {
          System.out.println();
        }
      }
    } finally {
      receiver.stop(0);
      try (var paths = Files.walk(dataDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Each rule's first message's arrival less the moment its host crossed, in seconds. */
  private static List<Double> latencies(List<Arrival> arrivals, long[] crossedAt) {
    Double[] first = new Double[crossedAt.length];
    for (Arrival arrival : arrivals) {
      Matcher rule = RULE_NAME.matcher(arrival.body());
      if (rule.find()) {
        int i = Integer.parseInt(rule.group(1));
        if (i < crossedAt.length && crossedAt[i] > 0 && first[i] == null) {
          first[i] = (arrival.atNanos() - crossedAt[i]) / 1e9;
        }
      }
    }
    List<Double> latencies = new ArrayList<>();
    for (Double d : first) {
      if (d != null) {
        latencies.add(d);
      }
    }
    return latencies;
  }

  private static List<Arrival> storm(List<Arrival> arrivals) {
    return arrivals.stream().filter(a -> a.body().contains("storm rule")).toList();
  }

  private static double percentile(List<Double> sorted, double p) {
    return sorted.isEmpty()
        ? Double.NaN
        : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * p) - 1));
  }

  private static String post(HttpClient http, String url, String key, String json)
      throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IllegalStateException(
          url + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  private static String id(String json) {
    Matcher id = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"").matcher(json);
    if (!id.find()) {
      throw new IllegalStateException("no id in " + json);
    }
    return id.group(1);
  }
}
