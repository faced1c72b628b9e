package io.ctops.agent.tasks;

import io.ctops.agent.certificates.CertificateDiscovery;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The task types this agent runs, found by their wire name or an alias. A task of a type not here
 * is never run: the agent refuses it at once.
 */
public final class TaskTypes {
  private final List<TaskType> types;
  private final Map<String, TaskType> byName;

  private TaskTypes(List<TaskType> types) {
    Map<String, TaskType> names = new LinkedHashMap<>();
    for (TaskType type : types) {
      List<String> all = new ArrayList<>();
      all.add(type.name());
      all.addAll(type.aliases());
      for (String name : all) {
        if (name == null || name.isBlank()) {
          throw new IllegalArgumentException(type.getClass().getName() + " has a blank name");
        }
        TaskType clash = names.putIfAbsent(name, type);
        if (clash != null) {
          throw new IllegalArgumentException(
              "task type name \"" + name + "\" is claimed twice (" + clash.name() + ")");
        }
      }
    }
    this.types = List.copyOf(types);
    this.byName = Collections.unmodifiableMap(names);
  }

  /**
   * The software inventory scan, service actions and uninstall: what any agent runs. The running
   * agent adds {@link #certificateScan}, bound to its own discovery.
   */
  public static TaskTypes standard() {
    return of(
        new SoftwareInventoryTask(Path.of("/")),
        new ServiceTask(),
        new AgentUninstallTask(Clock.systemUTC()));
  }

  /** {@code certificate_scan}: a scan by {@code discovery} now, sent under the task's id. */
  public static TaskType certificateScan(CertificateDiscovery discovery) {
    return new CertificateScanTask(discovery);
  }

  /**
   * {@code account_scan}: the host's account and SSH key checks run now by {@code checks} (the
   * agent's {@code Checks.runNow}).
   */
  public static TaskType accountScan(ChecksNow checks) {
    return new AccountScanTask(checks);
  }

  /** Runs the host's checks of some types now; how many it started. */
  public interface ChecksNow {
    int runNow(Set<String> types) throws InterruptedException;
  }

  /** Exactly these types (tests); names and aliases must not repeat. */
  public static TaskTypes of(TaskType... types) {
    return new TaskTypes(List.of(types));
  }

  /** These types and {@code more}; names and aliases must not repeat. */
  public TaskTypes with(TaskType... more) {
    List<TaskType> all = new ArrayList<>(types);
    all.addAll(List.of(more));
    return new TaskTypes(all);
  }

  /** The type the server means by {@code taskType}, if this agent runs it. */
  public Optional<TaskType> find(String taskType) {
    return Optional.ofNullable(byName.get(taskType));
  }

  /** Every name and alias this agent answers to. */
  public Set<String> names() {
    return byName.keySet();
  }
}
