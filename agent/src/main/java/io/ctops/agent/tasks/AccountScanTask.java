package io.ctops.agent.tasks;

import java.util.Set;

/**
 * The host's accounts and SSH keys read now ({@code account_scan}), rather than at the next run of
 * their checks: runs this host's {@code service_account} and {@code ssh_key_scan} checks at once;
 * their results go to the server as any run's (the Users tab fills from them). Fails when no such
 * check applies to the host, which then has nothing to run.
 */
final class AccountScanTask implements TaskType {
  static final String NAME = "account_scan";

  static final Set<String> CHECK_TYPES = Set.of("service_account", "ssh_key_scan");

  private final TaskTypes.ChecksNow checks;

  AccountScanTask(TaskTypes.ChecksNow checks) {
    this.checks = checks;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public TaskOutcome run(String configJson, TaskContext context) throws InterruptedException {
    int started = checks.runNow(CHECK_TYPES);
    if (started == 0) {
      return TaskOutcome.failed(
          "no service_account or ssh_key_scan check applies to this host: an admin deleted or"
              + " disabled them, or the agent has not received them yet");
    }
    return TaskOutcome.succeeded("{\"checks_started\":" + started + "}");
  }
}
