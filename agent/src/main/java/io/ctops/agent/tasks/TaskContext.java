package io.ctops.agent.tasks;

import io.ctops.protocol.v1.IngestServiceGrpc.IngestServiceStub;

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
}
