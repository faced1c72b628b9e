/**
 * The CT-Ops agent: the program on every monitored host that enrols with a token and streams
 * heartbeats to ingest over the {@code agent.v1} protocol.
 */
package io.ctops.agent;
