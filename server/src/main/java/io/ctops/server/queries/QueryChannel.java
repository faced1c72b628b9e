package io.ctops.server.queries;

import io.ctops.protocol.v1.AgentQuery;
import java.util.UUID;

/** The agents whose heartbeat streams this ingest instance holds, as query dispatch sees them. */
public interface QueryChannel {

  /** Sends the question on the agent's stream at once; false when the stream is not here. */
  boolean ask(UUID agentId, AgentQuery query);
}
