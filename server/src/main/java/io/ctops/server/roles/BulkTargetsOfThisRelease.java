package io.ctops.server.roles;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.HostScope;
import io.ctops.server.groups.bulk.BulkTargets;
import io.ctops.server.hosts.HostListParams;
import io.ctops.server.hosts.HostListQuery;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.inventory.SoftwareScans;
import io.ctops.server.tasks.TaskQueue;
import io.ctops.server.tasks.TaskType;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Bulk jobs' way to the host list, host records, software scans and agent uninstalls, which own
 * those rows.
 */
final class BulkTargetsOfThisRelease implements BulkTargets {
  private final HostListQuery hostList;
  private final SoftwareScans scans;
  private final Clock clock;
  private final TaskType uninstall;

  BulkTargetsOfThisRelease(
      HostListQuery hostList, SoftwareScans scans, Clock clock, TaskType uninstall) {
    this.hostList = hostList;
    this.scans = scans;
    this.clock = clock;
    this.uninstall = uninstall;
  }

  @Override
  public List<UUID> matching(
      Handle handle, UUID orgId, HostScope scope, Map<String, List<String>> query, int limit) {
    return hostList.matchingIds(handle, orgId, scope, HostListParams.parse(query), limit);
  }

  @Override
  public int softDelete(Handle handle, UUID orgId, Collection<UUID> hostIds, Actor by) {
    return HostRecords.softDeleteAll(handle, orgId, hostIds, by, clock.instant());
  }

  @Override
  public int uninstallAndDelete(
      Handle handle, UUID orgId, Collection<UUID> hostIds, Actor by, boolean removeData) {
    // online hosts whose agent is not uninstalling already
    List<UUID> online =
        handle
            .createQuery(
                """
                SELECT h.id FROM hosts h
                 WHERE h.org_id = :org AND h.deleted_at IS NULL AND h.id = ANY(:ids)
                   AND h.status = 'online' AND h.agent_id IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM tasks t
                                    WHERE t.host_id = h.id AND t.type = 'agent_uninstall'
                                      AND t.state IN ('queued', 'dispatched', 'running'))
                """)
            .bind("org", orgId)
            .bindArray("ids", UUID.class, hostIds)
            .mapTo(UUID.class)
            .list();
    int uninstalling =
        TaskQueue.insertAll(
            handle,
            uninstall,
            JsonNodeFactory.instance.objectNode().put("remove_data", removeData),
            by,
            clock.instant(),
            online.stream().map(id -> UUID.randomUUID()).toList(),
            online.stream().map(id -> orgId).toList(),
            online);
    // the others go now; a host already uninstalling goes when its uninstall ends
    List<UUID> rest =
        handle
            .createQuery(
                """
                SELECT h.id FROM hosts h
                 WHERE h.id = ANY(:ids) AND h.id <> ALL(:online)
                   AND NOT EXISTS (SELECT 1 FROM tasks t
                                    WHERE t.host_id = h.id AND t.type = 'agent_uninstall'
                                      AND t.state IN ('queued', 'dispatched', 'running'))
                """)
            .bindArray("ids", UUID.class, hostIds)
            .bindArray("online", UUID.class, online)
            .mapTo(UUID.class)
            .list();
    return uninstalling + HostRecords.softDeleteAll(handle, orgId, rest, by, clock.instant());
  }

  @Override
  public int queueScans(Handle handle, UUID orgId, Collection<UUID> hostIds, Actor by) {
    return scans.queueAll(handle, orgId, hostIds, by);
  }
}
