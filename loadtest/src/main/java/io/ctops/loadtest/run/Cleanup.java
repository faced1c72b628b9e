package io.ctops.loadtest.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.audit.Actor;
import io.ctops.server.enrolment.AgentApprovals;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.platform.database.Database;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Removes a run's hosts ({@code <prefix>-<run-id>-<n>}) through the product's own delete path: each
 * host is deleted permanently, which revokes its agent (recorded in its history) and removes the
 * host and its metrics. Either through the JSON API with an admin's API key, or directly on the
 * database with the same code the API runs.
 */
public final class Cleanup {
  private static final int PARALLEL = 4;

  private Cleanup() {}

  /** The hosts' names all begin with this. */
  static String prefix(String hostnamePrefix, String runId) {
    return hostnamePrefix + "-" + runId + "-";
  }

  /** On the database; returns how many hosts were removed. */
  public static int onDatabase(Database database, Clock clock, String hostnamePrefix, String runId)
      throws InterruptedException {
    String prefix = prefix(hostnamePrefix, runId);
    HostRecords records =
        new HostRecords(database.jdbi(), new AgentApprovals(database.jdbi(), clock), clock);
    record Found(UUID org, UUID host) {}
    List<Found> hosts =
        database
            .jdbi()
            .withHandle(
                handle ->
                    handle
                        .createQuery(
                            "SELECT org_id, id FROM hosts WHERE starts_with(hostname, :prefix)")
                        .bind("prefix", prefix)
                        .map(
                            (rs, ctx) ->
                                new Found(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)))
                        .list());
    AtomicInteger removed = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (Found found : hosts) {
        work.add(
            pool.submit(
                () -> {
                  if (records.deletePermanently(
                      found.org(), found.host(), Actor.system("ctops loadtest cleanup"))) {
                    removed.incrementAndGet();
                  }
                }));
      }
      for (Future<?> f : work) {
        f.get();
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("cleanup failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return removed.get();
  }

  /** Through the JSON API at {@code baseUrl} with an admin's API key; returns hosts removed. */
  public static int onApi(URI baseUrl, String apiKey, String hostnamePrefix, String runId)
      throws IOException, InterruptedException {
    String prefix = prefix(hostnamePrefix, runId);
    Api api = new Api(baseUrl, apiKey);
    int removed = 0;
    // live hosts first (delete, then delete permanently), then any already soft-deleted ones
    for (String status : List.of("", "deleted")) {
      while (true) {
        List<UUID> batch = new ArrayList<>();
        JsonNode page =
            api.get(
                "/api/v1/hosts?size=200&q="
                    + URLEncoder.encode(prefix, StandardCharsets.UTF_8)
                    + (status.isEmpty() ? "" : "&status=" + status));
        for (JsonNode row : page.get("items")) {
          if (row.get("hostname").asText().startsWith(prefix)) {
            batch.add(UUID.fromString(row.get("id").asText()));
          }
        }
        if (batch.isEmpty()) {
          break;
        }
        for (UUID host : batch) {
          if (status.isEmpty()) {
            api.delete("/api/v1/hosts/" + host);
          }
          api.delete("/api/v1/hosts/" + host + "?permanently=true");
          removed++;
        }
      }
    }
    return removed;
  }

  /** A small JSON API client that turns any refusal into one clear message. */
  private static final class Api {
    private final URI base;
    private final String key;
    private final HttpClient http =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper json = new ObjectMapper();

    Api(URI base, String key) {
      this.base = base;
      this.key = key;
    }

    private HttpRequest.Builder request(String path) {
      return HttpRequest.newBuilder(base.resolve(path))
          .timeout(Duration.ofSeconds(60))
          .header("Authorization", "Bearer " + key)
          .header("Accept", "application/json");
    }

    JsonNode get(String path) throws IOException, InterruptedException {
      return json.readTree(check(http.send(request(path).GET().build(), body()), path));
    }

    void delete(String path) throws IOException, InterruptedException {
      HttpResponse<String> response = http.send(request(path).DELETE().build(), body());
      if (response.statusCode() != 404) {
        check(response, path);
      }
    }

    private static HttpResponse.BodyHandler<String> body() {
      return HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8);
    }

    private String check(HttpResponse<String> response, String path) {
      int status = response.statusCode();
      if (status / 100 == 2) {
        return response.body();
      }
      String detail = response.body();
      try {
        JsonNode error = json.readTree(detail).get("error");
        if (error != null) {
          detail = error.asText();
        }
      } catch (IOException e) {
        // not JSON: show the start of the body
      }
      if (detail.length() > 200) {
        detail = detail.substring(0, 200);
      }
      throw new IllegalStateException(
          "the API answered "
              + status
              + " to "
              + path
              + ": "
              + detail
              + (status == 401 || status == 403 ? " (the key must be an admin's API key)" : ""));
    }
  }
}
