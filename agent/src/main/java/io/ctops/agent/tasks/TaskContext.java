package io.ctops.agent.tasks;

import io.ctops.agent.host.HostActions;
import io.ctops.protocol.v1.IngestServiceGrpc.IngestServiceStub;
import java.time.Duration;

/** What a running task may use of the agent: its output channel, its cancellation and ingest. */
public interface TaskContext {
  /** The task's {@code task_id}. */
  String taskId();

  /**
   * Sends text to the server as the task's output, in chunks of at most 4 KiB; past 64 KiB per task
   * the rest is dropped and the server is told the output was cut.
   */
  void output(String text);

  /** Whether the server cancelled this task; long loops that never block should check it. */
  boolean isCancelled();

  /** Ingest over the agent's current connection, authenticated as this agent (for uploads). */
  IngestServiceStub ingest();

  /** The host's programs and what operators may do with them. */
  HostActions host();

  /**
   * Sends this task's result now, before the task ends, and waits until the server answered after
   * it (at most {@code patience}): for a task whose last act cuts the agent off. Whatever the task
   * returns afterwards is not sent. Returns whether the server answered in time.
   */
  boolean answerFirst(TaskOutcome outcome, Duration patience) throws InterruptedException;

  /** Stops the agent (a clean exit, code 0) once this task has ended. */
  void stopAgentAfterwards();
}
