package io.ctops.server.enrolment;

import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * What else happens, in the same transaction, when a host's agent becomes active (an auto-approved
 * registration or an administrator's approval). The roles wire the host's first software scan here,
 * so its Inventory fills on the agent's first heartbeat stream instead of after the next sweep of
 * due scans; enrolment stays unaware of inventory.
 */
@FunctionalInterface
public interface HostActivation {
  /** Nothing else: for tools and tests that run no inventory. */
  HostActivation NONE = (handle, orgId, hostId) -> {};

  void activated(Handle handle, UUID orgId, UUID hostId);
}
