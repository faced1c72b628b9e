package io.ctops.server.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ctops.server.audit.Actor;
import io.ctops.server.enrolment.RegistrationService;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.queries.HostQueries;
import io.ctops.server.queries.PortEntry;
import io.ctops.server.queries.QueryState;
import io.ctops.server.queries.QueryType;
import io.ctops.server.queries.ServiceEntry;
import io.ctops.server.roles.TaskTypesOfThisRelease;
import io.ctops.server.services.ServiceTask;
import io.ctops.server.tasks.TaskQueue;
import io.ctops.server.tasks.TaskTypes;
import io.ctops.server.terminal.TerminalSessions;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.OriginalAgent;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The original CT-Ops Go agent, unchanged, against our ingest and web app over their real entry
 * points: what teams switching to us have on their hosts. Each capability is its own test.
 */
@ExtendWith(FreshDatabase.class)
class OriginalAgentTest {
  private static final int HEARTBEAT_SECONDS = 2;
  private static final List<String> TAGS = List.of("env:test", "role:web");

  /** The service actions of this release, as the web app queues them. */
  private static final ServiceTask SERVICE = new ServiceTask(Clock.systemUTC());

  @TempDir Path dir;
  private IngestFixture ingest;
  private WebFixture web;
  private WebClient admin;
  private OriginalAgent agent;

  @BeforeAll
  static void theBinaryRunsHere() {
    OriginalAgent.binary();
    OriginalAgent.whyItCannotRun()
        .ifPresent(
            reason ->
                Assumptions.abort(
                    "skipped: the original CT-Ops agent cannot run on this machine: " + reason));
  }

  @BeforeEach
  void start(DatabaseUrl database) {
    ingest = IngestFixture.withTaskTypes(database, TaskTypesOfThisRelease.all());
    web = WebFixture.on(ingest.database);
    admin = web.signedInAdmin();
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
    web.close();
    ingest.close();
  }

  @Test
  void anAutoApproveTokenRegistersItActive() {
    agent = startAgent(ingest.token(true), "data");

    await("registered").atMost(Duration.ofSeconds(30)).until(() -> agentStatus() != null);

    assertThat(agentStatus()).isEqualTo("active");
    assertThat(agent.log()).contains("agent registered and active");
  }

  @Test
  void aManualTokenKeepsItPendingUntilApprovedThroughTheApiThenItHeartbeats() {
    agent = startAgent(ingest.token(false), "data");
    await("pending").atMost(Duration.ofSeconds(30)).until(() -> "pending".equals(agentStatus()));
    assertThat(ingest.hostStatus()).isNotEqualTo("online");

    String agentId = ingest.string("SELECT id::text FROM agents");
    HttpResponse<String> approved = postJson("/api/v1/agents/" + agentId + "/approve", "{}");

    assertThat(approved.statusCode()).isEqualTo(200);
    await("heartbeating after its next registration poll")
        .atMost(Duration.ofSeconds(60))
        .until(() -> "online".equals(ingest.hostStatus()));
    assertThat(agentStatus()).isEqualTo("active");
  }

  @Test
  void itsHostComesOnlineWithVitalsAndSamplesAndNoNetworkRatesRatherThanZero() {
    agent = startAgent(ingest.token(true), "data");

    awaitOnline();
    await("two metric samples")
        .atMost(Duration.ofSeconds(30))
        .until(() -> ingest.count("SELECT count(*) FROM host_metrics") >= 2);

    assertThat(ingest.count("SELECT count(*) FROM host_vitals WHERE cpu_percent IS NOT NULL"))
        .as("vitals stored")
        .isEqualTo(1);
    assertThat(
            ingest.count(
                "SELECT count(*) FROM host_metrics WHERE net_rx_bytes_per_sec IS NOT NULL"
                    + " OR net_tx_bytes_per_sec IS NOT NULL"))
        .as("it does not measure network traffic: no data, not zero")
        .isZero();
    assertThat(ingest.string("SELECT os FROM hosts")).isNotBlank();
  }

  @Test
  void itsTagsAreStored() {
    agent = startAgent(ingest.token(true), "data");

    awaitOnline();

    assertThat(ingest.string("SELECT metadata -> 'tags' ->> 'env' FROM hosts")).isEqualTo("test");
    assertThat(ingest.string("SELECT metadata -> 'tags' ->> 'role' FROM hosts")).isEqualTo("web");
  }

  @Test
  void itIsIssuedAClientCertificateAndPresentsIt() {
    agent = startAgent(ingest.token(true), "data");

    awaitOnline();

    assertThat(ingest.count("SELECT count(*) FROM agents WHERE client_cert_pem IS NOT NULL"))
        .isEqualTo(1);
    assertThat(streamsOpened("presented"))
        .as("heartbeat streams opened with the client certificate (mutual TLS)")
        .isGreaterThanOrEqualTo(1);
    assertThat(streamsOpened("absent")).isZero();
  }

  @Test
  void aRequestedSoftwareScanStoresTheHostsPackages() throws IOException {
    agent = startAgent(ingest.token(true), "data");
    awaitOnline();
    String host = ingest.string("SELECT id::text FROM hosts");

    HttpResponse<String> requested =
        postJson("/api/v1/hosts/" + host + "/tasks", "{\"type\": \"software_inventory\"}");
    String task =
        requested.statusCode() == 202
            ? field(requested.body(), "id")
            // The periodic scan got there first; that one is as good.
            : ingest.string("SELECT id::text FROM tasks WHERE type = 'software_inventory'");

    await("scan succeeded")
        .atMost(Duration.ofSeconds(60))
        .until(() -> admin.get("/api/v1/tasks/" + task).body().contains("\"state\":\"succeeded\""));
    long stored = ingest.count("SELECT count(*) FROM software_packages WHERE removed_at IS NULL");
    assertThat(stored).isPositive();
    long installed = installedDpkgPackages();
    if (installed > 0) {
      assertThat(stored).as("dpkg packages installed on this machine").isEqualTo(installed);
    }
    // the scan of this task (a periodic one may have been queued beside it)
    assertThat(ingest.string("SELECT status FROM software_scans WHERE id = '" + task + "'"))
        .isEqualTo("completed");
  }

  @Test
  void aTaskItDoesNotRunFailsAtOnceWithItsMessage() throws Exception {
    agent = startAgent(ingest.token(true), "data");
    awaitOnline();
    UUID org = UUID.fromString(ingest.string("SELECT org_id::text FROM hosts"));
    UUID host = UUID.fromString(ingest.string("SELECT id::text FROM hosts"));
    JsonNode parameters =
        SERVICE.parameters(
            JsonNodeFactory.instance
                .objectNode()
                .put("service_name", "cron")
                .put("action", "status"));

    UUID task =
        new TaskQueue(ingest.jdbi(), new TaskTypes(List.of(SERVICE)), Clock.systemUTC())
            .request(org, host, SERVICE, parameters, Actor.system("test"));

    await("failed long before its 10-minute timeout")
        .atMost(Duration.ofSeconds(20))
        .until(() -> admin.get("/api/v1/tasks/" + task).body().contains("\"state\":\"failed\""));
    String shown = admin.get("/api/v1/tasks/" + task).body();
    assertThat(shown).contains("agent-mediated host access is disabled");
    assertThat(ingest.count("SELECT count(*) FROM tasks WHERE type = 'service'"))
        .as("not retried: still the one task, ended")
        .isEqualTo(1);
    assertThat(ingest.string("SELECT state FROM tasks WHERE type = 'service'")).isEqualTo("failed");
  }

  @Test
  void itsAnswersToTheServicesAndPortsQuestionsAreStored() {
    agent = startAgent(ingest.token(true), "data");
    awaitOnline();
    UUID host = UUID.fromString(ingest.string("SELECT id::text FROM hosts"));
    HostQueries queries = new HostQueries(ingest.jdbi(), Clock.systemUTC());

    queries.ask(host, QueryType.SERVICES, ServiceEntry.class);
    queries.ask(host, QueryType.PORTS, PortEntry.class);

    await("answered within a heartbeat or two")
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                queries.state(host, QueryType.SERVICES, ServiceEntry.class).hasAnswer()
                    && queries.state(host, QueryType.PORTS, PortEntry.class).hasAnswer());
    QueryState<ServiceEntry> services = queries.state(host, QueryType.SERVICES, ServiceEntry.class);
    QueryState<PortEntry> ports = queries.state(host, QueryType.PORTS, PortEntry.class);
    // this machine runs no systemd; the original says so in its own words
    assertThat(services.failed()).isTrue();
    assertThat(services.error()).isEqualTo("systemd is not available on this host");
    assertThat(ports.failed()).isFalse();
    assertThat(ports.items())
        .as("the ingest's embedded PostgreSQL listens on this machine")
        .anyMatch(port -> port.protocol().startsWith("tcp") && port.process().equals("postgres"));
    String tab = admin.get("/hosts/" + host + "/services").body();
    assertThat(tab).contains("This host does not run systemd");
  }

  @Test
  void itRunsChecksDefinedHereAndItsCertificateResultsBecomeTheHostsCertificates()
      throws Exception {
    java.net.ServerSocket open =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    Path pem = dir.resolve("shop.pem");
    io.ctops.server.platform.pki.DevelopmentCertificate.create(
            java.util.Set.of("shop.example.test"), Duration.ofDays(10))
        .writeTo(pem, dir.resolve("shop.key"));
    try (open) {
      agent = startAgent(ingest.token(true), "data");
      awaitOnline();
      for (String check :
          List.of(
              "{\"name\": \"port\", \"type\": \"port\", \"config\": {\"host\": \"127.0.0.1\","
                  + " \"port\": "
                  + open.getLocalPort()
                  + "}, \"interval_seconds\": 10}",
              "{\"name\": \"cert\", \"type\": \"cert_file\", \"config\": {\"file_path\": \""
                  + pem
                  + "\", \"format\": \"pem\"}, \"interval_seconds\": 10}",
              "{\"name\": \"file\", \"type\": \"file\", \"config\": {\"path\": \""
                  + pem
                  + "\"}, \"interval_seconds\": 10}")) {
        assertThat(postJson("/api/v1/checks", check).statusCode()).isEqualTo(201);
      }

      await("a result of each check")
          .atMost(Duration.ofSeconds(40))
          .until(() -> ingest.count("SELECT count(*) FROM check_states") == 3);
      assertThat(
              ingest.string(
                  "SELECT string_agg(c.name || ' ' || s.status, ', ' ORDER BY c.name)"
                      + " FROM check_states s JOIN checks c ON c.id = s.check_id"))
          .as("our file type is not one it knows")
          .isEqualTo("cert pass, file error, port pass");
      assertThat(
              io.ctops.server.checks.CheckPages.shownStatus(
                  "error",
                  ingest.string(
                      "SELECT s.output FROM check_states s JOIN checks c ON c.id = s.check_id"
                          + " WHERE c.name = 'file'")))
          .isEqualTo("not supported by this agent version");
      assertThat(ingest.string("SELECT source || ' ' || location FROM host_certificates"))
          .isEqualTo("check " + pem);
      assertThat(ingest.string("SELECT array_to_string(sans, ',') FROM host_certificates"))
          .contains("shop.example.test");
    }
  }

  @Test
  void itAnswersAccountAndKeyChecksWithTheKeysOurAgentWritesToo() throws Exception {
    Path keys = dir.resolve("authorized_keys");
    // an ed25519 key and the fingerprint `ssh-keygen -l -E sha256` gives it
    Files.writeString(
        keys,
        "from=\"10.0.0.1\" ssh-ed25519"
            + " AAAAC3NzaC1lZDI1NTE5AAAAIOyDGyHRtlddBTR20uk/3BLP8MoZ+aRG6SfkyA9GrRCt ed25519@test\n");
    agent = startAgent(ingest.token(true), "data");
    awaitOnline();
    for (String check :
        List.of(
            "{\"name\": \"accounts\", \"type\": \"service_account\", \"config\": {},"
                + " \"interval_seconds\": 10}",
            "{\"name\": \"keys\", \"type\": \"ssh_key_scan\", \"config\": {\"scan_paths\": [\""
                + keys
                + "\"]}, \"interval_seconds\": 10}")) {
      assertThat(postJson("/api/v1/checks", check).statusCode()).isEqualTo(201);
    }

    await("a result of each check")
        .atMost(Duration.ofSeconds(40))
        .until(() -> ingest.count("SELECT count(*) FROM check_states") == 2);
    assertThat(
            ingest.string(
                "SELECT string_agg(c.name || ' ' || s.status, ', ' ORDER BY c.name)"
                    + " FROM check_states s JOIN checks c ON c.id = s.check_id"))
        .isEqualTo("accounts pass, keys pass");
    String accounts =
        ingest.string(
            "SELECT s.output FROM check_states s JOIN checks c ON c.id = s.check_id"
                + " WHERE c.name = 'accounts'");
    assertThat(accounts)
        .as("its first account, whole within the 4 KiB a result keeps")
        .startsWith(
            "{\"accounts\":[{\"username\":\"root\",\"uid\":0,\"gid\":0,\"home_directory\":\"/root\",");
    assertThat(accounts).contains("\"account_type\":\"system\"", "\"has_login_capability\":");
    JsonNode key =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(
                ingest.string(
                    "SELECT s.output FROM check_states s JOIN checks c ON c.id = s.check_id"
                        + " WHERE c.name = 'keys'"))
            .get("keys")
            .get(0);
    assertThat(key.get("fingerprint_sha256").asText())
        .isEqualTo("SHA256:8Xwvu5kclKi5Wi2EdkOII/U6FrkSJfyjTEC7kBxSSnE");
    assertThat(key.get("key_source").asText()).isEqualTo("authorized_keys");
    assertThat(key.get("file_path").asText()).isEqualTo(keys.toString());

    // stored as the host's accounts and keys, as our agent's reports are
    await("its accounts stored")
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> ingest.count("SELECT count(*) FROM host_accounts WHERE username = 'root'") == 1);
    assertThat(
            ingest.string(
                "SELECT home || ' ' || privileged || ' ' || account_type FROM host_accounts"
                    + " WHERE username = 'root'"))
        .as("root privileged by its uid 0")
        .isEqualTo("/root true system");
    assertThat(ingest.string("SELECT fingerprint || ' ' || file_path FROM host_ssh_keys"))
        .isEqualTo("SHA256:8Xwvu5kclKi5Wi2EdkOII/U6FrkSJfyjTEC7kBxSSnE " + keys);
  }

  @Test
  void aTerminalSessionItIgnoresEndsSayingItsAgentDoesNotSupportTerminals() {
    agent = startAgent(ingest.token(true), "data");
    awaitOnline();
    UUID org = UUID.fromString(ingest.string("SELECT org_id::text FROM hosts"));
    UUID host = UUID.fromString(ingest.string("SELECT id::text FROM hosts"));

    new TerminalSessions(ingest.jdbi(), Clock.systemUTC())
        .create(org, host, "original", Actor.system("test"), 80, 24);

    await("ended within the patience given to agents (5 s in tests)")
        .atMost(Duration.ofSeconds(15))
        .until(() -> "ended".equals(ingest.string("SELECT state FROM terminal_sessions")));
    assertThat(ingest.string("SELECT end_reason FROM terminal_sessions"))
        .startsWith("this host's agent does not support terminals");
    assertThat(ingest.string("SELECT claimed_at IS NOT NULL FROM terminal_sessions"))
        .as("announced to it by the instance holding its stream")
        .isEqualTo("t");
  }

  @Test
  void revocationEndsItsStream() {
    agent = startAgent(ingest.token(true), "data");
    awaitOnline();
    String agentId = ingest.string("SELECT id::text FROM agents");

    HttpResponse<String> revoked = postJson("/api/v1/agents/" + agentId + "/revoke", "{}");

    assertThat(revoked.statusCode()).isEqualTo(200);
    await("stream ended")
        .atMost(Duration.ofSeconds(20))
        .until(() -> connectedAgents() == 0 && !"online".equals(ingest.hostStatus()));
    assertThat(agentStatus()).isEqualTo("revoked");
    await("the agent was told")
        .atMost(Duration.ofSeconds(20))
        .until(() -> agent.log().contains("revoked"));
  }

  @Test
  void aDeletedDataDirectoryComesBackAsTheAdoptedHost() throws IOException {
    String token = ingest.token(true);
    agent = startAgent(token, "data");
    awaitOnline();
    String host = ingest.string("SELECT id::text FROM hosts");
    String firstKey = ingest.string("SELECT public_key FROM agents");
    agent.close();
    await("offline")
        .atMost(Duration.ofSeconds(30))
        .until(() -> !"online".equals(ingest.hostStatus()));

    deleteRecursively(dir.resolve("data"));
    agent = startAgent(token, "data");

    await("adopted")
        .atMost(Duration.ofSeconds(30))
        .until(() -> !ingest.string("SELECT public_key FROM agents").equals(firstKey));
    awaitOnline();
    assertThat(ingest.count("SELECT count(*) FROM hosts")).isEqualTo(1);
    assertThat(ingest.string("SELECT id::text FROM hosts")).isEqualTo(host);
    assertThat(ingest.count("SELECT count(*) FROM agents")).isEqualTo(1);
    assertThat(
            ingest.count(
                "SELECT count(*) FROM agent_status_history WHERE reason = '"
                    + RegistrationService.ADOPTED_REASON
                    + "'"))
        .as("the adoption is recorded")
        .isEqualTo(1);
  }

  private OriginalAgent startAgent(String token, String dataDir) {
    return OriginalAgent.start(ingest, token, dir.resolve(dataDir), HEARTBEAT_SECONDS, TAGS);
  }

  private void awaitOnline() {
    await("host online")
        .atMost(Duration.ofSeconds(30))
        .until(() -> "online".equals(ingest.hostStatus()));
  }

  private String agentStatus() {
    return ingest.count("SELECT count(*) FROM agents") == 0
        ? null
        : ingest.string("SELECT status FROM agents");
  }

  private HttpResponse<String> postJson(String path, String json) {
    return admin.send(
        admin
            .request(path)
            .header("Content-Type", "application/json")
            .header("X-CSRF-Token", admin.csrf())
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  private static String field(String json, String name) {
    Matcher matcher = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
    assertThat(matcher.find()).as(name + " in " + json).isTrue();
    return matcher.group(1);
  }

  /** A counter from ingest's own /metrics page. */
  private double streamsOpened(String certificate) {
    return metric(
        "ctops_heartbeat_streams_opened_total\\{client_certificate=\""
            + certificate
            + "\"[^}]*\\}");
  }

  private double connectedAgents() {
    return metric("ctops_connected_agents");
  }

  private double metric(String name) {
    try {
      String page =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + ingest.ingest.httpPort() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      Matcher matcher = Pattern.compile("(?m)^" + name + " ([0-9.eE+-]+)$").matcher(page);
      return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** How many packages dpkg lists as installed here, 0 without dpkg. */
  private static long installedDpkgPackages() throws IOException {
    Path status = Path.of("/var/lib/dpkg/status");
    if (!Files.isReadable(status)) {
      return 0;
    }
    try (Stream<String> lines = Files.lines(status)) {
      return lines.filter(line -> line.equals("Status: install ok installed")).count();
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
