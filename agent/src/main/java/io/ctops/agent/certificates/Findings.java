package io.ctops.agent.certificates;

import io.ctops.protocol.v1.DiscoveredCertificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What one scan has found so far: certificates, each place and fingerprint once, at most {@code
 * max} of them (the scan stops there and is marked truncated), and the counts the server shows
 * beside them. Used by one scanning thread at a time.
 */
final class Findings {
  private final int max;
  private final List<DiscoveredCertificate> certificates = new ArrayList<>();
  private final Set<String> seen = new HashSet<>();
  private int filesScanned;
  private int filesSkipped;
  private int servicesProbed;
  private int servicesWithCertificates;
  private boolean truncated;

  Findings(int max) {
    this.max = max;
  }

  /** Adds {@code certificate} unless it is already here; false once the bound is reached. */
  boolean add(DiscoveredCertificate certificate) {
    if (certificates.size() >= max) {
      truncated = true;
      return false;
    }
    String place =
        certificate.getSource()
            + "\n"
            + certificate.getLocation()
            + "\n"
            + certificate.getFingerprintSha256();
    if (seen.add(place)) {
      certificates.add(certificate);
    }
    return true;
  }

  /** Whether the bound is reached: a further certificate would truncate the scan. */
  boolean isFull() {
    return certificates.size() >= max;
  }

  boolean isTruncated() {
    return truncated;
  }

  void fileScanned() {
    filesScanned++;
  }

  void fileSkipped() {
    filesSkipped++;
  }

  void serviceProbed(boolean servedCertificates) {
    servicesProbed++;
    if (servedCertificates) {
      servicesWithCertificates++;
    }
  }

  ScanReport report(long durationMillis) {
    return new ScanReport(
        certificates,
        filesScanned,
        filesSkipped,
        servicesProbed,
        servicesWithCertificates,
        truncated,
        durationMillis);
  }
}
