package io.ctops.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.buffer.SampleBuffer;
import io.ctops.agent.checks.CheckOutbox;
import io.ctops.agent.checks.Checks;
import io.ctops.agent.collect.VitalsCollector.Vitals;
import io.ctops.agent.host.HostTools;
import io.ctops.agent.tasks.TaskOutbox;
import io.ctops.protocol.v1.CheckDefinition;
import io.ctops.protocol.v1.CheckResult;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Check definitions coming down the heartbeat stream and results going up it. */
class HeartbeatCheckResultsTest {
  private static final Vitals VITALS = new Vitals(5f, 30f, 60f, 60, List.of(), List.of(), 0, 0);
  private static final HeartbeatSession.AgentFacts FACTS =
      new HeartbeatSession.AgentFacts("1.2.3", "linux", "Debian 12", "amd64");

  @TempDir Path dir;
  private final RecordingListener listener = new RecordingListener();
  private final CheckOutbox checkOutbox = new CheckOutbox();
  private final TestIngest ingest = new TestIngest();

  HeartbeatCheckResultsTest() throws IOException {}

  @AfterEach
  void stop() {
    ingest.close();
  }

  @Test
  void resultsRideOnTheNextHeartbeatAndAreKeptUntilTheServerAcknowledgesIt() throws Exception {
    HeartbeatSession session = session();
    StreamObserver<HeartbeatResponse> answer = ingest.answers();
    checkOutbox.add(result("db", 1_700_000_010L));

    session.send(VITALS, 1_700_000_030L);
    session.send(VITALS, 1_700_000_060L);

    assertThat(ingest.next().getCheckResultsList()).containsExactly(result("db", 1_700_000_010L));
    assertThat(ingest.next().getCheckResultsList()).as("not sent twice on one stream").isEmpty();
    answer.onNext(
        HeartbeatResponse.newBuilder().setOk(true).setAckedThroughUnix(1_700_000_029L).build());
    listener.awaitPushes(1);
    assertThat(checkOutbox.size()).isEqualTo(1);
    answer.onNext(
        HeartbeatResponse.newBuilder().setOk(true).setAckedThroughUnix(1_700_000_030L).build());
    assertThat(awaitEmptyOutbox()).isTrue();
  }

  @Test
  void resultsNotAcknowledgedBeforeTheStreamBrokeGoAgainOnTheNextStream() throws Exception {
    HeartbeatSession first = session();
    checkOutbox.add(result("db", 1_700_000_010L));
    first.send(VITALS, 1_700_000_030L);
    assertThat(ingest.next().getCheckResultsCount()).isEqualTo(1);
    ingest.answers().onError(Status.UNAVAILABLE.withDescription("ingest restarting").asException());
    assertThat(first.ended().get(10, TimeUnit.SECONDS).getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);

    HeartbeatSession second = session();
    second.send(VITALS, 1_700_000_060L);

    assertThat(ingest.next().getCheckResultsList()).containsExactly(result("db", 1_700_000_010L));
  }

  @Test
  void aBacklogBeyondOneHeartbeatGoesOnExtraHeartbeatsRepeatingTheLastSample() throws Exception {
    HeartbeatSession session = session();
    IntStream.range(0, 600).forEach(i -> checkOutbox.add(result("c-" + i, 1_700_000_000L)));

    session.send(VITALS, 1_700_000_030L);
    HeartbeatRequest regular = ingest.next();
    assertThat(session.sendCheckResults(VITALS, 1_700_000_030L)).isTrue();
    HeartbeatRequest extra = ingest.next();
    assertThat(session.sendCheckResults(VITALS, 1_700_000_030L)).isTrue();

    assertThat(regular.getCheckResultsCount()).isEqualTo(CheckOutbox.MAX_PER_HEARTBEAT);
    assertThat(extra.getCheckResultsCount()).isEqualTo(100);
    assertThat(extra.getTimestampUnix()).isEqualTo(1_700_000_030L);
    assertThat(extra.getCpuPercent()).isEqualTo(5f);
    assertThat(ingest.poll(300)).as("nothing left to carry").isNull();
  }

  @Test
  void answersSayingSomethingAboutChecksReachTheListenerAndOthersDoNot() throws Exception {
    HeartbeatSession session = session();
    session.send(VITALS, 1_700_000_030L);
    ingest.next();
    StreamObserver<HeartbeatResponse> answer = ingest.answers();

    answer.onNext(HeartbeatResponse.newBuilder().setOk(true).build());
    answer.onNext(
        HeartbeatResponse.newBuilder()
            .setOk(true)
            .addChecks(CheckDefinition.newBuilder().setCheckId("db").setCheckType("port"))
            .build());
    answer.onNext(HeartbeatResponse.newBuilder().setOk(true).setChecksReplace(true).build());

    assertThat(listener.awaitPushes(5))
        .containsExactly("answered", "answered", "checks [db]", "answered", "checks [] replace");
  }

  @Test
  void aHangingCheckHoldsUpNeitherHeartbeatsNorAnotherCheck() throws Exception {
    try (ServerSocket silent = new ServerSocket(0);
        ServerSocket listening = new ServerSocket(0);
        Checks checks =
            new Checks(
                dir, new HostTools(HostTools.DEFAULT_PATH), checkOutbox, Clock.systemUTC())) {
      // Accepts connections but never says a word: an HTTP request to it hangs.
      Thread.ofVirtual().start(() -> acceptForever(silent));
      checks.start();
      checks.received(
          List.of(
              definition(
                  "hang",
                  "http",
                  "{\"url\": \"http://127.0.0.1:"
                      + silent.getLocalPort()
                      + "/\", \"timeout_seconds\": 1}"),
              definition("db", "port", "{\"port\": " + listening.getLocalPort() + "}")),
          true);
      HeartbeatSession session = session();
      StreamObserver<HeartbeatResponse> answer = ingest.answers();

      Map<String, CheckResult> carried = new HashMap<>();
      long slowest = 0;
      long timestamp = 1_700_000_000L;
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (carried.size() < 2 && System.nanoTime() < deadline) {
        long sent = System.nanoTime();
        session.send(VITALS, ++timestamp);
        HeartbeatRequest heartbeat = ingest.next();
        slowest = Math.max(slowest, System.nanoTime() - sent);
        heartbeat.getCheckResultsList().forEach(r -> carried.put(r.getCheckId(), r));
        answer.onNext(
            HeartbeatResponse.newBuilder().setOk(true).setAckedThroughUnix(timestamp).build());
        Thread.sleep(100);
      }

      assertThat(carried.keySet()).containsExactlyInAnyOrder("hang", "db");
      assertThat(carried.get("db").getStatus()).isEqualTo("pass");
      assertThat(carried.get("hang").getStatus()).isEqualTo("fail");
      assertThat(carried.get("hang").getOutput()).isEqualTo("timed out after 1 s");
      assertThat(Duration.ofNanos(slowest)).isLessThan(Duration.ofMillis(500));
    }
  }

  private HeartbeatSession session() throws IOException {
    SampleBuffer buffer = SampleBuffer.open(dir.resolve("samples-" + System.nanoTime()), 100);
    return new HeartbeatSession(
        ingest.stub(), buffer, FACTS, new TaskOutbox(), checkOutbox, listener);
  }

  private boolean awaitEmptyOutbox() throws InterruptedException {
    for (int i = 0; i < 500 && checkOutbox.size() > 0; i++) {
      Thread.sleep(10);
    }
    return checkOutbox.size() == 0;
  }

  private static void acceptForever(ServerSocket server) {
    try {
      while (true) {
        @SuppressWarnings("unused")
        Socket held = server.accept();
      }
    } catch (IOException closed) {
      // the test is over
    }
  }

  private static CheckDefinition definition(String id, String type, String json) {
    return CheckDefinition.newBuilder()
        .setCheckId(id)
        .setCheckType(type)
        .setConfigJson(json)
        .setIntervalSeconds(60)
        .build();
  }

  private static CheckResult result(String id, long ranAt) {
    return CheckResult.newBuilder()
        .setCheckId(id)
        .setStatus("pass")
        .setOutput("connected to 127.0.0.1:5432 in 1 ms")
        .setRanAtUnix(ranAt)
        .build();
  }
}
