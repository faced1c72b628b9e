package io.ctops.server.heartbeat;

import java.time.Instant;
import java.util.UUID;

/**
 * The latest vitals of one host, as its last heartbeat reported them. {@code osStored} belongs to
 * the stream that reported them: what the vitals flush found or wrote as the host's OS version.
 */
record HostVitals(
    UUID hostId,
    float cpuPercent,
    float memoryPercent,
    float diskPercent,
    long uptimeSeconds,
    long netRxBytesPerSec,
    long netTxBytesPerSec,
    String osVersion,
    int heartbeatIntervalSeconds,
    Instant seenAt,
    StoredOsVersion osStored) {

  /**
   * One stream's knowledge of its host's OS version in {@code hosts}: set by the vitals flush once
   * it found or wrote the version reported, so repeating it costs no read of {@code hosts}. A new
   * stream starts without it.
   */
  static final class StoredOsVersion {
    private volatile String version;

    boolean is(String reported) {
      return reported.equals(version);
    }

    void set(String stored) {
      version = stored;
    }
  }
}
