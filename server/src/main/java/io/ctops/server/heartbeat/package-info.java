/**
 * Heartbeat streams: the connected agents of this ingest instance, vitals batching, host
 * online/offline status and the stale-host sweep.
 */
package io.ctops.server.heartbeat;
