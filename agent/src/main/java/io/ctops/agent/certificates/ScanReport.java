package io.ctops.agent.certificates;

import io.ctops.protocol.v1.DiscoveredCertificate;
import java.util.List;

/**
 * One finished scan, as {@code SubmitCertificates} sends it.
 *
 * @param filesScanned files read
 * @param filesSkipped files not read or not understood: unreadable, too large, a certificate file
 *     that does not parse
 * @param servicesProbed TLS handshakes tried (non-TLS ports included)
 * @param servicesWithCertificates handshakes that yielded a chain
 * @param truncated whether the scan stopped at {@code max_certificates}
 */
public record ScanReport(
    List<DiscoveredCertificate> certificates,
    int filesScanned,
    int filesSkipped,
    int servicesProbed,
    int servicesWithCertificates,
    boolean truncated,
    long durationMillis) {
  public ScanReport {
    certificates = List.copyOf(certificates);
  }
}
