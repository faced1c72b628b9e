package io.ctops.server.heartbeat;

import io.ctops.protocol.v1.BufferedSample;
import io.ctops.protocol.v1.DiskInfo;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Duration;
import java.time.Instant;

/**
 * Checks a heartbeat before anything of it is used: percentages are real numbers from 0 to 100,
 * timestamps are not in the future (beyond a clock-skew allowance), and sizes are bounded. A bad
 * message ends the stream with {@code INVALID_ARGUMENT} and a message naming the field.
 */
final class HeartbeatValidation {
  static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(10);
  static final int MAX_SAMPLES = 3000;
  private static final int MAX_TEXT = 256;

  private HeartbeatValidation() {}

  static void check(HeartbeatRequest request, Instant now) throws StatusException {
    percent("cpu_percent", request.getCpuPercent());
    percent("memory_percent", request.getMemoryPercent());
    percent("disk_percent", request.getDiskPercent());
    if (request.getUptimeSeconds() < 0) {
      throw invalid("uptime_seconds must not be negative");
    }
    notInFuture("timestamp_unix", request.getTimestampUnix(), now);
    text("agent_version", request.getAgentVersion());
    text("os_version", request.getOsVersion());
    text("os", request.getOs());
    text("arch", request.getArch());
    for (DiskInfo disk : request.getDisksList()) {
      percent("disks.percent_used", disk.getPercentUsed());
    }
    if (request.getSamplesCount() > MAX_SAMPLES) {
      throw invalid("samples holds " + request.getSamplesCount() + "; at most " + MAX_SAMPLES);
    }
    for (BufferedSample sample : request.getSamplesList()) {
      if (sample.getTimestampUnix() <= 0) {
        throw invalid("samples.timestamp_unix must be set");
      }
      notInFuture("samples.timestamp_unix", sample.getTimestampUnix(), now);
      percent("samples.cpu_percent", sample.getCpuPercent());
      percent("samples.memory_percent", sample.getMemoryPercent());
      percent("samples.disk_percent", sample.getDiskPercent());
      nonNegative("samples.net_rx_bytes_per_sec", sample.getNetRxBytesPerSec());
      nonNegative("samples.net_tx_bytes_per_sec", sample.getNetTxBytesPerSec());
    }
    nonNegative("net_rx_bytes_per_sec", request.getNetRxBytesPerSec());
    nonNegative("net_tx_bytes_per_sec", request.getNetTxBytesPerSec());
  }

  private static void percent(String field, float value) throws StatusException {
    if (!Float.isFinite(value) || value < 0 || value > 100) {
      throw invalid(field + " must be a number from 0 to 100, got " + value);
    }
  }

  private static void notInFuture(String field, long unixSeconds, Instant now)
      throws StatusException {
    if (unixSeconds > now.plus(MAX_CLOCK_SKEW).getEpochSecond()) {
      throw invalid(
          field
              + " is more than "
              + MAX_CLOCK_SKEW.toMinutes()
              + " minutes in the future; check the agent's clock");
    }
    if (unixSeconds < 0) {
      throw invalid(field + " must not be negative");
    }
  }

  private static void nonNegative(String field, long value) throws StatusException {
    // uint64 on the wire: above 2^63 arrives negative.
    if (value < 0) {
      throw invalid(field + " is out of range");
    }
  }

  private static void text(String field, String value) throws StatusException {
    if (value.length() > MAX_TEXT) {
      throw invalid(field + " is longer than " + MAX_TEXT + " characters");
    }
  }

  private static StatusException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asException();
  }
}
