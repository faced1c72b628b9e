package io.ctops.server.certificates;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctops.server.auth.Role;
import io.ctops.server.tasks.TaskType;
import java.time.Duration;

/**
 * An operator asks a host's agent to look for certificates now rather than at its next scan (every
 * 6 hours by default): the agent scans its files and TLS services and sends the scan ({@code
 * SubmitCertificates}), then reports the task's result. Agents without discovery (the original
 * CT-Ops agent) refuse the task, which then fails with their reason.
 */
public final class CertificateScanTask implements TaskType {
  public static final String NAME = "certificate_scan";

  public static final CertificateScanTask TYPE = new CertificateScanTask();

  private CertificateScanTask() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public JsonNode parameters(JsonNode given) throws InvalidParameters {
    if (!given.isObject() || !given.isEmpty()) {
      throw new InvalidParameters("a certificate scan takes no parameters; send {}");
    }
    return given;
  }

  @Override
  public boolean mayRequest(Role role) {
    return role != Role.READ_ONLY;
  }

  @Override
  public Duration timeout() {
    return Duration.ofMinutes(10);
  }
}
