package io.ctops.server.queries;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A host's latest question of one kind and the latest answer: the items (services or ports), when
 * they came, and whether a newer question is still waiting for the agent.
 *
 * @param requestedAt when the latest question was asked; null when none ever was
 * @param answeredAt when the latest answer came; null when none came yet
 * @param error the agent's reason when it could not answer (status "error")
 */
public record QueryState<T>(
    QueryType type,
    Instant requestedAt,
    boolean waiting,
    Instant answeredAt,
    boolean failed,
    String error,
    List<T> items) {

  /** No question asked yet. */
  public static <T> QueryState<T> never(QueryType type) {
    return new QueryState<>(type, null, false, null, false, null, List.of());
  }

  public boolean hasAnswer() {
    return answeredAt != null;
  }

  /** A question waiting longer than this was probably lost (the agent went away, or ignores it). */
  public boolean isOverdue(Instant now, Duration patience) {
    return waiting && requestedAt.plus(patience).isBefore(now);
  }
}
