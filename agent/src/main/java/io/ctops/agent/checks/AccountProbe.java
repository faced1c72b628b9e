package io.ctops.agent.checks;

import io.ctops.agent.accounts.HostAccounts;
import io.ctops.protocol.checks.CheckConfig.ServiceAccount;
import io.ctops.protocol.checks.CheckConfig.SshKeyScan;

/**
 * The {@code service_account} and {@code ssh_key_scan} checks: they report, they do not judge. Each
 * passes with its JSON report as the output while anything could be read (sources the agent may not
 * read are notes in it) and is an {@code error} only when nothing could.
 */
final class AccountProbe {
  private final HostAccounts accounts;

  AccountProbe(HostAccounts accounts) {
    this.accounts = accounts;
  }

  Outcome run(ServiceAccount check) throws InterruptedException {
    return outcome(
        accounts.accounts(check.minHumanUid(), check.maxHumanUid(), CheckOutput.MAX_REPORT_BYTES));
  }

  Outcome run(SshKeyScan check) throws InterruptedException {
    return outcome(
        accounts.sshKeys(check.scanPaths(), check.skipPaths(), CheckOutput.MAX_REPORT_BYTES));
  }

  private static Outcome outcome(HostAccounts.Report report) {
    return report.anyRead() ? Outcome.pass(report.json()) : Outcome.error(report.json());
  }
}
