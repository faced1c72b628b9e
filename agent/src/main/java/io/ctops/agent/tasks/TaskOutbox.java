package io.ctops.agent.tasks;

import io.ctops.protocol.v1.AgentTaskProgress;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.HeartbeatRequest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Task progress and results waiting to ride on a heartbeat message ({@code task_progress}, {@code
 * task_results}). It outlives heartbeat streams: what a broken stream could not send goes out on
 * the next one. Adjacent output chunks of one task are merged (up to 4 KiB) so a task printing line
 * by line does not become thousands of tiny messages.
 */
public final class TaskOutbox {
  private final Deque<AgentTaskProgress> progress = new ArrayDeque<>();
  private final Deque<AgentTaskResult> results = new ArrayDeque<>();

  /** What one {@link #drainInto} took out, to {@link #putBack} if the message was not sent. */
  public record Drained(List<AgentTaskProgress> progress, List<AgentTaskResult> results) {}

  /** Queues a progress chunk; an empty chunk tells the server the task is running. */
  public void progress(String taskId, String chunk) {
    progress(taskId, chunk, true);
  }

  /** Queues a progress chunk that stays a chunk of its own when {@code mayMerge} is false. */
  synchronized void progress(String taskId, String chunk, boolean mayMerge) {
    AgentTaskProgress last = progress.peekLast();
    if (mayMerge
        && !chunk.isEmpty()
        && last != null
        && last.getTaskId().equals(taskId)
        && !last.getOutputChunk().isEmpty()
        && TaskOutput.utf8Length(last.getOutputChunk()) + TaskOutput.utf8Length(chunk)
            <= TaskOutput.MAX_CHUNK_BYTES) {
      progress.pollLast();
      chunk = last.getOutputChunk() + chunk;
    }
    progress.addLast(
        AgentTaskProgress.newBuilder().setTaskId(taskId).setOutputChunk(chunk).build());
    notifyAll();
  }

  public synchronized void result(AgentTaskResult result) {
    results.addLast(result);
    notifyAll();
  }

  public synchronized boolean isEmpty() {
    return progress.isEmpty() && results.isEmpty();
  }

  /** Waits until something is queued. */
  public synchronized void awaitUpdates() throws InterruptedException {
    while (isEmpty()) {
      wait();
    }
  }

  /** Moves everything queued into {@code request}, in the order it was queued. */
  public synchronized Drained drainInto(HeartbeatRequest.Builder request) {
    Drained drained = new Drained(List.copyOf(progress), List.copyOf(results));
    progress.clear();
    results.clear();
    request.addAllTaskProgress(drained.progress()).addAllTaskResults(drained.results());
    return drained;
  }

  /** Puts back, ahead of anything queued since, what a failed send took out. */
  public synchronized void putBack(Drained drained) {
    for (int i = drained.progress().size() - 1; i >= 0; i--) {
      progress.addFirst(drained.progress().get(i));
    }
    for (int i = drained.results().size() - 1; i >= 0; i--) {
      results.addFirst(drained.results().get(i));
    }
    notifyAll();
  }
}
