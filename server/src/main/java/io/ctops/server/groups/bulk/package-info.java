/**
 * Bulk actions on hosts: one request over many hosts (checked rows, everything a host list view
 * matches, or a host selector) becomes one job, worked through in chunks by the web role's runner
 * and recorded once in the audit log with its counts.
 */
package io.ctops.server.groups.bulk;
