package io.ctops.server.tasks;

import io.ctops.protocol.v1.AgentTaskProgress;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.server.platform.grpc.AgentText;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What agents report about their tasks, from heartbeat messages: progress (the task runs; output so
 * far, the last {@link #OUTPUT_LIMIT} characters kept) and results (succeeded, or failed with the
 * agent's message). Written on a thread of its own, in the order received, so the heartbeat path
 * never waits for it. A report on a task that is not this host's, or has already ended (cancelled,
 * timed out), changes nothing and is counted.
 */
public final class TaskReports implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TaskReports.class);

  /** Output kept per task: the newest characters. */
  static final int OUTPUT_LIMIT = 64 * 1024;

  static final int ERROR_LIMIT = 4000;

  private final Jdbi jdbi;
  private final TaskTypes types;
  private final Clock clock;
  private final Counter ignored;
  private final ExecutorService writer =
      Executors.newSingleThreadExecutor(
          runnable -> Thread.ofPlatform().name("task-reports").daemon().unstarted(runnable));

  public TaskReports(Jdbi jdbi, TaskTypes types, Clock clock, MeterRegistry registry) {
    this.jdbi = jdbi;
    this.types = types;
    this.clock = clock;
    this.ignored =
        Counter.builder("ctops_task_reports_ignored_total")
            .description("Task progress or results for unknown, foreign or ended tasks")
            .register(registry);
  }

  /** Hands the reports of one heartbeat to the writer. */
  public void received(
      UUID hostId, List<AgentTaskProgress> progress, List<AgentTaskResult> results) {
    if (progress.isEmpty() && results.isEmpty()) {
      return;
    }
    writer.execute(
        () -> {
          try {
            write(hostId, progress, results);
          } catch (RuntimeException e) {
            log.warn("event=task_report_not_recorded host_id={} error={}", hostId, e.toString());
          }
        });
  }

  /** Writes the reports now (the writer thread, and tests that want them stored on return). */
  public void write(UUID hostId, List<AgentTaskProgress> progress, List<AgentTaskResult> results) {
    jdbi.useTransaction(
        handle -> {
          for (AgentTaskProgress report : progress) {
            progressed(handle, hostId, report);
          }
          List<TaskQueue.TypedEnd> ended = new ArrayList<>();
          for (AgentTaskResult result : results) {
            finished(handle, hostId, result).ifPresent(ended::add);
          }
          TaskQueue.ended(handle, types, ended);
        });
  }

  private void progressed(Handle handle, UUID hostId, AgentTaskProgress report) {
    Optional<UUID> id = uuid(report.getTaskId());
    int updated =
        id.isEmpty()
            ? 0
            : handle
                .createUpdate(
                    """
                    UPDATE tasks
                       SET state = 'running',
                           started_at = coalesce(started_at, :now),
                           dispatched_at = coalesce(dispatched_at, :now),
                           output_truncated = output_truncated
                               OR length(output) + length(:chunk) > :limit,
                           output = right(output || :chunk, :limit)
                     WHERE id = :id AND host_id = :host
                       AND state IN ('queued', 'dispatched', 'running')
                    """)
                .bind("now", Timestamp.from(clock.instant()))
                .bind("chunk", AgentText.storable(report.getOutputChunk(), Integer.MAX_VALUE))
                .bind("limit", OUTPUT_LIMIT)
                .bind("id", id.get())
                .bind("host", hostId)
                .execute();
    if (updated == 0) {
      ignored.increment();
    }
  }

  private Optional<TaskQueue.TypedEnd> finished(
      Handle handle, UUID hostId, AgentTaskResult result) {
    Optional<UUID> id = uuid(result.getTaskId());
    boolean succeeded = result.getExitCode() == 0 && result.getError().isEmpty();
    String error =
        succeeded
            ? null
            : result.getError().isEmpty()
                ? "the agent's task ended with exit code " + result.getExitCode()
                : AgentText.storable(result.getError(), ERROR_LIMIT);
    Optional<String> type =
        id.isEmpty()
            ? Optional.empty()
            : handle
                .createQuery(
                    """
                    UPDATE tasks
                       SET state = :state, exit_code = :exit, error = :error,
                           result = CASE WHEN :result IS JSON THEN CAST(:result AS jsonb) END,
                           started_at = coalesce(started_at, :now),
                           dispatched_at = coalesce(dispatched_at, :now),
                           finished_at = :now
                     WHERE id = :id AND host_id = :host
                       AND state IN ('queued', 'dispatched', 'running')
                    RETURNING type
                    """)
                .bind("state", succeeded ? "succeeded" : "failed")
                .bind("exit", result.getExitCode())
                .bind("error", error)
                .bind(
                    "result",
                    result.getResultJson().isEmpty() ? null : storableJson(result.getResultJson()))
                .bind("now", Timestamp.from(clock.instant()))
                .bind("id", id.get())
                .bind("host", hostId)
                .mapTo(String.class)
                .findOne();
    if (type.isEmpty()) {
      ignored.increment();
      return Optional.empty();
    }
    return Optional.of(
        new TaskQueue.TypedEnd(
            type.get(),
            new TaskType.EndedTask(
                id.get(), hostId, succeeded ? TaskState.SUCCEEDED : TaskState.FAILED, error)));
  }

  /**
   * A task that was sent to a stream which ended before the answer carrying it went out goes back
   * to the queue for the agent's next stream.
   */
  public void undelivered(UUID taskId) {
    writer.execute(
        () -> {
          try {
            jdbi.useHandle(handle -> TaskDispatch.requeue(handle, List.of(taskId)));
          } catch (RuntimeException e) {
            log.warn("event=task_requeue_failed task_id={} error={}", taskId, e.toString());
          }
        });
  }

  /**
   * The agent's result as jsonb can hold it: a NUL, raw or as JSON's escape for code point 0 (which
   * jsonb refuses, failing the whole report), becomes U+FFFD. An escaped backslash followed by
   * "u0000" is left alone: that is text, not an escape.
   */
  static String storableJson(String json) {
    String raw = AgentText.storable(json, Integer.MAX_VALUE);
    return raw.contains("u0000") ? NUL_ESCAPE.matcher(raw).replaceAll("$1\\\\ufffd") : raw;
  }

  // A backslash-u0000 escape preceded by an even number of backslashes (pairs are literal ones).
  private static final Pattern NUL_ESCAPE = Pattern.compile("(?<!\\\\)((?:\\\\\\\\)*)\\\\u0000");

  private static Optional<UUID> uuid(String text) {
    try {
      return Optional.of(UUID.fromString(text));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Writes what was received, then stops. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      writer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
