package io.ctops.agent.checks;

import io.ctops.agent.accounts.HostAccounts;
import io.ctops.agent.host.HostTools;
import io.ctops.protocol.checks.CheckConfig;
import java.nio.file.Path;
import java.time.Clock;

/** Runs a check of any type this release knows: one probe per type. */
final class Probes implements AutoCloseable {
  private final PortProbe port = new PortProbe();
  private final ProcessProbe process;
  private final HttpProbe http = new HttpProbe();
  private final CertificateProbe certificate;
  private final CertFileProbe certFile;
  private final ServiceProbe service;
  private final FileProbe file;
  private final AccountProbe accounts;

  /**
   * Probes reading the host's files under {@code root} (processes under its {@code proc}) and
   * running {@code systemctl} with {@code tools}.
   */
  Probes(HostTools tools, Path root, Clock clock) {
    Path proc = root.resolve("proc");
    this.process = new ProcessProbe(proc);
    this.certificate = new CertificateProbe(clock);
    this.certFile = new CertFileProbe(clock);
    this.service = new ServiceProbe(tools);
    this.file = new FileProbe(clock);
    this.accounts = new AccountProbe(new HostAccounts(root, clock));
  }

  /** One run; an interrupt (the run timed out, or the check was removed) may end it early. */
  Outcome run(CheckConfig config) throws InterruptedException {
    return switch (config) {
      case CheckConfig.Port check -> port.run(check);
      case CheckConfig.Process check -> process.run(check);
      case CheckConfig.Http check -> http.run(check);
      case CheckConfig.Certificate check -> certificate.run(check);
      case CheckConfig.CertFile check -> certFile.run(check);
      case CheckConfig.Service check -> service.run(check);
      case CheckConfig.File check -> file.run(check);
      case CheckConfig.ServiceAccount check -> accounts.run(check);
      case CheckConfig.SshKeyScan check -> accounts.run(check);
    };
  }

  /**
   * What a run that outlived its timeout reports: the remote checks fail (a server too slow to
   * answer is down as far as its users can tell); the local ones could not be run.
   */
  static Outcome timedOut(CheckConfig config, String detail) {
    String output = Connections.timedOut(config.timeout()) + detail;
    return switch (config) {
      case CheckConfig.Port check -> Outcome.fail(output);
      case CheckConfig.Http check -> Outcome.fail(output);
      case CheckConfig.Certificate check -> Outcome.fail(output);
      default -> Outcome.error(output);
    };
  }

  @Override
  public void close() {
    http.close();
  }
}
