package io.ctops.server.metrics;

import java.util.UUID;

/**
 * One vitals sample of one host: a row of {@code host_metrics}, unique by (host, second). The
 * network rates are null when the agent did not send them (agents that do not measure traffic).
 */
public record MetricSample(
    UUID hostId,
    long timestampUnix,
    float cpuPercent,
    float memoryPercent,
    float diskPercent,
    Long netRxBytesPerSecond,
    Long netTxBytesPerSecond) {}
