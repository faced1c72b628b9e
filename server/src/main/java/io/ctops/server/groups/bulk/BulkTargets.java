package io.ctops.server.groups.bulk;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.HostScope;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * What bulk jobs need from the features that own host records, the host list and software scans.
 * Those features use {@code groups/} (tags), so this package reaches them only through this
 * interface, which the web role implements with them.
 */
public interface BulkTargets {
  /**
   * The ids of the hosts a host list view (its query string's parameters) matches within the scope,
   * at most {@code limit}; a bad parameter is an {@code HttpProblem} 400 naming it.
   */
  List<UUID> matching(
      Handle handle, UUID orgId, HostScope scope, Map<String, List<String>> query, int limit);

  /** Soft-deletes the organisation's live hosts among the ids; how many were deleted. */
  int softDelete(Handle handle, UUID orgId, Collection<UUID> hostIds, Actor by);

  /**
   * Has the agents of the online live hosts among the ids uninstall themselves (each host is
   * deleted when its uninstall ends) and soft-deletes the other live hosts at once; how many were
   * acted on.
   */
  int uninstallAndDelete(
      Handle handle, UUID orgId, Collection<UUID> hostIds, Actor by, boolean removeData);

  /**
   * Queues a software scan of each online live host among the ids that has none under way; how many
   * were queued.
   */
  int queueScans(Handle handle, UUID orgId, Collection<UUID> hostIds, Actor by);
}
