package io.ctops.server.roles;

import io.ctops.server.accounts.AccountScanTask;
import io.ctops.server.certificates.CertificateScanTask;
import io.ctops.server.inventory.SoftwareScanTask;
import io.ctops.server.services.ServiceTask;
import io.ctops.server.tasks.TaskTypes;
import io.ctops.server.uninstall.AgentUninstallTask;
import java.time.Clock;
import java.util.List;

/** The task types this release's server knows; a new type is added here and nowhere else. */
public final class TaskTypesOfThisRelease {
  private TaskTypesOfThisRelease() {}

  public static TaskTypes all() {
    return all(Clock.systemUTC());
  }

  /** With the clock their records are stamped with when a task ends. */
  public static TaskTypes all(Clock clock) {
    return new TaskTypes(
        List.of(
            SoftwareScanTask.TYPE,
            new ServiceTask(clock),
            new AgentUninstallTask(clock),
            CertificateScanTask.TYPE,
            AccountScanTask.TYPE));
  }
}
