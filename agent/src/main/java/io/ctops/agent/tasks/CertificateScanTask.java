package io.ctops.agent.tasks;

import io.ctops.agent.certificates.CertificateDiscovery;
import io.ctops.agent.certificates.CertificateUpload;
import io.ctops.agent.certificates.ScanReport;
import io.ctops.agent.text.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A certificate discovery scan now ({@code certificate_scan}), rather than at the next interval:
 * scans on the agent's {@link CertificateDiscovery} (after any scan already running) and sends the
 * scan with {@code SubmitCertificates} under the task's id. Succeeds once ingest has stored it; the
 * result carries the scan's counts.
 */
final class CertificateScanTask implements TaskType {
  static final String NAME = "certificate_scan";

  static final String DISABLED =
      "certificate discovery is disabled on this host ([certificates] enabled = false in"
          + " agent.toml)";

  private final CertificateDiscovery discovery;

  CertificateScanTask(CertificateDiscovery discovery) {
    this.discovery = discovery;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public TaskOutcome run(String configJson, TaskContext context) throws InterruptedException {
    if (!discovery.isEnabled()) {
      return TaskOutcome.failed(DISABLED);
    }
    CertificateDiscovery.Completed completed =
        discovery.scanNow(context.taskId(), context.ingest());
    return switch (completed.upload()) {
      case CertificateUpload.Acknowledged acknowledged ->
          TaskOutcome.succeeded(result(completed.report(), acknowledged.received()));
      case CertificateUpload.Failed failed ->
          TaskOutcome.failed("ingest did not store the scan: " + failed.reason());
    };
  }

  private static String result(ScanReport report, int received) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("certificates", received);
    fields.put("files_scanned", report.filesScanned());
    fields.put("files_skipped", report.filesSkipped());
    fields.put("services_probed", report.servicesProbed());
    fields.put("services_with_certificates", report.servicesWithCertificates());
    fields.put("truncated", report.truncated());
    fields.put("duration_ms", report.durationMillis());
    return Json.object(fields);
  }
}
