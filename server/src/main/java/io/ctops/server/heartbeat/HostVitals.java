package io.ctops.server.heartbeat;

import java.time.Instant;
import java.util.UUID;

/** The latest vitals of one host, as its last heartbeat reported them. */
record HostVitals(
    UUID hostId,
    float cpuPercent,
    float memoryPercent,
    float diskPercent,
    long uptimeSeconds,
    String osVersion,
    int heartbeatIntervalSeconds,
    Instant seenAt) {}
