package io.ctops.server.tasks;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;
import java.util.UUID;

/** A task as operators see it: what was asked, by whom, where it is and what the agent said. */
public record Task(
    UUID id,
    UUID hostId,
    String type,
    @JsonRawValue String parameters,
    String requestedBy,
    String requesterName,
    String state,
    String output,
    boolean outputTruncated,
    Integer exitCode,
    @JsonRawValue String result,
    String error,
    Instant queuedAt,
    Instant dispatchedAt,
    Instant startedAt,
    Instant finishedAt) {

  public boolean isFinished() {
    return TaskState.fromDb(state).isFinished();
  }
}
