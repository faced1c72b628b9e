package io.ctops.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.buffer.SampleBuffer;
import io.ctops.agent.checks.CheckOutbox;
import io.ctops.agent.collect.VitalsCollector.Vitals;
import io.ctops.agent.tasks.TaskOutbox;
import io.ctops.protocol.v1.AgentQuery;
import io.ctops.protocol.v1.AgentQueryResult;
import io.ctops.protocol.v1.AgentTask;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc.IngestServiceStub;
import io.ctops.protocol.v1.TerminalSessionRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The heartbeat stream against a plain-text ingest on localhost that records what it receives. */
class HeartbeatSessionTest {
  private static final Vitals VITALS =
      new Vitals(12.5f, 40f, 70f, 3600, List.of(), List.of(), 0, 0);
  private static final HeartbeatSession.AgentFacts FACTS =
      new HeartbeatSession.AgentFacts("1.2.3", "linux", "Debian 12", "amd64");

  @TempDir Path dir;
  private final RecordingListener listener = new RecordingListener();
  private final List<String> pushed = listener.pushed();
  private final TaskOutbox outbox = new TaskOutbox();
  private final CheckOutbox checkOutbox = new CheckOutbox();
  private final TestIngest ingest = new TestIngest();

  HeartbeatSessionTest() throws IOException {}

  @AfterEach
  void stop() {
    ingest.close();
  }

  @Test
  void taskNewsRideOnAnExtraHeartbeatRepeatingTheLastSampleAndItsTimestamp() throws Exception {
    HeartbeatSession session = session();
    session.send(VITALS, 1_700_000_000L);
    HeartbeatRequest regular = next();

    outbox.progress("t-1", "");
    outbox.result(result("t-1", 0));
    assertThat(session.sendTaskUpdates(VITALS, 1_700_000_000L)).isTrue();

    HeartbeatRequest extra = next();
    assertThat(extra.getTimestampUnix()).isEqualTo(regular.getTimestampUnix());
    assertThat(extra.getCpuPercent()).isEqualTo(12.5f);
    assertThat(extra.getAgentVersion()).isEqualTo("1.2.3");
    assertThat(extra.getTaskProgressList()).extracting(p -> p.getTaskId()).containsExactly("t-1");
    assertThat(extra.getTaskResultsList()).containsExactly(result("t-1", 0));
    assertThat(outbox.isEmpty()).isTrue();
  }

  @Test
  void noExtraHeartbeatWhenNothingWaits() throws Exception {
    HeartbeatSession session = session();

    assertThat(session.sendTaskUpdates(VITALS, 1_700_000_000L)).isTrue();

    assertThat(ingest.poll(300)).isNull();
  }

  @Test
  void taskNewsQueuedWhenAStreamBrokeGoOutOnTheNextStream() throws Exception {
    HeartbeatSession first = session();
    first.send(VITALS, 1_700_000_000L);
    next();
    ingest.answers().onError(Status.UNAVAILABLE.withDescription("ingest restarting").asException());
    assertThat(first.ended().get(10, TimeUnit.SECONDS).getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);

    outbox.result(result("t-1", 130));
    assertThat(first.sendTaskUpdates(VITALS, 1_700_000_000L)).isFalse();
    assertThat(outbox.isEmpty()).isFalse();

    HeartbeatSession second = session();
    second.send(VITALS, 1_700_000_030L);
    assertThat(next().getTaskResultsList()).containsExactly(result("t-1", 130));
  }

  @Test
  void handsPushedTasksAndCancelsToTheListenerCancelsFirst() throws Exception {
    HeartbeatSession session = session();
    session.send(VITALS, 1_700_000_000L);
    next();

    ingest
        .answers()
        .onNext(
            HeartbeatResponse.newBuilder()
                .setOk(true)
                .setPendingTask(
                    AgentTask.newBuilder().setTaskId("t-2").setTaskType("software_inventory"))
                .addCancelTaskIds("t-1")
                .build());

    for (int i = 0; i < 500 && pushed.size() < 3; i++) {
      Thread.sleep(10);
    }
    assertThat(pushed).containsExactly("answered", "cancel t-1", "task t-2 software_inventory");
  }

  @Test
  void handsPushedQueriesToTheListenerAndTheirAnswersRideOnAnExtraHeartbeat() throws Exception {
    HeartbeatSession session = session();
    session.send(VITALS, 1_700_000_000L);
    next();

    ingest
        .answers()
        .onNext(
            HeartbeatResponse.newBuilder()
                .setOk(true)
                .addPendingQueries(
                    AgentQuery.newBuilder().setQueryId("q-1").setQueryType("list_ports"))
                .build());
    for (int i = 0; i < 500 && pushed.size() < 2; i++) {
      Thread.sleep(10);
    }
    assertThat(pushed).containsExactly("answered", "query q-1 list_ports");

    AgentQueryResult answer =
        AgentQueryResult.newBuilder()
            .setQueryId("q-1")
            .setQueryType("list_ports")
            .setStatus("ok")
            .build();
    outbox.queryResult(answer);
    assertThat(session.sendTaskUpdates(VITALS, 1_700_000_000L)).isTrue();
    assertThat(next().getQueryResultsList()).containsExactly(answer);
  }

  @Test
  void handsPushedTerminalSessionsAndTheirEndsToTheListenerEndsFirst() throws Exception {
    HeartbeatSession session = session();
    session.send(VITALS, 1_700_000_000L);
    next();

    ingest
        .answers()
        .onNext(
            HeartbeatResponse.newBuilder()
                .setOk(true)
                .addPendingTerminalSessions(
                    TerminalSessionRequest.newBuilder().setSessionId("s-2").setCols(80))
                .addCancelTerminalSessions("s-1")
                .build());

    for (int i = 0; i < 500 && pushed.size() < 3; i++) {
      Thread.sleep(10);
    }
    assertThat(pushed).containsExactly("answered", "end terminal s-1", "terminal s-2");
  }

  @Test
  void aResultCountsAsDeliveredOnceTheServerAnsweredAfterItWentOut() throws Exception {
    HeartbeatSession session = session();
    session.send(VITALS, 1_700_000_000L);
    next();
    StreamObserver<HeartbeatResponse> answer = ingest.answers();

    outbox.result(result("t-1", 0));
    assertThat(session.sendTaskUpdates(VITALS, 1_700_000_000L)).isTrue();
    next();
    assertThat(outbox.awaitDelivered("t-1", Duration.ofMillis(200))).isFalse();

    answer.onNext(HeartbeatResponse.newBuilder().setOk(true).build());
    assertThat(outbox.awaitDelivered("t-1", Duration.ofSeconds(10))).isTrue();
  }

  private HeartbeatSession session() throws IOException {
    IngestServiceStub stub = ingest.stub();
    SampleBuffer buffer = SampleBuffer.open(dir.resolve("samples-" + System.nanoTime()), 100);
    return new HeartbeatSession(stub, buffer, FACTS, outbox, checkOutbox, listener);
  }

  private HeartbeatRequest next() throws InterruptedException {
    return ingest.next();
  }

  private static AgentTaskResult result(String taskId, int exitCode) {
    return AgentTaskResult.newBuilder()
        .setTaskId(taskId)
        .setTaskType("software_inventory")
        .setExitCode(exitCode)
        .build();
  }
}
