package io.ctops.server.queries;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Asks hosts' agents questions and reads their latest answers. A question is asked at most every
 * {@link #MIN_INTERVAL} per host and kind (a page that stays open asks again on its own), and not
 * again while one is waiting, unless it has waited {@link #PATIENCE} (the agent went away or does
 * not answer this kind).
 */
public final class HostQueries {
  /** A newer question than this is not asked again: its answer is fresh enough. */
  public static final Duration MIN_INTERVAL = Duration.ofSeconds(10);

  /** How long a question waits for its answer before another may replace it. */
  public static final Duration PATIENCE = Duration.ofSeconds(75);

  // items are stored with what the API shows of them (running, failed …), read back without it
  static final ObjectMapper JSON =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Jdbi jdbi;
  private final Clock clock;

  public HostQueries(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** Asks the host's agent (unless a recent question makes it needless); returns the state now. */
  public <T> QueryState<T> ask(UUID hostId, QueryType type, Class<T> item) {
    jdbi.useHandle(handle -> ask(handle, hostId, type, clock.instant(), false));
    return state(hostId, type, item);
  }

  /**
   * Asks in the caller's transaction. {@code force} asks even when the last answer is fresh (after
   * an action changed what it lists); a question already waiting is left to be answered.
   */
  public static void ask(Handle handle, UUID hostId, QueryType type, Instant now, boolean force) {
    handle
        .createUpdate(
            """
            INSERT INTO host_queries (host_id, type, query_id, requested_at)
            VALUES (:host, :type, :query, :now)
            ON CONFLICT (host_id, type) DO UPDATE
               SET query_id = EXCLUDED.query_id, requested_at = EXCLUDED.requested_at,
                   sent_at = NULL
             WHERE CASE
                     WHEN host_queries.answered_query_id IS DISTINCT FROM host_queries.query_id
                       THEN host_queries.requested_at < :overdue
                     ELSE :force OR host_queries.requested_at < :fresh
                   END
            """)
        .bind("host", hostId)
        .bind("type", type.wireName())
        .bind("query", UUID.randomUUID())
        .bind("now", Timestamp.from(now))
        .bind("overdue", Timestamp.from(now.minus(PATIENCE)))
        .bind("fresh", Timestamp.from(now.minus(MIN_INTERVAL)))
        .bind("force", force)
        .execute();
  }

  /** The latest question and answer of this kind for the host. */
  public <T> QueryState<T> state(UUID hostId, QueryType type, Class<T> item) {
    JavaType listType = JSON.getTypeFactory().constructCollectionType(List.class, item);
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    """
                    SELECT requested_at, answered_query_id IS DISTINCT FROM query_id,
                           answered_at, status, error, items::text
                      FROM host_queries WHERE host_id = :host AND type = :type
                    """)
                .bind("host", hostId)
                .bind("type", type.wireName())
                .map(
                    (rs, ctx) ->
                        new QueryState<T>(
                            type,
                            rs.getTimestamp(1).toInstant(),
                            rs.getBoolean(2),
                            instant(rs.getTimestamp(3)),
                            "error".equals(rs.getString(4)),
                            rs.getString(5),
                            items(rs.getString(6), listType)))
                .findOne()
                .orElse(QueryState.never(type)));
  }

  private static <T> List<T> items(String json, JavaType listType) {
    try {
      return JSON.readValue(json, listType);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }
}
