package io.ctops.loadtest.run;

import io.ctops.agent.inventory.InstalledPackage;
import io.ctops.agent.inventory.ScanUpload;
import io.ctops.protocol.v1.AgentTask;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.IngestServiceGrpc;
import java.util.ArrayList;
import java.util.List;

/**
 * A virtual agent's answer to a software scan: {@code packages} made-up packages, sent the way the
 * real agent sends its own ({@link ScanUpload#send}); the task result says how it went.
 */
final class SyntheticInventory {
  private SyntheticInventory() {}

  static AgentTaskResult submit(
      IngestServiceGrpc.IngestServiceStub stub,
      AgentTask task,
      int packages,
      int agentNumber,
      LoadStats stats) {
    List<InstalledPackage> made = new ArrayList<>(packages);
    for (int p = 0; p < packages; p++) {
      made.add(
          new InstalledPackage(
              "loadtest-package-" + p,
              "1." + (p % 10) + "." + (agentNumber % 3),
              "amd64",
              "Load test",
              0));
    }
    AgentTaskResult result = ScanUpload.send(stub, task.getTaskId(), "dpkg", made);
    if (result.getExitCode() == 0) {
      stats.inventoriesSent.incrementAndGet();
    } else {
      stats.error("inventory: " + result.getError());
    }
    return result;
  }
}
