package io.ctops.server.inventory;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ctops.server.audit.Actor;
import io.ctops.server.tasks.TaskQueue;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Keeps scans coming without being asked: at each sweep (every minute), online hosts whose last
 * completed scan is older than their organisation's interval get one queued (as a task, with the
 * scan's row).
 */
public final class DueScans {

  private final Jdbi jdbi;
  private final Clock clock;

  public DueScans(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  private record Due(UUID scanId, UUID orgId, UUID hostId) {}

  /** Queues the scans that are due; returns how many were queued. */
  public int sweep() {
    Instant now = clock.instant();
    return jdbi.inTransaction(
        handle -> {
          List<Due> due =
              handle
                  .createQuery(
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
                      RETURNING id, org_id, host_id
                      """)
                  .bind("now", Timestamp.from(now))
                  .map(
                      (rs, ctx) ->
                          new Due(
                              rs.getObject(1, UUID.class),
                              rs.getObject(2, UUID.class),
                              rs.getObject(3, UUID.class)))
                  .list();
          List<UUID> ids = new ArrayList<>(due.size());
          List<UUID> orgs = new ArrayList<>(due.size());
          List<UUID> hosts = new ArrayList<>(due.size());
          for (Due d : due) {
            ids.add(d.scanId());
            orgs.add(d.orgId());
            hosts.add(d.hostId());
          }
          return TaskQueue.insertAll(
              handle,
              SoftwareScanTask.TYPE,
              JsonNodeFactory.instance.objectNode(),
              Actor.system("scheduled software scan"),
              now,
              ids,
              orgs,
              hosts);
        });
  }
}
