package io.ctops.server.hosts;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.Principal;
import java.util.UUID;

/**
 * Deletes a host by first having its agent uninstall itself: queues that and returns the task; the
 * host is deleted when the task ends. Throws a 409 problem when the host's agent cannot now.
 */
@FunctionalInterface
public interface AgentUninstaller {
  UUID start(Principal admin, Actor by, HostDetail host, boolean removeData);
}
