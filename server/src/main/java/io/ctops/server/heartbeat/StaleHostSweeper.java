package io.ctops.server.heartbeat;

import io.ctops.server.enrolment.AgentHistory;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks hosts offline that went quiet without closing their stream (a hung agent, a half-open
 * connection, an ingest instance that died): no heartbeat within twice the host's interval. Safe to
 * run on every instance at once; each host flips once.
 */
public final class StaleHostSweeper {
  private static final Logger log = LoggerFactory.getLogger(StaleHostSweeper.class);

  private final Jdbi jdbi;
  private final Clock clock;
  private final Supplier<Instant> writtenThrough;

  /**
   * {@code writtenThrough}: the time before which every heartbeat this instance received is in the
   * database. A host counts as quiet from then, not from now: while the vitals flush lags, its
   * heartbeats are still on their way to {@code last_seen}, and marking it offline would only make
   * the flush bring it back (a history row and two host updates each, which made the lag worse: at
   * 70,000 agents one sweep marked 53,000 live hosts offline).
   */
  public StaleHostSweeper(Jdbi jdbi, Clock clock, Supplier<Instant> writtenThrough) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.writtenThrough = writtenThrough;
  }

  private record Stale(UUID agentId, int intervalSeconds) {}

  /** Hosts marked offline per transaction, so that their rows are not held for long. */
  static final int BATCH = 1_000;

  /** Returns how many hosts went offline. */
  public int sweep() {
    int total = 0;
    int marked;
    do {
      marked = sweepBatch();
      total += marked;
    } while (marked == BATCH);
    if (total > 0) {
      log.info("event=hosts_marked_offline count={}", total);
    }
    return total;
  }

  private int sweepBatch() {
    return jdbi.inTransaction(
        handle -> {
          List<Stale> rows =
              handle
                  .createQuery(
                      """
                      UPDATE hosts h SET status = 'offline'
                      FROM (
                          SELECT v.host_id, v.heartbeat_interval_seconds
                            FROM host_vitals v
                           CROSS JOIN LATERAL (
                                 SELECT least(now(), CAST(:writtenThrough AS timestamptz))
                                        - make_interval(secs => 2 * v.heartbeat_interval_seconds)
                                        AS before) quiet
                            JOIN hosts s ON s.id = v.host_id
                           WHERE s.status = 'online'
                             -- the narrow vitals rows first: only the quiet ones join hosts
                             AND v.host_status = 'online'
                             AND (v.last_seen IS NULL OR v.last_seen < quiet.before)
                             -- quiet since its last heartbeat, or since its stream opened
                             AND greatest(v.last_seen, s.stream_opened_at) < quiet.before
                           LIMIT :batch
                             -- a row locked right now is being written by a heartbeat or a
                             -- stream's transition: it is not stale, and waiting for it would
                             -- queue behind the vitals flush (and it behind us)
                             FOR NO KEY UPDATE OF v, s SKIP LOCKED) stale
                      WHERE h.id = stale.host_id
                      RETURNING h.agent_id, stale.heartbeat_interval_seconds
                      """)
                  .bind("batch", BATCH)
                  .bind("writtenThrough", Timestamp.from(writtenThrough.get()))
                  .map((rs, ctx) -> new Stale(rs.getObject(1, UUID.class), rs.getInt(2)))
                  .list();
          List<Stale> withAgent = rows.stream().filter(row -> row.agentId() != null).toList();
          List<UUID> agents = withAgent.stream().map(Stale::agentId).toList();
          handle
              .createUpdate(
                  "UPDATE agents SET status = 'offline' WHERE id = ANY(:ids) AND status = 'active'")
              .bind("ids", agents.toArray(UUID[]::new))
              .execute();
          AgentHistory.recordAll(
              handle,
              agents,
              "offline",
              withAgent.stream()
                  .map(
                      row ->
                          "no heartbeat within 2x the interval ("
                              + 2 * row.intervalSeconds()
                              + " s)")
                  .toList(),
              clock);
          return rows.size();
        });
  }
}
