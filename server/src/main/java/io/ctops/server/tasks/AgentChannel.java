package io.ctops.server.tasks;

import io.ctops.protocol.v1.AgentTask;
import java.util.UUID;

/** The agents whose heartbeat streams this ingest instance holds, as task dispatch sees them. */
public interface AgentChannel {

  /** Whether the agent's stream is on this instance and can take a task now. */
  boolean canTake(UUID agentId);

  /** Sends the task on the agent's stream; false when the stream is gone or busy. */
  boolean offer(UUID agentId, AgentTask task);

  /** Tells the agent to stop a task; false when its stream is not on this instance. */
  boolean cancel(UUID agentId, String taskId);
}
