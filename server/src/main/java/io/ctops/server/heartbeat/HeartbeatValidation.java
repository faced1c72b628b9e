package io.ctops.server.heartbeat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.ctops.protocol.v1.AgentQueryResult;
import io.ctops.protocol.v1.AgentTaskProgress;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.BufferedSample;
import io.ctops.protocol.v1.CheckResult;
import io.ctops.protocol.v1.DiskInfo;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.NetworkInterface;
import io.ctops.protocol.v1.PortInfo;
import io.ctops.protocol.v1.ServiceInfo;
import io.ctops.server.platform.grpc.AgentText;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a heartbeat before anything of it is used: no NUL in any text but the agent's free text
 * (task output and errors, check output, query errors: made storable where they are written),
 * percentages are real numbers from 0 to 100, timestamps are not in the future (beyond a clock-skew
 * allowance), and sizes are bounded. A bad message ends the stream with {@code INVALID_ARGUMENT}
 * and a message naming the field.
 */
final class HeartbeatValidation {
  static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(10);
  static final int MAX_SAMPLES = 3000;
  static final int MAX_CHECK_RESULTS = 5000;
  private static final int MAX_TEXT = 256;
  // Paths (mount points, devices, a process's command) may be as long as Linux allows.
  private static final int MAX_PATH = 4096;
  // The first message may carry the JWT here (older agents).
  private static final int MAX_AGENT_ID = 8192;

  private static final Set<FieldDescriptor> FREE_TEXT =
      Set.of(
          AgentTaskProgress.getDescriptor()
              .findFieldByNumber(AgentTaskProgress.OUTPUT_CHUNK_FIELD_NUMBER),
          AgentTaskResult.getDescriptor().findFieldByNumber(AgentTaskResult.ERROR_FIELD_NUMBER),
          AgentTaskResult.getDescriptor()
              .findFieldByNumber(AgentTaskResult.RESULT_JSON_FIELD_NUMBER),
          CheckResult.getDescriptor().findFieldByNumber(CheckResult.OUTPUT_FIELD_NUMBER),
          AgentQueryResult.getDescriptor().findFieldByNumber(AgentQueryResult.ERROR_FIELD_NUMBER));

  private HeartbeatValidation() {}

  static void check(HeartbeatRequest request, Instant now) throws StatusException {
    Optional<String> nul = AgentText.nulIn(request, FREE_TEXT);
    if (nul.isPresent()) {
      throw invalid(nul.get());
    }
    text("agent_id", request.getAgentId(), MAX_AGENT_ID);
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
    text("pinned_server_cert_fingerprint", request.getPinnedServerCertFingerprint());
    for (DiskInfo disk : request.getDisksList()) {
      percent("disks.percent_used", disk.getPercentUsed());
      text("disks.mount_point", disk.getMountPoint(), MAX_PATH);
      text("disks.device", disk.getDevice(), MAX_PATH);
      text("disks.fs_type", disk.getFsType());
    }
    for (NetworkInterface nic : request.getNetworkInterfacesList()) {
      text("network_interfaces.name", nic.getName());
      text("network_interfaces.mac_address", nic.getMacAddress());
      for (String address : nic.getIpAddressesList()) {
        text("network_interfaces.ip_addresses", address);
      }
    }
    for (CheckResult result : request.getCheckResultsList()) {
      text("check_results.check_id", result.getCheckId());
      text("check_results.status", result.getStatus());
    }
    for (AgentQueryResult result : request.getQueryResultsList()) {
      text("query_results.query_id", result.getQueryId());
      text("query_results.query_type", result.getQueryType());
      text("query_results.status", result.getStatus());
      for (PortInfo port : result.getPortsList()) {
        text("query_results.ports.protocol", port.getProtocol());
        text("query_results.ports.process", port.getProcess(), MAX_PATH);
        text("query_results.ports.address", port.getAddress());
      }
      for (ServiceInfo service : result.getServicesList()) {
        text("query_results.services.name", service.getName());
        text("query_results.services.load_state", service.getLoadState());
        text("query_results.services.active_sub", service.getActiveSub());
        text("query_results.services.unit_file_state", service.getUnitFileState());
        text("query_results.services.description", service.getDescription(), MAX_PATH);
      }
    }
    for (AgentTaskProgress progress : request.getTaskProgressList()) {
      text("task_progress.task_id", progress.getTaskId());
    }
    for (AgentTaskResult result : request.getTaskResultsList()) {
      text("task_results.task_id", result.getTaskId());
      text("task_results.task_type", result.getTaskType());
    }
    if (request.getCheckResultsCount() > MAX_CHECK_RESULTS) {
      throw invalid(
          "check_results holds "
              + request.getCheckResultsCount()
              + "; at most "
              + MAX_CHECK_RESULTS);
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
    text(field, value, MAX_TEXT);
  }

  private static void text(String field, String value, int limit) throws StatusException {
    if (value.length() > limit) {
      throw invalid(field + " is longer than " + limit + " characters");
    }
  }

  private static StatusException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asException();
  }
}
