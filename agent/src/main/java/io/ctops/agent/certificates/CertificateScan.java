package io.ctops.agent.certificates;

import io.ctops.agent.config.CertificateSettings;
import io.ctops.agent.ports.ListeningPorts;
import io.ctops.protocol.v1.PortInfo;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One discovery scan of this host: the files under the configured paths first, then the TLS
 * services, all within {@code max_certificates}. Not thread-safe: {@link CertificateDiscovery} runs
 * one at a time.
 */
final class CertificateScan {
  private final CertificateSettings settings;
  private final ListeningPorts ports;
  private final Supplier<String> hostname;

  /**
   * @param ports the host's listening sockets, probed when no {@code tls_ports} are configured
   * @param hostname the host's name, sent as SNI when {@code server_name} is empty
   */
  CertificateScan(CertificateSettings settings, ListeningPorts ports, Supplier<String> hostname) {
    this.settings = settings;
    this.ports = ports;
    this.hostname = hostname;
  }

  /** Scans; throws InterruptedException (with whatever was found dropped) when interrupted. */
  ScanReport run() throws InterruptedException {
    long started = System.nanoTime();
    Findings findings = new Findings(settings.maxCertificates());
    new CertificateFiles(settings.paths(), settings.skipTrustBundles(), settings.maxFileBytes())
        .scan(findings);
    if (Thread.interrupted()) {
      throw new InterruptedException("certificate scan cancelled");
    }
    // Read even for configured ports: a port bound to one address is reached there.
    List<PortInfo> listening = ports.list();
    TlsServices.probe(
        TlsServices.targets(listening, settings.tlsPorts()),
        settings.serverName().or(() -> Optional.ofNullable(hostname.get())),
        findings);
    return findings.report((System.nanoTime() - started) / 1_000_000);
  }
}
