package io.ctops.agent.tasks;

import static io.ctops.agent.tasks.TestTaskTypes.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.tasks.TestTaskTypes.Prints;
import io.ctops.agent.tasks.TestTaskTypes.Recording;
import io.ctops.agent.tasks.TestTaskTypes.SettableClock;
import io.ctops.agent.tasks.TestTaskTypes.WaitsUntilCancelled;
import io.ctops.protocol.v1.AgentTaskProgress;
import io.ctops.protocol.v1.AgentTaskResult;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TaskRunnerTest {
  private final Recording recording = new Recording();
  private final WaitsUntilCancelled waits = new WaitsUntilCancelled();
  private final SettableClock clock = new SettableClock();
  private final TaskOutbox outbox = new TaskOutbox();
  private final SentToServer server = new SentToServer(outbox);
  private final TaskRunner runner =
      TestTaskTypes.runner(TaskTypes.of(recording, waits, new Prints()), outbox, clock);

  TaskRunnerTest() {
    runner.start();
  }

  @AfterEach
  void stop() {
    runner.close();
  }

  @Test
  void refusesATaskOfAnUnknownTypeAtOnceAndNeverRunsIt() {
    runner.arrived(aTask("t-1", "custom_script", "{\"script\":\"rm -rf /\"}"));

    assertThat(server.results())
        .containsExactly(
            AgentTaskResult.newBuilder()
                .setTaskId("t-1")
                .setTaskType("custom_script")
                .setExitCode(1)
                .setError("task type \"custom_script\" is not supported by this agent version")
                .build());
    assertThat(server.progress()).isEmpty();
    assertThat(recording.ranTasks).isEmpty();
    assertThat(waits.started.getCount()).isOne();
  }

  @Test
  void runsAKnownTaskOnItsOwnThreadAndAnswersRunningThenTheResult() throws Exception {
    runner.arrived(aTask("t-1", "record", "{\"n\":1}"));

    AgentTaskResult result = server.awaitResult("t-1");

    assertThat(result.getTaskType()).isEqualTo("record");
    assertThat(result.getExitCode()).isZero();
    assertThat(result.getResultJson()).isEqualTo("{\"n\":1}");
    assertThat(result.getError()).isEmpty();
    assertThat(server.progress())
        .containsExactly(
            AgentTaskProgress.newBuilder().setTaskId("t-1").setOutputChunk("").build());
    assertThat(recording.ranOnThreads).containsExactly("agent-task");
  }

  @Test
  void aCancelInterruptsTheRunningTaskWhichAnswers130Cancelled() throws Exception {
    runner.arrived(aTask("t-1", "wait_until_cancelled"));
    assertThat(waits.started.await(10, TimeUnit.SECONDS)).isTrue();

    runner.cancel("t-1");

    AgentTaskResult result = server.awaitResult("t-1");
    assertThat(result.getExitCode()).isEqualTo(130);
    assertThat(result.getError()).isEqualTo("cancelled");
    assertThat(result.getTaskType()).isEqualTo("wait_until_cancelled");
    assertThat(waits.interrupted).isTrue();
    assertThat(waits.sawCancelled).isTrue();
  }

  @Test
  void theNextTaskRunsAfterACancelledOneAndIsNotInterrupted() throws Exception {
    runner.arrived(aTask("t-1", "wait_until_cancelled"));
    runner.arrived(aTask("t-2", "record"));
    assertThat(waits.started.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(recording.ranTasks).isEmpty();

    runner.cancel("t-1");

    assertThat(server.awaitResult("t-2").getExitCode()).isZero();
    assertThat(server.results())
        .extracting(AgentTaskResult::getTaskId)
        .containsExactly("t-1", "t-2");
  }

  @Test
  void aCancelForAQueuedTaskDropsItAndOneForAnUnknownIdIsIgnored() throws Exception {
    runner.arrived(aTask("t-1", "wait_until_cancelled"));
    runner.arrived(aTask("t-2", "record"));
    runner.arrived(aTask("t-3", "record"));
    assertThat(waits.started.await(10, TimeUnit.SECONDS)).isTrue();

    runner.cancel("t-2");
    runner.cancel("no-such-task");
    runner.cancel("t-1");

    server.awaitResult("t-3");
    assertThat(recording.ranTasks).containsExactly("t-3");
    assertThat(server.results())
        .extracting(AgentTaskResult::getTaskId)
        .containsExactly("t-1", "t-3");
  }

  @Test
  void aTaskSentAgainIsNotRunTwiceWithinTheHour() throws Exception {
    runner.arrived(aTask("t-1", "record"));
    server.awaitResult("t-1");

    runner.arrived(aTask("t-1", "record"));
    clock.advance(Duration.ofMinutes(59));
    runner.arrived(aTask("t-1", "record"));
    runner.arrived(aTask("t-2", "record"));
    server.awaitResult("t-2");

    assertThat(recording.ranTasks).containsExactly("t-1", "t-2");
    assertThat(server.results())
        .extracting(AgentTaskResult::getTaskId)
        .containsExactly("t-1", "t-2");
  }

  @Test
  void aTaskSentAgainWhileItRunsIsIgnored() throws Exception {
    runner.arrived(aTask("t-1", "wait_until_cancelled"));
    assertThat(waits.started.await(10, TimeUnit.SECONDS)).isTrue();

    runner.arrived(aTask("t-1", "wait_until_cancelled"));
    runner.cancel("t-1");
    server.awaitResult("t-1");
    runner.arrived(aTask("t-2", "record"));
    server.awaitResult("t-2");

    assertThat(server.results())
        .extracting(AgentTaskResult::getTaskId)
        .containsExactly("t-1", "t-2");
    assertThat(server.progress())
        .filteredOn(progress -> progress.getTaskId().equals("t-1"))
        .hasSize(1);
  }

  @Test
  void anIdIsForgottenAnHourAfterItsTaskFinished() throws Exception {
    runner.arrived(aTask("t-1", "record"));
    server.awaitResult("t-1");

    clock.advance(Duration.ofMinutes(61));
    runner.arrived(aTask("t-1", "record"));
    runner.arrived(aTask("t-2", "record"));
    server.awaitResult("t-2");

    assertThat(recording.ranTasks).containsExactly("t-1", "t-1", "t-2");
  }

  @Test
  void aTaskThatThrowsIsAnsweredAsFailed() throws Exception {
    TaskType broken =
        new TaskType() {
          @Override
          public String name() {
            return "broken";
          }

          @Override
          public TaskOutcome run(String configJson, TaskContext context) {
            throw new IllegalStateException("no such file");
          }
        };
    try (TaskRunner runs = TestTaskTypes.runner(TaskTypes.of(broken), outbox, clock)) {
      runs.start();
      runs.arrived(aTask("t-1", "broken"));

      AgentTaskResult result = server.awaitResult("t-1");
      assertThat(result.getExitCode()).isEqualTo(1);
      assertThat(result.getError()).contains("IllegalStateException: no such file");
    }
  }

  @Test
  void aTaskOutputGoesOutAsProgressBeforeItsResult() throws Exception {
    runner.arrived(aTask("t-1", "print", "hello\nworld\n"));

    server.awaitResult("t-1");

    assertThat(server.output("t-1")).containsExactly("hello\nworld\n");
  }

  @Test
  void aTaskThatAnswersFirstHasItsResultSentOnceAndCanStopTheAgentAfterwards() throws Exception {
    java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    java.util.List<Boolean> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
    TaskType leaving =
        new TaskType() {
          @Override
          public String name() {
            return "leave";
          }

          @Override
          public TaskOutcome run(String configJson, TaskContext context)
              throws InterruptedException {
            delivered.add(
                context.answerFirst(
                    TaskOutcome.succeeded("{\"status\":\"scheduled\"}"), Duration.ofSeconds(10)));
            context.stopAgentAfterwards();
            return TaskOutcome.failed("never sent");
          }
        };
    try (TaskRunner runs =
        new TaskRunner(
            TaskTypes.of(leaving),
            outbox,
            clock,
            () -> null,
            TestTaskTypes.hostActions(),
            () -> {},
            stopped::countDown)) {
      runs.start();
      runs.arrived(aTask("t-1", "leave"));

      assertThat(server.awaitResult("t-1").getResultJson()).isEqualTo("{\"status\":\"scheduled\"}");
      assertThat(stopped.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(delivered).containsExactly(true);
      assertThat(server.results()).hasSize(1);
    }
  }
}
