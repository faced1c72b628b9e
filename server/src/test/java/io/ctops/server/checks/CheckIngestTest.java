package io.ctops.server.checks;

import static io.ctops.server.testing.HeartbeatClient.vitals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.protocol.v1.BufferedSample;
import io.ctops.protocol.v1.CheckDefinition;
import io.ctops.protocol.v1.CheckResult;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.HostScope;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.HeartbeatClient;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.TestAgent;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Check definitions going out on heartbeat answers and results coming back, over gRPC/TLS. */
@ExtendWith(FreshDatabase.class)
class CheckIngestTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Actor ADMIN = Actor.system("test");

  private IngestFixture ingest;
  private RegisterResponse agent;
  private UUID org;
  private UUID host;

  @BeforeEach
  void start(DatabaseUrl database) {
    ingest = IngestFixture.start(database);
    agent = ingest.registerActive(new TestAgent("checked-01"));
    host = UUID.fromString(ingest.string("SELECT id::text FROM hosts"));
    org = UUID.fromString(ingest.string("SELECT org_id::text FROM hosts"));
  }

  @AfterEach
  void stop() {
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

  private HeartbeatClient stream() {
    return new HeartbeatClient(ingest.withJwt(ingest.channel(), agent.getJwtToken()));
  }

  private static CheckResult result(UUID check, String status, long ranAt, String output) {
    return CheckResult.newBuilder()
        .setCheckId(check.toString())
        .setStatus(status)
        .setOutput(output)
        .setDurationMs(12)
        .setRanAtUnix(ranAt)
        .build();
  }

  private static HeartbeatRequest beat(long timestamp, CheckResult... results) {
    return vitals(1, 2, 3).setTimestampUnix(timestamp).addAllCheckResults(List.of(results)).build();
  }

  @Test
  void theSetGoesOutOnTheFirstAnswerAndAgainOnlyWhenItChanges() throws Exception {
    UUID ssh = define("ssh answers", "port", "{\"port\": 22}", 30);
    long now = Instant.now().getEpochSecond();
    try (HeartbeatClient stream = stream()) {
      HeartbeatResponse first = stream.send(beat(now - 3)).next();
      assertThat(first.getChecksReplace()).isTrue();
      assertThat(first.getChecksList())
          .containsExactly(
              CheckDefinition.newBuilder()
                  .setCheckId(ssh.toString())
                  .setCheckType("port")
                  .setConfigJson("{\"port\": 22}")
                  .setIntervalSeconds(30)
                  .build());
      HeartbeatResponse second = stream.send(beat(now - 2)).next();
      assertThat(second.getChecksReplace()).isFalse();
      assertThat(second.getChecksList()).isEmpty();

      UUID web = define("web answers", "http", "{\"url\": \"http://localhost:8080/\"}", 60);
      HeartbeatResponse changed = awaitChecks(stream, now);
      assertThat(changed.getChecksList())
          .extracting(CheckDefinition::getCheckId)
          .containsExactlyInAnyOrder(ssh.toString(), web.toString());

      ingest
          .jdbi()
          .useTransaction(
              h -> {
                Checks.delete(h, org, HostScope.ORGANISATION, ADMIN, ssh);
                Checks.delete(h, org, HostScope.ORGANISATION, ADMIN, web);
              });
      HeartbeatResponse none = awaitChecks(stream, now);
      assertThat(none.getChecksList()).as("an empty set that replaces the old one").isEmpty();
    }
  }

  /** Heartbeats until an answer carries a set of checks; returns it. */
  private static HeartbeatResponse awaitChecks(HeartbeatClient stream, long now) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      HeartbeatResponse answer = stream.send(beat(now)).next();
      if (answer.getChecksReplace()) {
        return answer;
      }
    }
    throw new AssertionError("no answer carried the changed set within 10 s");
  }

  /**
   * Sends a heartbeat and returns the answer that acknowledges it (its results are then durable);
   * answers of their own (a task offered to the new agent) may come between.
   */
  private static HeartbeatResponse acknowledged(HeartbeatClient stream, HeartbeatRequest beat) {
    return stream.send(beat).next(a -> a.getAckedThroughUnix() >= beat.getTimestampUnix());
  }

  @Test
  void resultsTheDatabaseRefusesEndTheStreamUnacknowledgedAndAreStoredWhenSentAgain()
      throws Exception {
    UUID ssh = define("ssh answers", "port", "{\"port\": 22}", 30);
    long t = Instant.now().getEpochSecond() - 100;
    ingest
        .jdbi()
        .useHandle(
            h -> {
              h.execute(
                  "CREATE FUNCTION refuse_results() RETURNS trigger LANGUAGE plpgsql AS"
                      + " 'BEGIN RAISE EXCEPTION ''no space left on device''; END'");
              h.execute(
                  "CREATE TRIGGER refuse BEFORE INSERT ON check_results FOR EACH ROW"
                      + " EXECUTE FUNCTION refuse_results()");
            });
    try (HeartbeatClient stream = stream()) {
      stream.send(beat(t, result(ssh, "pass", t, "connected")));
      // the agent sends the unacknowledged sample again with its next heartbeat (not the result)
      stream.send(
          vitals(1, 2, 3)
              .setTimestampUnix(t + 30)
              .addSamples(BufferedSample.newBuilder().setTimestampUnix(t).setCpuPercent(1))
              .build());
      Status end = stream.awaitEnd(Duration.ofSeconds(20));
      assertThat(end.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(end.getDescription()).contains("check results could not be stored");
      assertThat(stream.answers()).allMatch(a -> a.getAckedThroughUnix() < t);
    }
    assertThat(ingest.count("SELECT count(*) FROM check_results")).isZero();

    ingest.jdbi().useHandle(h -> h.execute("DROP TRIGGER refuse ON check_results"));
    try (HeartbeatClient stream = stream()) {
      acknowledged(stream, beat(t + 31, result(ssh, "pass", t, "connected")));
    }
    assertThat(ingest.string("SELECT status || ' ' || output FROM check_states"))
        .isEqualTo("pass connected");
  }

  @Test
  void resultsThatFindTheQueueFullWaitForRoomWhileTheirStreamReadsNothingMore() throws Exception {
    UUID ssh = define("ssh answers", "port", "{\"port\": 22}", 30);
    long t = Instant.now().getEpochSecond() - 100;
    // an instance whose queue holds one result, and a writer held up by a lock on the states
    try (IngestFixture small =
            IngestFixture.sharing(ingest, IngestFixture.FAST.withCheckResultQueue(1));
        Handle lock = ingest.jdbi().open()) {
      lock.begin();
      lock.execute("LOCK TABLE check_states IN EXCLUSIVE MODE");
      try (HeartbeatClient stream =
          new HeartbeatClient(small.withJwt(small.channel(), agent.getJwtToken()))) {
        stream.send(beat(t, result(ssh, "pass", t, "connected")));
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    ingest.count(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                        == 1);
        // the queue is full: this result waits, and nothing after it is read
        stream.send(beat(t + 30, result(ssh, "fail", t + 30, "connection refused")));
        stream.send(vitals(77, 2, 3).setTimestampUnix(t + 60).build());
        Thread.sleep(1_500);
        assertThat(ingest.string("SELECT cpu_percent::int::text FROM host_vitals"))
            .isNotEqualTo("77");

        lock.rollback();

        // the stream went on: every heartbeat is acknowledged on it, none was refused
        assertThat(stream.next(a -> a.getAckedThroughUnix() >= t + 60).getAckedThroughUnix())
            .isEqualTo(t + 60);
      }
    }
    assertThat(ingest.count("SELECT count(*) FROM check_results")).isEqualTo(2);
    assertThat(ingest.string("SELECT status || consecutive_failures FROM check_states"))
        .isEqualTo("fail1");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> ingest.string("SELECT cpu_percent::int::text FROM host_vitals").equals("77"));
  }

  @Test
  void resultsMoveTheStateKeepTheHistoryAndRecordEachChange() throws Exception {
    UUID ssh = define("ssh answers", "port", "{\"port\": 22}", 30);
    long t = Instant.now().getEpochSecond() - 100;
    try (HeartbeatClient stream = stream()) {
      acknowledged(stream, beat(t, result(ssh, "pass", t, "connected to 127.0.0.1:22 in 1 ms")));
      acknowledged(stream, beat(t + 30, result(ssh, "fail", t + 30, "connection refused")));
      acknowledged(stream, beat(t + 60, result(ssh, "fail", t + 60, "connection refused")));

      assertThat(
              ingest.string(
                  "SELECT status || ' ' || consecutive_failures || ' ' || extract(epoch FROM since)"
                      + "::bigint || ' ' || output FROM check_states"))
          .isEqualTo("fail 2 " + (t + 30) + " connection refused");
      assertThat(ingest.count("SELECT count(*) FROM check_results")).isEqualTo(3);
      assertThat(
              ingest.string(
                  "SELECT string_agg(coalesce(from_status, '-') || '>' || to_status, ','"
                      + " ORDER BY changed_at) FROM check_state_changes"))
          .isEqualTo("->pass,pass>fail");

      // sent again after a reconnect: recognised, not counted twice
      acknowledged(stream, beat(t + 61, result(ssh, "fail", t + 60, "connection refused")));
      // an older result arriving late goes into the history only
      acknowledged(stream, beat(t + 62, result(ssh, "pass", t + 45, "connected")));
      assertThat(ingest.count("SELECT count(*) FROM check_results")).isEqualTo(4);
      assertThat(ingest.string("SELECT status || consecutive_failures FROM check_states"))
          .isEqualTo("fail2");
      acknowledged(stream, beat(t + 90, result(ssh, "pass", t + 90, "connected")));
      assertThat(ingest.string("SELECT status || consecutive_failures FROM check_states"))
          .isEqualTo("pass0");
    }
  }

  @Test
  void unknownChecksAndMalformedResultsAreIgnoredAndCountedNotRefused() throws Exception {
    UUID ssh = define("ssh answers", "port", "{\"port\": 22}", 30);
    long t = Instant.now().getEpochSecond();
    try (HeartbeatClient stream = stream()) {
      HeartbeatResponse answer =
          acknowledged(
              stream,
              beat(
                  t,
                  result(UUID.randomUUID(), "fail", t, "a check that does not exist"),
                  CheckResult.newBuilder()
                      .setCheckId("not-an-id")
                      .setStatus("pass")
                      .setRanAtUnix(t)
                      .build(),
                  result(ssh, "maybe", t, "an unknown status"),
                  result(ssh, "fail", t - 3 * 86_400, "three days late"),
                  result(ssh, "pass", t, "x".repeat(10_000))));

      assertThat(answer.getOk()).isTrue();
      assertThat(ingest.count("SELECT count(*) FROM check_results")).isEqualTo(1);
      assertThat(ingest.count("SELECT octet_length(output) FROM check_states"))
          .as("output cut at 4 KiB")
          .isLessThanOrEqualTo(4096);
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(ingest.metrics())
                      .contains("ctops_check_results_ignored_total{reason=\"unknown_check\"} 1.0")
                      .contains("ctops_check_results_ignored_total{reason=\"invalid\"} 2.0")
                      .contains("ctops_check_results_ignored_total{reason=\"too_old\"} 1.0"));
    }
  }
}
