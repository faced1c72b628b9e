package io.ctops.agent;

import io.ctops.protocol.v1.AgentQuery;
import io.ctops.protocol.v1.AgentTask;
import io.ctops.protocol.v1.CheckDefinition;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.TerminalSessionRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** What the server pushed on a heartbeat stream, one short line per push, in order. */
final class RecordingListener implements HeartbeatSession.Listener {
  private final List<String> pushed = new CopyOnWriteArrayList<>();
  private final List<CheckDefinition> lastChecks = new CopyOnWriteArrayList<>();

  /** The pushes so far. */
  List<String> pushed() {
    return pushed;
  }

  /** Waits up to 5 s until at least {@code count} pushes arrived; returns them all. */
  List<String> awaitPushes(int count) throws InterruptedException {
    for (int i = 0; i < 500 && pushed.size() < count; i++) {
      Thread.sleep(10);
    }
    return List.copyOf(pushed);
  }

  /** The checks of the last {@link #checksArrived} push. */
  List<CheckDefinition> lastChecks() {
    return List.copyOf(lastChecks);
  }

  @Override
  public void answered() {
    pushed.add("answered");
  }

  @Override
  public void certificateArrived(HeartbeatResponse response) {
    pushed.add("certificate");
  }

  @Override
  public void taskArrived(AgentTask task) {
    pushed.add("task " + task.getTaskId() + " " + task.getTaskType());
  }

  @Override
  public void taskCancelled(String taskId) {
    pushed.add("cancel " + taskId);
  }

  @Override
  public void queryArrived(AgentQuery query) {
    pushed.add("query " + query.getQueryId() + " " + query.getQueryType());
  }

  @Override
  public void terminalArrived(TerminalSessionRequest request) {
    pushed.add("terminal " + request.getSessionId());
  }

  @Override
  public void terminalCancelled(String sessionId) {
    pushed.add("end terminal " + sessionId);
  }

  @Override
  public void checksArrived(List<CheckDefinition> checks, boolean replace) {
    lastChecks.clear();
    lastChecks.addAll(checks);
    pushed.add(
        "checks "
            + checks.stream().map(CheckDefinition::getCheckId).toList()
            + (replace ? " replace" : ""));
  }
}
