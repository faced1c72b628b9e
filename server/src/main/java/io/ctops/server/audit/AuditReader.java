package io.ctops.server.audit;

import java.util.UUID;

/**
 * Who reads the log: an admin of {@code orgId}; a super admin ({@code mayReadAll}) may also ask for
 * every organisation's entries, including those of no organisation. The role that wires the pages
 * decides this from its own account model, so this package needs none.
 */
public record AuditReader(UUID orgId, boolean mayReadAll) {}
