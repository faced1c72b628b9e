package io.ctops.agent.certificates;

import io.ctops.agent.config.CertificateSettings;
import io.ctops.agent.ports.ListeningPorts;
import io.ctops.protocol.v1.IngestServiceGrpc.IngestServiceStub;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificate discovery on this host ({@code [certificates]}): a first scan a minute or so after
 * the agent starts (start-up is busy enough), then one every {@code scan_every}, and one whenever
 * the server asks ({@code certificate_scan} task, which also restarts the interval). Each scan is
 * sent to ingest whole; a scan that could not be sent is tried again after 1, 2, 4 … minutes (at
 * most 30, or {@code scan_every}). Scans never overlap: a task that arrives during a scan waits for
 * it and then scans afresh.
 */
public final class CertificateDiscovery implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("agent");

  static final Duration FIRST_SCAN_AFTER = Duration.ofSeconds(60);

  /** Spread over this, so agents restarted together do not all scan and upload at once. */
  static final Duration FIRST_SCAN_SPREAD = Duration.ofSeconds(30);

  static final Duration FIRST_RETRY = Duration.ofMinutes(1);
  static final Duration LAST_RETRY = Duration.ofMinutes(30);

  /** How long the schedule sleeps at most before looking again (a task may have moved it). */
  private static final Duration NAP = Duration.ofMinutes(1);

  private final CertificateSettings settings;
  private final CertificateScan scan;
  private final Supplier<IngestServiceStub> ingest;
  private final Clock clock;
  private final Duration firstScanAfter;
  private final Runnable afterEachScan;
  private final ReentrantLock scanning = new ReentrantLock();
  private final Thread schedule;
  private volatile Instant nextScan;

  /** The outcome of one scan: what was found and whether ingest stored it. */
  public record Completed(ScanReport report, CertificateUpload.Outcome upload) {
    public boolean isStored() {
      return upload instanceof CertificateUpload.Acknowledged;
    }
  }

  /**
   * Discovery as the agent runs it: listening ports from {@code /proc}, the first scan after a
   * minute or so.
   *
   * @param ingest the agent's current authenticated stub, null before its first connection
   * @param hostname the host's name, SNI when {@code server_name} is empty
   * @param afterEachScan runs on the scanning thread after each scan (the agent compacts its heap)
   */
  public CertificateDiscovery(
      CertificateSettings settings,
      Supplier<IngestServiceStub> ingest,
      Supplier<String> hostname,
      Clock clock,
      Runnable afterEachScan) {
    this(
        settings,
        new ListeningPorts(Path.of("/proc")),
        ingest,
        hostname,
        clock,
        FIRST_SCAN_AFTER.plusMillis(
            ThreadLocalRandom.current().nextLong(FIRST_SCAN_SPREAD.toMillis())),
        afterEachScan);
  }

  CertificateDiscovery(
      CertificateSettings settings,
      ListeningPorts ports,
      Supplier<IngestServiceStub> ingest,
      Supplier<String> hostname,
      Clock clock,
      Duration firstScanAfter,
      Runnable afterEachScan) {
    this.settings = settings;
    this.scan = new CertificateScan(settings, ports, hostname);
    this.ingest = ingest;
    this.clock = clock;
    this.firstScanAfter = firstScanAfter;
    this.afterEachScan = afterEachScan;
    this.schedule =
        Thread.ofPlatform().name("certificate-scan").daemon().unstarted(this::runSchedule);
  }

  /** Whether {@code [certificates] enabled}: else neither the schedule nor a task scans. */
  public boolean isEnabled() {
    return settings.enabled();
  }

  /** Starts the schedule (nothing when discovery is off). */
  public void start() {
    if (settings.enabled()) {
      schedule.start();
    }
  }

  /**
   * Scans now and sends the scan under {@code scanId} on {@code stub} (a task's id, on the task's
   * stub), after any scan already running. Throws InterruptedException when cancelled.
   */
  public Completed scanNow(String scanId, IngestServiceStub stub) throws InterruptedException {
    return scanAndSend(scanId, stub, "task");
  }

  private Completed scanAndSend(String scanId, IngestServiceStub stub, String trigger)
      throws InterruptedException {
    scanning.lockInterruptibly();
    try {
      ScanReport report = scan.run();
      log.info(
          "event=certificate_scan_done scan_id={} trigger={} certificates={} files_scanned={}"
              + " files_skipped={} services_probed={} services_with_certificates={} truncated={}"
              + " duration_ms={}",
          scanId,
          trigger,
          report.certificates().size(),
          report.filesScanned(),
          report.filesSkipped(),
          report.servicesProbed(),
          report.servicesWithCertificates(),
          report.truncated(),
          report.durationMillis());
      CertificateUpload.Outcome upload = CertificateUpload.send(stub, scanId, report);
      Completed completed = new Completed(report, upload);
      if (completed.isStored()) {
        nextScan = clock.instant().plus(settings.scanEvery());
      }
      return completed;
    } finally {
      scanning.unlock();
      afterEachScan.run();
    }
  }

  /** The {@code certificate-scan} thread. */
  private void runSchedule() {
    nextScan = clock.instant().plus(firstScanAfter);
    Duration retry = FIRST_RETRY;
    try {
      while (true) {
        sleepUntilDue();
        IngestServiceStub stub = ingest.get();
        if (stub == null) {
          // not connected yet (pending approval, say): look again in a minute, scanning nothing
          nextScan = clock.instant().plus(NAP);
          continue;
        }
        String failure;
        try {
          Completed completed = scanAndSend(UUID.randomUUID().toString(), stub, "schedule");
          failure =
              completed.upload() instanceof CertificateUpload.Failed failed ? failed.reason() : "";
        } catch (RuntimeException bug) {
          // a bug in a scan must not end discovery on this host for good
          log.error("event=certificate_scan_failed", bug);
          failure = bug.toString();
        }
        if (failure.isEmpty()) {
          retry = FIRST_RETRY;
        } else {
          log.warn(
              "event=certificate_scan_not_sent reason=\"{}\" action=\"retrying in {} s\"",
              failure,
              retry.toSeconds());
          nextScan = clock.instant().plus(retry);
          retry = min(retry.multipliedBy(2), min(LAST_RETRY, settings.scanEvery()));
        }
      }
    } catch (InterruptedException stopping) {
      // the agent is stopping
    }
  }

  private void sleepUntilDue() throws InterruptedException {
    Instant now;
    while ((now = clock.instant()).isBefore(nextScan)) {
      Thread.sleep(min(Duration.between(now, nextScan), NAP));
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Stops the schedule; a scan running on it stops at its next file or probe. */
  @Override
  public void close() {
    schedule.interrupt();
  }
}
