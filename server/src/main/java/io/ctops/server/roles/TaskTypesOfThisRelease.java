package io.ctops.server.roles;

import io.ctops.server.inventory.SoftwareScanTask;
import io.ctops.server.tasks.TaskTypes;
import java.util.List;

/** The task types this release's server knows; a new type is added here and nowhere else. */
public final class TaskTypesOfThisRelease {
  private TaskTypesOfThisRelease() {}

  public static TaskTypes all() {
    return new TaskTypes(List.of(SoftwareScanTask.TYPE));
  }
}
