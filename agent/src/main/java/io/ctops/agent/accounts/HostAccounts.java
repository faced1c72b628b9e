package io.ctops.agent.accounts;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * Who can sign in to this host: its accounts (the {@code service_account} check) and the SSH keys
 * that open them (the {@code ssh_key_scan} check), read from the host's files under {@code root}
 * ({@code /} on a host; a fixture tree in tests). Each report is JSON within {@code maxBytes}; a
 * source the agent may not read is a note in it, not a failure.
 */
public final class HostAccounts {
  private final HostFiles files;
  private final Clock clock;

  private final boolean asksNameService;

  /** The accounts under {@code root}; the name service is asked only when it is {@code /}. */
  public HostAccounts(Path root, Clock clock) {
    this(new HostFiles(root), clock, new HostFiles(root).isHostRoot());
  }

  HostAccounts(HostFiles files, Clock clock, boolean asksNameService) {
    this.files = files;
    this.clock = clock;
    this.asksNameService = asksNameService;
  }

  /** A report, and whether anything at all could be read (else the check is in error). */
  public record Report(boolean anyRead, String json) {}

  /**
   * The accounts, people's being those with a uid from {@code minHumanUid} to {@code maxHumanUid}.
   */
  public Report accounts(long minHumanUid, long maxHumanUid, int maxBytes)
      throws InterruptedException {
    AccountScan.Found found =
        new AccountScan(files, asksNameService).scan(minHumanUid, maxHumanUid);
    String json =
        BoundedReport.write(
            "accounts",
            found.accounts().stream().map(AccountScan.Account::json).toList(),
            found.accounts().stream().map(AccountScan.Account::rank).toList(),
            found.skipped(),
            found.notes(),
            maxBytes);
    return new Report(found.anyRead(), json);
  }

  /**
   * The SSH public keys in users' homes and under {@code scanPaths}, except under {@code
   * skipPaths}.
   */
  public Report sshKeys(List<String> scanPaths, List<String> skipPaths, int maxBytes)
      throws InterruptedException {
    KeyScan scan = new KeyScan(files, clock, skipPaths);
    scan.scan(scanPaths);
    String json =
        BoundedReport.write(
            "keys",
            scan.keys,
            scan.keys.stream().map(key -> 0).toList(),
            scan.skipped,
            scan.notes,
            maxBytes);
    return new Report(scan.anyRead, json);
  }
}
