/**
 * Markdown notes on hosts and host groups: who wrote them and when, every edit kept as a revision,
 * pinning, soft deletion, safe rendering, the notes pages and panel, and the notes API.
 */
package io.ctops.server.groups.notes;
