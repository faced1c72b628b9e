package io.ctops.server.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.server.alerts.AlertEvaluator;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.HostScope;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.platform.pki.DevelopmentCertificate;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.RunningAgent;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks defined on the server run on the real agent and come back: a port check passes while the
 * port is open and fails within two intervals of it closing, and an alert rule on it fires; a
 * cert_file check's certificate becomes one of the host's certificates.
 */
@ExtendWith(FreshDatabase.class)
class ChecksEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Actor ADMIN = Actor.system("test");

  @TempDir Path dir;
  private IngestFixture ingest;
  private RunningAgent agent;
  private UUID org;

  @BeforeEach
  void start(DatabaseUrl database) {
    ingest = IngestFixture.start(database);
    agent = RunningAgent.start(ingest, ingest.token(true), dir.resolve("data"));
    await().atMost(Duration.ofSeconds(30)).until(() -> "online".equals(ingest.hostStatus()));
    org = UUID.fromString(ingest.string("SELECT CAST(org_id AS text) FROM hosts"));
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
    ingest.close();
  }

  private UUID define(String name, String type, String config, int interval) throws Exception {
    CheckSpec spec =
        new CheckSpec(
            name, type, (ObjectNode) JSON.readTree(config), interval, HostSelector.ALL, true);
    return ingest
        .jdbi()
        .inTransaction(h -> Checks.create(h, org, HostScope.ORGANISATION, ADMIN, spec));
  }

  private String state(UUID check) {
    return ingest.count("SELECT count(*) FROM check_states WHERE check_id = '" + check + "'") == 0
        ? "none"
        : ingest.string("SELECT status FROM check_states WHERE check_id = '" + check + "'");
  }

  @Test
  void aPortCheckPassesThenFailsWithinTwoIntervalsOfThePortClosingAndItsAlertFires()
      throws Exception {
    ServerSocket port = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    UUID check = define("web answers", "port", "{\"port\": " + port.getLocalPort() + "}", 10);
    ingest
        .jdbi()
        .useHandle(
            h ->
                h.execute(
                    "INSERT INTO alert_rules (org_id, name, kind, parameters, severity, selector)"
                        + " VALUES (?, 'web down', 'check_failing', CAST(? AS jsonb), 'critical',"
                        + " '{\"kind\": \"all\"}')",
                    org,
                    "{\"check_id\": \"" + check + "\", \"failures\": 1}"));

    await().atMost(Duration.ofSeconds(30)).until(() -> state(check).equals("pass"));
    assertThat(ingest.string("SELECT output FROM check_states")).startsWith("connected to");

    port.close();
    Instant closed = Instant.now();
    await().atMost(Duration.ofSeconds(25)).until(() -> state(check).equals("fail"));
    assertThat(Duration.between(closed, Instant.now())).isLessThan(Duration.ofSeconds(20));
    assertThat(
            ingest.string(
                "SELECT string_agg(coalesce(from_status, '-') || '>' || to_status, ','"
                    + " ORDER BY changed_at) FROM check_state_changes"))
        .isEqualTo("->pass,pass>fail");

    new AlertEvaluator(ingest.jdbi(), Clock.systemUTC()).evaluate();
    assertThat(ingest.string("SELECT state FROM alert_instances")).isEqualTo("firing");
  }

  @Test
  void aCertFileChecksCertificateIsOneOfTheHostsCertificates() throws Exception {
    Path pem = dir.resolve("shop.pem");
    DevelopmentCertificate.create(Set.of("shop.example.test"), Duration.ofDays(10))
        .writeTo(pem, dir.resolve("shop.key"));
    UUID check = define("shop certificate", "cert_file", "{\"file_path\": \"" + pem + "\"}", 10);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> ingest.count("SELECT count(*) FROM host_certificates") > 0);

    assertThat(state(check)).isEqualTo("pass");
    assertThat(ingest.string("SELECT source || ' ' || location FROM host_certificates"))
        .isEqualTo("check " + pem);
    assertThat(ingest.string("SELECT array_to_string(sans, ',') FROM host_certificates"))
        .contains("shop.example.test");
    Instant notAfter =
        Instant.parse(
            ingest.string(
                "SELECT to_char(not_after AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                    + " FROM host_certificates"));
    assertThat(notAfter)
        .isBetween(
            Instant.now().plus(Duration.ofDays(10)).minus(1, ChronoUnit.HOURS),
            Instant.now().plus(Duration.ofDays(10)));
  }

  @Test
  void anAccountCheckReportsThisMachinesAccountsWithRootPrivileged() throws Exception {
    UUID check = define("accounts", "service_account", "{}", 3600);

    await().atMost(Duration.ofSeconds(30)).until(() -> !state(check).equals("none"));

    assertThat(state(check)).isEqualTo("pass");
    // the report is stored as the host's accounts (the state keeps only its first 4 KiB)
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> ingest.count("SELECT count(*) FROM host_accounts WHERE username = 'root'") == 1);
    assertThat(
            ingest.string(
                "SELECT uid || ' ' || account_type || ' ' || privileged FROM host_accounts"
                    + " WHERE username = 'root'"))
        .isEqualTo("0 system true");
  }
}
