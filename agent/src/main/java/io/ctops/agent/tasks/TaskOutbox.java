package io.ctops.agent.tasks;

import io.ctops.agent.text.Utf8;
import io.ctops.protocol.v1.AgentQueryResult;
import io.ctops.protocol.v1.AgentTaskProgress;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.HeartbeatRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Task progress and results, and answers to queries, waiting to ride on a heartbeat message ({@code
 * task_progress}, {@code task_results}, {@code query_results}). It outlives heartbeat streams: what
 * a broken stream could not send goes out on the next one. Adjacent output chunks of one task are
 * merged (up to 4 KiB) so a task printing line by line does not become thousands of tiny messages.
 *
 * <p>It also follows a result onto the wire, for a task whose last act cuts the agent off (the
 * agent's uninstall): {@link #handedOver} when a message carrying it went to the stream, {@link
 * #answered} when the server answered after that.
 */
public final class TaskOutbox {
  // How many delivered result ids are remembered for awaitDelivered; only the newest matter.
  private static final int REMEMBERED_DELIVERIES = 64;

  private final Deque<AgentTaskProgress> progress = new ArrayDeque<>();
  private final Deque<AgentTaskResult> results = new ArrayDeque<>();
  private final Deque<AgentQueryResult> queryResults = new ArrayDeque<>();
  private final Set<String> onTheWire = new HashSet<>();
  private final Set<String> delivered = new LinkedHashSet<>();

  /** What one {@link #drainInto} took out, to {@link #putBack} if the message was not sent. */
  public record Drained(
      List<AgentTaskProgress> progress,
      List<AgentTaskResult> results,
      List<AgentQueryResult> queryResults) {}

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
        && Utf8.length(last.getOutputChunk()) + Utf8.length(chunk) <= TaskOutput.MAX_CHUNK_BYTES) {
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

  /** Queues the answer to a query. */
  public synchronized void queryResult(AgentQueryResult result) {
    queryResults.addLast(result);
    notifyAll();
  }

  public synchronized boolean isEmpty() {
    return progress.isEmpty() && results.isEmpty() && queryResults.isEmpty();
  }

  /** Waits until something is queued. */
  public synchronized void awaitUpdates() throws InterruptedException {
    while (isEmpty()) {
      wait();
    }
  }

  /** Moves everything queued into {@code request}, in the order it was queued. */
  public synchronized Drained drainInto(HeartbeatRequest.Builder request) {
    Drained drained =
        new Drained(List.copyOf(progress), List.copyOf(results), List.copyOf(queryResults));
    progress.clear();
    results.clear();
    queryResults.clear();
    request
        .addAllTaskProgress(drained.progress())
        .addAllTaskResults(drained.results())
        .addAllQueryResults(drained.queryResults());
    return drained;
  }

  /** A message carrying {@code drained} went to the heartbeat stream. */
  public synchronized void handedOver(Drained drained) {
    for (AgentTaskResult result : drained.results()) {
      onTheWire.add(result.getTaskId());
    }
  }

  /**
   * The server answered a heartbeat: results handed over before count as delivered (it answers each
   * message in turn; an answer it pushes of its own accord may make this early by a message).
   */
  public synchronized void answered() {
    if (onTheWire.isEmpty()) {
      return;
    }
    delivered.addAll(onTheWire);
    onTheWire.clear();
    while (delivered.size() > REMEMBERED_DELIVERIES) {
      delivered.remove(delivered.iterator().next());
    }
    notifyAll();
  }

  /**
   * Waits until task {@code taskId}'s result was handed over and answered, at most {@code
   * patience}. Returns whether it was; false also when it was handed over but not yet answered.
   */
  public synchronized boolean awaitDelivered(String taskId, Duration patience)
      throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    while (!delivered.contains(taskId)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  /** Puts back, ahead of anything queued since, what a failed send took out. */
  public synchronized void putBack(Drained drained) {
    for (int i = drained.progress().size() - 1; i >= 0; i--) {
      progress.addFirst(drained.progress().get(i));
    }
    for (int i = drained.results().size() - 1; i >= 0; i--) {
      results.addFirst(drained.results().get(i));
    }
    for (int i = drained.queryResults().size() - 1; i >= 0; i--) {
      queryResults.addFirst(drained.queryResults().get(i));
    }
    notifyAll();
  }
}
