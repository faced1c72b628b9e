package io.ctops.agent.tasks;

import static org.assertj.core.api.Assertions.fail;

import io.ctops.protocol.v1.AgentQueryResult;
import io.ctops.protocol.v1.AgentTaskProgress;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.HeartbeatRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the server would receive from an outbox: everything drained from it, in order. Each drain is
 * a message handed to the stream and answered at once, unless the test holds the answers back.
 */
public final class SentToServer {
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  private final TaskOutbox outbox;
  private final List<AgentTaskProgress> progress = new ArrayList<>();
  private final List<AgentTaskResult> results = new ArrayList<>();
  private final List<AgentQueryResult> queryResults = new ArrayList<>();
  private boolean answering = true;

  public SentToServer(TaskOutbox outbox) {
    this.outbox = outbox;
  }

  synchronized List<AgentTaskProgress> progress() {
    collect();
    return List.copyOf(progress);
  }

  synchronized List<AgentTaskResult> results() {
    collect();
    return List.copyOf(results);
  }

  public synchronized List<AgentQueryResult> queryResults() {
    collect();
    return List.copyOf(queryResults);
  }

  /** From now on messages are received but not answered (a slow or gone server). */
  synchronized void holdAnswers() {
    answering = false;
  }

  /** Answers what was received so far, and answers at once again from now on. */
  synchronized void answer() {
    answering = true;
    outbox.answered();
  }

  /** The output chunks of one task, without the empty "running" chunk. */
  List<String> output(String taskId) {
    return progress().stream()
        .filter(chunk -> chunk.getTaskId().equals(taskId) && !chunk.getOutputChunk().isEmpty())
        .map(AgentTaskProgress::getOutputChunk)
        .toList();
  }

  AgentTaskResult awaitResult(String taskId) throws InterruptedException {
    Instant deadline = Instant.now().plus(PATIENCE);
    while (Instant.now().isBefore(deadline)) {
      Optional<AgentTaskResult> result =
          results().stream().filter(r -> r.getTaskId().equals(taskId)).findFirst();
      if (result.isPresent()) {
        return result.get();
      }
      Thread.sleep(10);
    }
    return fail("no result for task " + taskId + " within " + PATIENCE);
  }

  void awaitRunning(String taskId) throws InterruptedException {
    Instant deadline = Instant.now().plus(PATIENCE);
    while (Instant.now().isBefore(deadline)) {
      if (progress().stream()
          .anyMatch(p -> p.getTaskId().equals(taskId) && p.getOutputChunk().isEmpty())) {
        return;
      }
      Thread.sleep(10);
    }
    fail("task " + taskId + " did not start within " + PATIENCE);
  }

  private void collect() {
    HeartbeatRequest.Builder request = HeartbeatRequest.newBuilder();
    TaskOutbox.Drained drained = outbox.drainInto(request);
    outbox.handedOver(drained);
    if (answering) {
      outbox.answered();
    }
    progress.addAll(request.getTaskProgressList());
    results.addAll(request.getTaskResultsList());
    queryResults.addAll(request.getQueryResultsList());
  }
}
