package io.ctops.agent.tasks;

import io.ctops.agent.host.HostActions;
import io.ctops.protocol.v1.AgentTask;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.IngestServiceGrpc.IngestServiceStub;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the server's tasks one at a time, in the order they arrived, on the {@code agent-task}
 * thread: never on a gRPC or heartbeat thread, which must keep answering while a scan takes
 * minutes. Guards the channel's rules: a task id already queued, running or finished within the
 * last hour is ignored (the server may send a task again after a reconnect); a type this agent does
 * not know is refused at once and never run, and so is a host action while host actions are
 * disabled; a cancel interrupts the running task, whose answer is then exit code 130, "cancelled".
 */
public final class TaskRunner implements AutoCloseable {
  /** How long a finished task's id is remembered, so a re-sent task does not run twice. */
  static final Duration REMEMBERED = Duration.ofHours(1);

  private static final Logger log = LoggerFactory.getLogger("agent");

  private final TaskTypes types;
  private final TaskOutbox outbox;
  private final Clock clock;
  private final Supplier<IngestServiceStub> ingest;
  private final HostActions host;
  private final Runnable afterEachTask;
  private final Runnable stopAgent;
  private final Thread worker;
  private final Object lock = new Object();
  private final Deque<Queued> queue = new ArrayDeque<>();
  // In the order the tasks finished, so the old ones are at the head.
  private final Map<String, Instant> finished = new LinkedHashMap<>();
  private Queued running;
  private boolean closed;

  /**
   * @param ingest the agent's current connection to ingest, for tasks that upload
   * @param host the host's programs and whether operators may act on it
   * @param afterEachTask runs on the task thread after each task's result is queued
   * @param stopAgent stops the agent, for a task that asked for it once it has ended
   */
  public TaskRunner(
      TaskTypes types,
      TaskOutbox outbox,
      Clock clock,
      Supplier<IngestServiceStub> ingest,
      HostActions host,
      Runnable afterEachTask,
      Runnable stopAgent) {
    this.types = types;
    this.outbox = outbox;
    this.clock = clock;
    this.ingest = ingest;
    this.host = host;
    this.afterEachTask = afterEachTask;
    this.stopAgent = stopAgent;
    this.worker = Thread.ofPlatform().name("agent-task").daemon().unstarted(this::work);
  }

  public void start() {
    worker.start();
  }

  /** The text of the result that refuses a task of a type this agent does not run. */
  public static String unsupported(String taskType) {
    return "task type \"" + taskType + "\" is not supported by this agent version";
  }

  /** A task the server pushed: queued, refused or ignored here, and never run on this thread. */
  public void arrived(AgentTask task) {
    String id = task.getTaskId();
    Optional<TaskType> type = types.find(task.getTaskType());
    String refusal = unsupported(task.getTaskType());
    if (type.isPresent() && type.get().isHostAction() && !host.enabled()) {
      refusal = HostActions.DISABLED;
      type = Optional.empty();
    }
    synchronized (lock) {
      if (closed) {
        return;
      }
      forgetOldTasks();
      if (isKnown(id)) {
        log.debug("event=task_repeated task_id={} task_type={}", id, task.getTaskType());
        return;
      }
      if (type.isPresent()) {
        queue.addLast(new Queued(task, type.get()));
        lock.notifyAll();
        return;
      }
      finished.put(id, clock.instant());
    }
    log.warn(
        "event=task_refused task_id={} task_type={} reason=\"{}\"",
        id,
        task.getTaskType(),
        refusal);
    outbox.result(result(task, new TaskOutcome(1, "", refusal)));
  }

  /**
   * The server cancelled {@code taskId}: the running task is interrupted (its answer follows when
   * it has stopped); a queued one is dropped without an answer; any other id is ignored.
   */
  public void cancel(String taskId) {
    synchronized (lock) {
      if (running != null && running.id().equals(taskId)) {
        if (!running.cancelled) {
          running.cancelled = true;
          worker.interrupt();
          log.info("event=task_cancelling task_id={}", taskId);
        }
        return;
      }
      if (queue.removeIf(queued -> queued.id().equals(taskId))) {
        finished.put(taskId, clock.instant());
        log.info("event=task_dropped task_id={} reason=\"cancelled before it started\"", taskId);
      }
    }
  }

  private boolean isKnown(String id) {
    return finished.containsKey(id)
        || running != null && running.id().equals(id)
        || queue.stream().anyMatch(queued -> queued.id().equals(id));
  }

  private void forgetOldTasks() {
    Instant horizon = clock.instant().minus(REMEMBERED);
    Iterator<Instant> at = finished.values().iterator();
    while (at.hasNext() && at.next().isBefore(horizon)) {
      at.remove();
    }
  }

  private void work() {
    while (true) {
      Queued next;
      synchronized (lock) {
        while (queue.isEmpty() && !closed) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        next = queue.removeFirst();
        running = next;
      }
      TaskOutcome outcome = execute(next);
      synchronized (lock) {
        running = null;
        finished.put(next.id(), clock.instant());
        // A cancel that came as the task was ending must not interrupt the next one.
        Thread.interrupted();
        if (closed) {
          return;
        }
      }
      if (!next.answered) {
        finish(next, next.cancelled ? TaskOutcome.CANCELLED : outcome);
      }
      afterEachTask.run();
      if (next.stopAgent) {
        log.info("event=agent_stopping task_id={} reason=\"the task asked for it\"", next.id());
        stopAgent.run();
        return;
      }
    }
  }

  private void finish(Queued task, TaskOutcome outcome) {
    log.info(
        "event=task_finished task_id={} task_type={} exit_code={} error=\"{}\"",
        task.id(),
        task.task.getTaskType(),
        outcome.exitCode(),
        outcome.error());
    outbox.result(result(task.task, outcome));
  }

  private TaskOutcome execute(Queued next) {
    outbox.progress(next.id(), "");
    log.info("event=task_started task_id={} task_type={}", next.id(), next.task.getTaskType());
    try {
      TaskOutcome outcome = next.type.run(next.task.getConfigJson(), new Context(next));
      return outcome != null ? outcome : TaskOutcome.failed("the task gave no outcome");
    } catch (InterruptedException e) {
      return TaskOutcome.failed("interrupted");
    } catch (RuntimeException e) {
      log.warn("event=task_crashed task_id={} error=\"{}\"", next.id(), e.toString(), e);
      return TaskOutcome.failed("the task failed: " + e);
    }
  }

  private static AgentTaskResult result(AgentTask task, TaskOutcome outcome) {
    return AgentTaskResult.newBuilder()
        .setTaskId(task.getTaskId())
        .setTaskType(task.getTaskType())
        .setExitCode(outcome.exitCode())
        .setResultJson(outcome.resultJson())
        .setError(outcome.error().replace('\0', TaskOutput.REPLACEMENT))
        .build();
  }

  /** Stops running tasks: the running one is interrupted, queued ones are dropped, unanswered. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      queue.clear();
      lock.notifyAll();
    }
    worker.interrupt();
  }

  private static final class Queued {
    final AgentTask task;
    final TaskType type;
    volatile boolean cancelled;
    volatile boolean answered;
    volatile boolean stopAgent;

    Queued(AgentTask task, TaskType type) {
      this.task = task;
      this.type = type;
    }

    String id() {
      return task.getTaskId();
    }
  }

  private final class Context implements TaskContext {
    private final Queued task;
    private final TaskOutput output;

    Context(Queued task) {
      this.task = task;
      this.output = new TaskOutput(task.id(), outbox);
    }

    @Override
    public String taskId() {
      return task.id();
    }

    @Override
    public void output(String text) {
      output.append(text);
    }

    @Override
    public boolean isCancelled() {
      return task.cancelled;
    }

    @Override
    public IngestServiceStub ingest() {
      IngestServiceStub stub = ingest.get();
      if (stub == null) {
        throw new IllegalStateException("the agent has no connection to ingest yet");
      }
      return stub;
    }

    @Override
    public HostActions host() {
      return host;
    }

    @Override
    public boolean answerFirst(TaskOutcome outcome, Duration patience) throws InterruptedException {
      if (task.answered) {
        throw new IllegalStateException("task " + task.id() + " has already answered");
      }
      task.answered = true;
      finish(task, outcome);
      return outbox.awaitDelivered(task.id(), patience);
    }

    @Override
    public void stopAgentAfterwards() {
      task.stopAgent = true;
    }
  }
}
