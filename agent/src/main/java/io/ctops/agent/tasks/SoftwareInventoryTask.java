package io.ctops.agent.tasks;

import io.ctops.agent.inventory.PackageInventory;
import io.ctops.agent.inventory.ScanUpload;
import io.ctops.protocol.v1.AgentTaskResult;
import java.nio.file.Path;
import java.util.Set;

/**
 * The software inventory scan: reads the host's package database and uploads it with {@code
 * SubmitSoftwareInventory} under the task's id as the scan id. The type is {@code
 * software_inventory}, the name agents in the field know; servers of the previous release sent
 * {@code software_inventory_scan}, still accepted for one release.
 */
final class SoftwareInventoryTask implements TaskType {
  static final String FORMER_NAME = "software_inventory_scan";

  private final Path root;

  /** Scans the package databases under {@code root} ("/" on a host, a fixture in tests). */
  SoftwareInventoryTask(Path root) {
    this.root = root;
  }

  @Override
  public String name() {
    return ScanUpload.TASK_TYPE;
  }

  @Override
  public Set<String> aliases() {
    return Set.of(FORMER_NAME);
  }

  @Override
  public TaskOutcome run(String configJson, TaskContext context) throws InterruptedException {
    AgentTaskResult result =
        ScanUpload.run(context.ingest(), context.taskId(), new PackageInventory(root));
    if (Thread.interrupted()) {
      throw new InterruptedException("software inventory scan cancelled");
    }
    return new TaskOutcome(result.getExitCode(), result.getResultJson(), result.getError());
  }
}
