package io.ctops.server.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ctops.agent.tasks.TaskContext;
import io.ctops.agent.tasks.TaskOutcome;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.Role;
import io.ctops.server.inventory.SoftwareScanTask;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.RunningAgent;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator → agent task channel end to end: the real agent against the real ingest (gRPC over
 * TLS, embedded PostgreSQL), with task types of the test's own registered on both sides the way a
 * feature registers its types.
 */
@ExtendWith(FreshDatabase.class)
class TaskChannelTest {
  @TempDir Path dir;
  private IngestFixture ingest;
  private RunningAgent agent;
  private TaskQueue queue;
  private UUID org;
  private UUID host;

  /** Set by the agent's side of the test types. */
  private final CountDownLatch waiting = new CountDownLatch(1);

  private final CountDownLatch interrupted = new CountDownLatch(1);

  /** A type of the test's on the server: no parameters, engineers may ask, this timeout. */
  private record ServerType(String name, Duration timeout) implements TaskType {
    @Override
    public JsonNode parameters(JsonNode given) {
      return given;
    }

    @Override
    public boolean mayRequest(Role role) {
      return role != Role.READ_ONLY;
    }
  }

  /** The agent's side of a test type: what it runs. */
  private record AgentType(String name, Runner runner) implements io.ctops.agent.tasks.TaskType {
    @Override
    public TaskOutcome run(String configJson, TaskContext context) throws InterruptedException {
      return runner.run(context);
    }
  }

  @FunctionalInterface
  private interface Runner {
    TaskOutcome run(TaskContext context) throws InterruptedException;
  }

  private TaskOutcome waitUntilStopped(TaskContext context) throws InterruptedException {
    context.output("waiting for the server\n");
    waiting.countDown();
    try {
      Thread.sleep(Duration.ofMinutes(10));
      return TaskOutcome.succeeded("");
    } catch (InterruptedException e) {
      interrupted.countDown();
      throw e;
    }
  }

  private final TaskTypes serverTypes =
      new TaskTypes(
          List.of(
              SoftwareScanTask.TYPE,
              new ServerType("test_echo", Duration.ofMinutes(1)),
              new ServerType("test_wait", Duration.ofMinutes(1)),
              new ServerType("test_wait_briefly", Duration.ofSeconds(2)),
              new ServerType("test_unknown_to_agents", Duration.ofMinutes(1))));

  @BeforeEach
  void start(DatabaseUrl database) {
    ingest = IngestFixture.withTaskTypes(database, serverTypes);
    agent =
        RunningAgent.start(
            ingest,
            ingest.token(true),
            dir.resolve("data"),
            io.ctops.agent.tasks.TaskTypes.standard()
                .with(
                    new AgentType(
                        "test_echo",
                        context -> {
                          context.output("hello from the agent\n");
                          return TaskOutcome.succeeded("{\"echoed\": true}");
                        }),
                    new AgentType("test_wait", this::waitUntilStopped),
                    new AgentType("test_wait_briefly", this::waitUntilStopped)));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> ingest.count("SELECT count(*) FROM hosts WHERE status = 'online'") == 1);
    host = UUID.fromString(ingest.string("SELECT CAST(id AS text) FROM hosts"));
    org = UUID.fromString(ingest.string("SELECT CAST(org_id AS text) FROM hosts"));
    queue = new TaskQueue(ingest.jdbi(), serverTypes, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    agent.close();
    ingest.close();
  }

  private UUID request(String type) throws TaskType.Refused {
    return queue.request(
        org,
        host,
        serverTypes.find(type).orElseThrow(),
        JsonNodeFactory.instance.objectNode(),
        Actor.system("test"));
  }

  private String state(UUID task) {
    return ingest.string("SELECT state FROM tasks WHERE id = '" + task + "'");
  }

  private String column(UUID task, String column) {
    return ingest.string("SELECT " + column + "::text FROM tasks WHERE id = '" + task + "'");
  }

  @Test
  void aTaskRunsOnTheAgentWhichSendsItsOutputAndResult() throws Exception {
    UUID task = request("test_echo");
    await().atMost(Duration.ofSeconds(15)).until(() -> state(task).equals("succeeded"));
    assertThat(column(task, "output")).isEqualTo("hello from the agent\n");
    assertThat(column(task, "result")).isEqualTo("{\"echoed\": true}");
    assertThat(column(task, "exit_code")).isEqualTo("0");
    assertThat(column(task, "dispatched_at")).isNotNull();
    assertThat(column(task, "started_at")).isNotNull();
  }

  @Test
  void aTypeTheAgentDoesNotKnowFailsAtOnceWithItsMessage() throws Exception {
    UUID task = request("test_unknown_to_agents");
    await().atMost(Duration.ofSeconds(10)).until(() -> state(task).equals("failed"));
    assertThat(column(task, "error"))
        .contains("\"test_unknown_to_agents\"")
        .contains("not supported by this agent version");
    assertThat(column(task, "output")).as("nothing ran").isEmpty();
  }

  @Test
  void aCancelledTaskStopsOnTheAgent() throws Exception {
    UUID task = request("test_wait");
    assertThat(waiting.await(15, TimeUnit.SECONDS)).as("the task started").isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> state(task).equals("running"));
    assertThat(queue.cancel(org, task, Actor.system("test")))
        .isInstanceOf(TaskQueue.Cancellation.Cancelled.class);
    assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the agent stopped it").isTrue();
    assertThat(column(task, "cancel_sent_at")).isNotNull();
    // the agent's answer to the cancellation changes nothing
    Thread.sleep(1_500);
    assertThat(state(task)).isEqualTo("cancelled");
    assertThat(column(task, "error")).isEqualTo("cancelled by test");
  }

  @Test
  void aTaskWhoseAgentNeverAnswersTimesOutAndTheAgentIsToldToStop() throws Exception {
    UUID task = request("test_wait_briefly");
    await().atMost(Duration.ofSeconds(15)).until(() -> state(task).equals("timed_out"));
    assertThat(column(task, "error")).isEqualTo("the agent sent no result within 2 s");
    assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the agent stopped it").isTrue();
  }
}
