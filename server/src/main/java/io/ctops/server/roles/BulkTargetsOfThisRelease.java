package io.ctops.server.roles;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.HostScope;
import io.ctops.server.groups.bulk.BulkTargets;
import io.ctops.server.hosts.HostListParams;
import io.ctops.server.hosts.HostListQuery;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.inventory.SoftwareScans;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Bulk jobs' way to the host list, host records and software scans, which own those rows. */
final class BulkTargetsOfThisRelease implements BulkTargets {
  private final HostListQuery hostList;
  private final SoftwareScans scans;
  private final Clock clock;

  BulkTargetsOfThisRelease(HostListQuery hostList, SoftwareScans scans, Clock clock) {
    this.hostList = hostList;
    this.scans = scans;
    this.clock = clock;
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
  public int queueScans(Handle handle, UUID orgId, Collection<UUID> hostIds, Actor by) {
    return scans.queueAll(handle, orgId, hostIds, by);
  }
}
