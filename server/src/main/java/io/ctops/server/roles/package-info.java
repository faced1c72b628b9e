/**
 * The roles (ingest, web, the single server) and the task types of this release: each builds its
 * whole object graph with constructors and starts it. Sits above every feature; only the CLI
 * imports it.
 */
package io.ctops.server.roles;
