package io.ctops.server.inventory;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import org.jdbi.v3.core.Jdbi;

/**
 * Gets scans to agents and keeps them coming: queued scans go to the agent of their host when it
 * holds a heartbeat stream on this ingest instance (its next answer carries the task); every
 * minute, online hosts whose last completed scan is older than their organisation's interval get
 * one queued, and scans that stopped progressing fail.
 */
public final class ScanDispatch {
  public static final String TASK_TYPE = "software_inventory_scan";
  static final Duration STALE_AFTER = Duration.ofMinutes(30);

  private final Jdbi jdbi;
  private final SoftwareScans scans;
  private final Clock clock;

  public ScanDispatch(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.scans = new SoftwareScans(jdbi, clock);
    this.clock = clock;
  }

  /** Queued scans read per query when dispatching. */
  static final int PAGE = 5_000;

  /** Queued scans looked at per dispatch run at most; the next run goes on from there. */
  static final int READ_PER_RUN = 20_000;

  /** Where the last run stopped reading the queue: (queued_at, id) of its last row. */
  private Timestamp afterQueuedAt;

  private UUID afterId;

  /**
   * Offers each undispatched queued scan of a {@code connected} agent (one whose stream this
   * instance holds) to {@code offer} (true when it took it); the taken ones are marked dispatched.
   * The queue is read oldest first and the connected check is made here, so a quiet queue costs one
   * index probe however many agents are connected. Scans of agents that are offline or on another
   * ingest instance never hold up the ones that can go now: a run reads at most {@link
   * #READ_PER_RUN} of them and the next run carries on after the last one read, wrapping round.
   */
  public synchronized int dispatch(Predicate<UUID> connected, BiPredicate<UUID, UUID> offer) {
    int taken = 0;
    int read = 0;
    while (read < READ_PER_RUN) {
      List<Queued> page = page(afterQueuedAt, afterId);
      read += page.size();
      List<UUID> dispatched = new ArrayList<>();
      for (Queued queued : page) {
        if (connected.test(queued.agentId()) && offer.test(queued.agentId(), queued.scanId())) {
          dispatched.add(queued.scanId());
        }
      }
      markDispatched(dispatched);
      taken += dispatched.size();
      if (page.size() < PAGE) {
        // the end of the queue: the next run starts from its oldest scan again
        afterQueuedAt = null;
        afterId = null;
        break;
      }
      afterQueuedAt = page.getLast().queuedAt();
      afterId = page.getLast().scanId();
    }
    return taken;
  }

  private record Queued(UUID scanId, Timestamp queuedAt, UUID agentId) {}

  private List<Queued> page(Timestamp queuedAt, UUID id) {
    String after = queuedAt == null ? "" : "AND (s.queued_at, s.id) > (:queuedAt, :id)";
    return jdbi.withHandle(
        handle -> {
          var query =
              handle
                  .createQuery(
                      """
                      SELECT s.id, s.queued_at, h.agent_id FROM software_scans s
                        JOIN hosts h ON h.id = s.host_id
                       WHERE s.status = 'queued' AND s.dispatched_at IS NULL
                         AND h.agent_id IS NOT NULL %s
                       ORDER BY s.queued_at, s.id
                       LIMIT :page
                      """
                          .formatted(after))
                  .bind("page", PAGE);
          if (queuedAt != null) {
            query.bind("queuedAt", queuedAt).bind("id", id);
          }
          return query
              .map(
                  (rs, ctx) ->
                      new Queued(
                          rs.getObject(1, UUID.class),
                          rs.getTimestamp(2),
                          rs.getObject(3, UUID.class)))
              .list();
        });
  }

  private void markDispatched(List<UUID> scans) {
    if (scans.isEmpty()) {
      return;
    }
    jdbi.useHandle(
        handle ->
            handle
                .createUpdate(
                    "UPDATE software_scans SET dispatched_at = :now"
                        + " WHERE id = ANY(:ids) AND dispatched_at IS NULL")
                .bind("now", Timestamp.from(clock.instant()))
                .bindArray("ids", UUID.class, scans)
                .execute());
  }

  /** Queues the scans that are due and fails the stale ones; returns how many were queued. */
  public int sweep() {
    scans.failStale(STALE_AFTER);
    return jdbi.withHandle(
        handle ->
            handle
                .createUpdate(
                    """
                    INSERT INTO software_scans (org_id, host_id, status, queued_at)
                    SELECT h.org_id, h.id, 'queued', :now
                      FROM hosts h JOIN organisations o ON o.id = h.org_id
                     WHERE h.status = 'online' AND h.deleted_at IS NULL
                       AND NOT EXISTS (
                           SELECT 1 FROM software_scans s
                            WHERE s.host_id = h.id
                              AND (s.status IN ('queued', 'running')
                                   OR (s.status = 'completed' AND s.finished_at
                                       > CAST(:now AS timestamptz)
                                         - make_interval(hours => o.inventory_scan_interval_hours))))
                    ON CONFLICT DO NOTHING
                    """)
                .bind("now", Timestamp.from(clock.instant()))
                .execute());
  }

  /** An agent reported that it could not run the scan. */
  public void failedOnAgent(UUID hostId, String taskId, String output) {
    try {
      UUID scanId = UUID.fromString(taskId);
      scans
          .find(scanId)
          .filter(s -> s.hostId().equals(hostId))
          .ifPresent(s -> scans.fail(s.id(), "the agent could not scan: " + output));
    } catch (IllegalArgumentException e) {
      // not one of ours
    }
  }
}
