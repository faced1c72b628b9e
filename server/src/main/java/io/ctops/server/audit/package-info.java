/**
 * The audit log: every state-changing action of a user, an API key or the server's own tools is
 * written by {@link io.ctops.server.audit.AuditLog} in the action's transaction; the Audit page,
 * its CSV export and {@code GET /api/v1/audit} read it, a host's History merges it with the agent
 * status history, and a periodic job purges entries older than the retention.
 */
package io.ctops.server.audit;
