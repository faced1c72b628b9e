package io.ctops.server.queries;

import io.ctops.protocol.v1.AgentQuery;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Puts waiting questions on the streams of the agents this ingest instance holds. Every instance
 * reads the same rows and sends only to its own agents; a question no instance can send (its agent
 * is offline) stays waiting until it is replaced or too old to matter.
 */
public final class QueryDispatch {
  static final int PAGE = 5_000;

  /** A question older than this is no longer sent: whoever asked has stopped waiting. */
  static final Duration TOO_OLD = Duration.ofMinutes(5);

  private final Jdbi jdbi;
  private final QueryChannel agents;
  private final Clock clock;

  public QueryDispatch(Jdbi jdbi, QueryChannel agents, Clock clock) {
    this.jdbi = jdbi;
    this.agents = agents;
    this.clock = clock;
  }

  private record Waiting(UUID hostId, String type, UUID queryId, UUID agentId) {}

  /** Sends what can go out from here; returns how many questions went. */
  public synchronized int run() {
    List<Waiting> waiting =
        jdbi.withHandle(
            handle ->
                handle
                    .createQuery(
                        """
                        SELECT q.host_id, q.type, q.query_id, h.agent_id
                          FROM host_queries q JOIN hosts h ON h.id = q.host_id
                         WHERE q.sent_at IS NULL AND q.requested_at > :since
                           AND h.agent_id IS NOT NULL AND h.deleted_at IS NULL
                         ORDER BY q.requested_at LIMIT :page
                        """)
                    .bind("since", Timestamp.from(clock.instant().minus(TOO_OLD)))
                    .bind("page", PAGE)
                    .map(
                        (rs, ctx) ->
                            new Waiting(
                                rs.getObject(1, UUID.class),
                                rs.getString(2),
                                rs.getObject(3, UUID.class),
                                rs.getObject(4, UUID.class)))
                    .list());
    List<Waiting> sent = new ArrayList<>();
    for (Waiting query : waiting) {
      AgentQuery question =
          AgentQuery.newBuilder()
              .setQueryId(query.queryId().toString())
              .setQueryType(query.type())
              .build();
      if (agents.ask(query.agentId(), question)) {
        sent.add(query);
      }
    }
    if (!sent.isEmpty()) {
      jdbi.useHandle(
          handle ->
              handle
                  .createUpdate(
                      """
                      UPDATE host_queries q SET sent_at = :now
                        FROM unnest(:hosts, :types, :queries) AS s (host, type, query)
                       WHERE q.host_id = s.host AND q.type = s.type AND q.query_id = s.query
                      """)
                  .bind("now", Timestamp.from(clock.instant()))
                  .bindArray("hosts", UUID.class, sent.stream().map(Waiting::hostId).toList())
                  .bindArray("types", String.class, sent.stream().map(Waiting::type).toList())
                  .bindArray("queries", UUID.class, sent.stream().map(Waiting::queryId).toList())
                  .execute());
    }
    return sent.size();
  }
}
