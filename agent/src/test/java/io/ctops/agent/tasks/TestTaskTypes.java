package io.ctops.agent.tasks;

import io.ctops.agent.host.HostActions;
import io.ctops.agent.host.HostTools;
import io.ctops.protocol.v1.AgentTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** Task types and fixtures for the task channel's tests. */
final class TestTaskTypes {
  private TestTaskTypes() {}

  /** Host actions allowed, with the host's own programs. */
  static HostActions hostActions() {
    return new HostActions(new HostTools(HostTools.DEFAULT_PATH), Optional.empty(), true);
  }

  /** A runner with no ingest, host actions allowed and no agent to stop. */
  static TaskRunner runner(TaskTypes types, TaskOutbox outbox, Clock clock) {
    return new TaskRunner(types, outbox, clock, () -> null, hostActions(), () -> {}, () -> {});
  }

  static AgentTask aTask(String id, String type) {
    return aTask(id, type, "");
  }

  static AgentTask aTask(String id, String type, String configJson) {
    return AgentTask.newBuilder().setTaskId(id).setTaskType(type).setConfigJson(configJson).build();
  }

  /** Records every run (task id and thread); succeeds with the config as its result. */
  static final class Recording implements TaskType {
    final List<String> ranTasks = new CopyOnWriteArrayList<>();
    final List<String> ranOnThreads = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
      return "record";
    }

    @Override
    public TaskOutcome run(String configJson, TaskContext context) {
      ranTasks.add(context.taskId());
      ranOnThreads.add(Thread.currentThread().getName());
      return TaskOutcome.succeeded(configJson);
    }
  }

  /** Blocks until its thread is interrupted, as a long task that honours cancellation does. */
  static final class WaitsUntilCancelled implements TaskType {
    final CountDownLatch started = new CountDownLatch(1);
    volatile boolean interrupted;
    volatile boolean sawCancelled;

    @Override
    public String name() {
      return "wait_until_cancelled";
    }

    @Override
    public TaskOutcome run(String configJson, TaskContext context) throws InterruptedException {
      started.countDown();
      try {
        new CountDownLatch(1).await();
        return TaskOutcome.succeeded("{}");
      } catch (InterruptedException e) {
        interrupted = true;
        sawCancelled = context.isCancelled();
        throw e;
      }
    }
  }

  /** Prints its config text as output. */
  static final class Prints implements TaskType {
    @Override
    public String name() {
      return "print";
    }

    @Override
    public TaskOutcome run(String configJson, TaskContext context) {
      context.output(configJson);
      return TaskOutcome.succeeded("");
    }
  }

  /** A clock the test moves. */
  static final class SettableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
