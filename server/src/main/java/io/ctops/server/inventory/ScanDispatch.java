package io.ctops.server.inventory;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BiPredicate;
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

  /** A queued scan and the agent it is for. */
  public record Pending(UUID scanId, UUID agentId) {}

  /** Agents looked up per query when dispatching. */
  static final int DISPATCH_BATCH = 20_000;

  /**
   * Offers each undispatched queued scan of the {@code connected} agents (those whose streams this
   * instance holds) to {@code offer} (true when it took it); the taken ones are marked dispatched.
   * Only connected agents' scans are looked at, so scans of agents that are offline or on another
   * ingest instance never hold up the ones that can go now.
   */
  public int dispatch(java.util.Collection<UUID> connected, BiPredicate<UUID, UUID> offer) {
    List<UUID> agents = List.copyOf(connected);
    int taken = 0;
    for (int from = 0; from < agents.size(); from += DISPATCH_BATCH) {
      List<UUID> batch = agents.subList(from, Math.min(agents.size(), from + DISPATCH_BATCH));
      List<Pending> pending =
          jdbi.withHandle(
              handle ->
                  handle
                      .createQuery(
                          """
                          SELECT s.id, h.agent_id FROM software_scans s
                            JOIN hosts h ON h.id = s.host_id
                           WHERE s.status = 'queued' AND s.dispatched_at IS NULL
                             AND h.agent_id = ANY(:agents)
                           ORDER BY s.queued_at LIMIT 1000
                          """)
                      .bindArray("agents", UUID.class, batch)
                      .map(
                          (rs, ctx) ->
                              new Pending(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)))
                      .list());
      List<UUID> dispatched = new java.util.ArrayList<>();
      for (Pending p : pending) {
        if (offer.test(p.agentId(), p.scanId())) {
          dispatched.add(p.scanId());
        }
      }
      if (!dispatched.isEmpty()) {
        jdbi.useHandle(
            handle ->
                handle
                    .createUpdate(
                        "UPDATE software_scans SET dispatched_at = :now"
                            + " WHERE id = ANY(:ids) AND dispatched_at IS NULL")
                    .bind("now", Timestamp.from(clock.instant()))
                    .bindArray("ids", UUID.class, dispatched)
                    .execute());
      }
      taken += dispatched.size();
    }
    return taken;
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
