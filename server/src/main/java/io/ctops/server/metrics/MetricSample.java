package io.ctops.server.metrics;

import java.util.UUID;

/** One vitals sample of one host: a row of {@code host_metrics}, unique by (host, second). */
public record MetricSample(
    UUID hostId,
    long timestampUnix,
    float cpuPercent,
    float memoryPercent,
    float diskPercent,
    long netRxBytesPerSecond,
    long netTxBytesPerSecond) {}
