package io.ctops.loadtest.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.ApiKeys;
import io.ctops.server.auth.PasswordHashing;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.Users;
import io.ctops.server.cli.Cli;
import io.ctops.server.cli.CliContext;
import io.ctops.server.enrolment.EnrolmentTokens;
import io.ctops.server.inventory.SoftwareScans;
import io.ctops.server.platform.config.Environment;
import io.ctops.server.platform.config.ServerSettings;
import io.ctops.server.roles.SingleServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ctops loadtest} through the real command tree against a real single-profile server
 * (embedded PostgreSQL, ingest over TLS, web app) in this JVM.
 */
class LoadtestCommandTest {
  @TempDir static Path dir;
  private static SingleServer server;
  private static Map<String, String> environment;
  private static String autoApprove;
  private static String manual;
  private static String caCert;

  record Run(int exitCode, String out, String err) {}

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @BeforeAll
  static void startServer() throws IOException {
    environment =
        Map.of(
            "CT_OPS_DATA_DIR", dir.resolve("server").toString(),
            "INGEST_GRPC_PORT", Integer.toString(freePort()),
            "INGEST_HTTP_PORT", Integer.toString(freePort()),
            "WEB_HTTP_PORT", Integer.toString(freePort()));
    server =
        SingleServer.start(ServerSettings.from(new Environment(environment)), Clock.systemUTC());
    EnrolmentTokens tokens = new EnrolmentTokens(server.database().jdbi(), Clock.systemUTC());
    UUID org = defaultOrg();
    autoApprove = tokens.create(token(org, "load", true)).plainToken();
    manual = tokens.create(token(org, "manual", false)).plainToken();
    caCert = dir.resolve("server").resolve("tls").resolve("server.crt").toString();
  }

  private static EnrolmentTokens.TokenRequest token(UUID org, String name, boolean auto) {
    return new EnrolmentTokens.TokenRequest(org, name, auto, Optional.empty(), Optional.empty());
  }

  private static UUID defaultOrg() {
    return server
        .database()
        .jdbi()
        .withHandle(h -> h.createQuery("SELECT id FROM organisations").mapTo(UUID.class).one());
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private static Run ctops(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var commandLine = Cli.build(new CliContext(new Environment(environment), Clock.systemUTC()));
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  private static String[] run(String runId, String... extra) {
    String[] base = {
      "loadtest", "run",
      "--address", "localhost:" + server.ingest().grpcPort(),
      "--ca-cert", caCert,
      "--token", autoApprove,
      "--agents", "25",
      "--conn-fanout", "10",
      "--ramp", "2s",
      "--duration", "4s",
      "--heartbeat-interval", "1s",
      "--stats-interval", "1s",
      "--run-id", runId
    };
    String[] all = new String[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return all;
  }

  private static long count(String sql, Object... binds) {
    return server
        .database()
        .jdbi()
        .withHandle(
            h -> {
              var query = h.createQuery(sql);
              for (int i = 0; i < binds.length; i++) {
                query.bind(i, binds[i]);
              }
              return query.mapTo(Long.class).one();
            });
  }

  @Test
  void virtualAgentsRegisterHeartbeatAnswerScansAndAreCleanedUp() throws Exception {
    Path json = dir.resolve("summary.json");
    Path identities = dir.resolve("identities");
    Run first =
        ctops(
            run("first", "--output-json", json.toString(), "--identities", identities.toString()));
    assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
    assertThat(first.out())
        .contains("loadtest: run first: 25 agents over 3 connections")
        .contains("registrations active=")
        .contains("agents registered, 25 streams open; measuring for 4s")
        .contains("[steady state (all agents connected)]")
        .contains("[whole run]")
        .contains("loadtest summary: run first")
        .contains("errors            none");
    JsonNode summary = new ObjectMapper().readTree(json.toFile());
    assertThat(summary.get("registrations_active").asLong()).isEqualTo(25);
    assertThat(summary.get("heartbeats_failed").asLong()).isZero();
    assertThat(summary.get("heartbeats_acknowledged").asLong()).isGreaterThanOrEqualTo(50);
    assertThat(summary.get("ack_ms").get("p99").asDouble()).isPositive();
    // the steady state's acknowledgements are a part of the whole run's
    assertThat(summary.get("ack_ms_whole_run").get("max").asDouble())
        .isGreaterThanOrEqualTo(summary.get("ack_ms").get("max").asDouble());
    assertThat(count("SELECT count(*) FROM hosts WHERE hostname LIKE 'loadtest-first-%'"))
        .isEqualTo(25);
    assertThat(
            count(
                "SELECT count(*) FROM host_metrics m JOIN hosts h ON h.id = m.host_id"
                    + " WHERE h.hostname LIKE 'loadtest-first-%'"))
        .isGreaterThanOrEqualTo(50);

    // a second run reuses the identities (no new agents) and answers a software scan
    UUID host =
        server
            .database()
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "SELECT id, org_id FROM hosts WHERE hostname = 'loadtest-first-3'")
                        .map((rs, ctx) -> rs.getObject(1, UUID.class))
                        .one());
    UUID scan =
        new SoftwareScans(server.database().jdbi(), Clock.systemUTC()).queue(defaultOrg(), host);
    long agentsBefore = count("SELECT count(*) FROM agents");
    Run second =
        ctops(
            "loadtest", "run",
            "--address", "localhost:" + server.ingest().grpcPort(),
            "--ca-cert", caCert,
            "--token", autoApprove,
            "--agents", "25",
            "--ramp", "1s",
            "--duration", "5s",
            "--heartbeat-interval", "1s",
            "--inventory-packages", "7",
            "--inventory-concurrency", "2",
            "--settle-scans", "3s",
            "--stats-interval", "1s",
            "--identities", identities.toString());
    assertThat(second.exitCode()).as(second.out() + second.err()).isZero();
    assertThat(second.out())
        .contains("reusing 25 identities")
        .containsPattern("\\| scans sent=[1-9][0-9]* waiting=0\\n")
        // the steady state began only after the scan's inventory was in
        .containsPattern("streams open, [1-9][0-9]* inventories sent, no scan asked for in 3s;")
        .contains("loadtest summary: run first");
    assertThat(count("SELECT count(*) FROM agents")).isEqualTo(agentsBefore);
    assertThat(
            count(
                "SELECT count(*) FROM software_scans WHERE id = ? AND status = 'completed'", scan))
        .isEqualTo(1);
    // installed now (the first run's scan at activation listed another set, now marked removed)
    assertThat(
            count(
                "SELECT count(*) FROM software_packages WHERE host_id = ? AND removed_at IS NULL",
                host))
        .isEqualTo(7);

    // cleanup through the JSON API with an admin's key: the product's permanent delete
    Users users = new Users(server.database().jdbi(), new PasswordHashing(), Clock.systemUTC());
    UUID admin =
        users
            .createFirstAdmin(
                new Users.NewUser(
                    "admin@example.com", "Admin", "a long enough password", Role.ORG_ADMIN),
                Actor.system("test"))
            .orElseThrow()
            .id();
    String key =
        new ApiKeys(server.database().jdbi(), Clock.systemUTC())
            .create(admin, defaultOrg(), "cleanup", Actor.system("test"))
            .plainKey();
    Run refused =
        ctops(
            "loadtest",
            "cleanup",
            "--run-id",
            "first",
            "--api-url",
            "http://localhost:" + server.web().port());
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).contains("needs an admin's API key");
    Run cleanup =
        ctops(
            "loadtest",
            "cleanup",
            "--run-id",
            "first",
            "--api-url",
            "http://localhost:" + server.web().port(),
            "--api-key",
            key);
    assertThat(cleanup.exitCode()).as(cleanup.err()).isZero();
    assertThat(cleanup.out()).contains("removed 25 hosts of run first");
    assertThat(count("SELECT count(*) FROM hosts WHERE hostname LIKE 'loadtest-first-%'")).isZero();
    assertThat(
            count(
                "SELECT count(*) FROM agents a JOIN agent_status_history s ON s.agent_id = a.id"
                    + " WHERE a.version = '0.0.0-loadtest' AND s.status = 'revoked'"))
        .isGreaterThanOrEqualTo(25);
  }

  @Test
  void aTokenThatDoesNotApproveStopsTheRunBeforeItStarts() {
    Run run =
        ctops(
            "loadtest",
            "run",
            "--address",
            "localhost:" + server.ingest().grpcPort(),
            "--ca-cert",
            caCert,
            "--token",
            manual,
            "--agents",
            "5",
            "--run-id",
            "manual");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains(
            "ctops: the token is not auto-approve: preflight agent loadtest-manual-0 is pending")
        .contains("ctops loadtest cleanup --run-id manual");
    assertThat(count("SELECT count(*) FROM hosts WHERE hostname LIKE 'loadtest-manual-%'"))
        .isLessThanOrEqualTo(1);
    Run unknown =
        ctops(
            "loadtest", "run",
            "--address", "localhost:" + server.ingest().grpcPort(),
            "--ca-cert", caCert,
            "--token", "ctops_nope",
            "--run-id", "unknown");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err())
        .contains("preflight registration of loadtest-unknown-0 failed: UNAUTHENTICATED");
  }

  @Test
  void badFlagsAreRefusedWithOneLine() throws IOException {
    String address = "localhost:" + server.ingest().grpcPort();
    Path notACert = Files.writeString(dir.resolve("not-a-cert.pem"), "hello");
    Object[][] cases = {
      {
        new String[] {"--address", "nope", "--token", "t"},
        "--address must be HOST:PORT, got 'nope'"
      },
      {
        new String[] {"--address", address, "--token", "t", "--agents", "0"},
        "--agents must be between 1"
      },
      {
        new String[] {"--address", address, "--token", "t", "--metrics-jitter", "2"},
        "--metrics-jitter must be between 0 and 1"
      },
      {
        new String[] {"--address", address, "--token", "t", "--inventory-concurrency", "0"},
        "--inventory-concurrency must be between 1 and 256, got 0"
      },
      {
        new String[] {"--address", address, "--token", "t", "--settle-scans", "0s"},
        "'--settle-scans': the duration must be positive"
      },
      {
        new String[] {"--address", address, "--token", "t", "--run-id", "Bad_Id"},
        "--run-id must be 1 to 32"
      },
      {
        new String[] {"--address", address, "--token", "t", "--ca-cert", "/nonexistent"},
        "--ca-cert: cannot read /nonexistent"
      },
      {
        new String[] {
          "--address", address, "--token", "t", "--ca-cert", caCert, "--tls-skip-verify"
        },
        "exclude each other"
      },
      {
        new String[] {"--address", address, "--token", "t", "--ca-cert", notACert.toString()},
        "--ca-cert: cannot use it"
      },
      {
        new String[] {"--address", address, "--token", "t", "--ramp", "soon"}, "expected a duration"
      },
    };
    for (Object[] c : cases) {
      String[] flags = (String[]) c[0];
      String[] args = new String[flags.length + 2];
      args[0] = "loadtest";
      args[1] = "run";
      System.arraycopy(flags, 0, args, 2, flags.length);
      Run run = ctops(args);
      assertThat(run.exitCode()).as(String.join(" ", flags)).isNotZero();
      assertThat(run.err()).as(String.join(" ", flags)).contains((String) c[1]);
    }
    assertThat(ctops("--help").out()).contains("loadtest");
  }
}
