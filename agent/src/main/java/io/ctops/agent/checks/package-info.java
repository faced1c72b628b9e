/**
 * Health checks the server defines for this host (port, process, http, certificate, cert_file,
 * service, file): run on their own schedules, their results carried on the heartbeats.
 */
package io.ctops.agent.checks;
