/**
 * Deleting a host together with its agent: an {@code agent_uninstall} task goes out first, the
 * agent confirms and runs its uninstaller detached, and the host is deleted when the task ends —
 * confirmed, failed or not answered within two minutes.
 */
package io.ctops.server.uninstall;
