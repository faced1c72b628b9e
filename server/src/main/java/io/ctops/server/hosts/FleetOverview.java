package io.ctops.server.hosts;

import java.util.List;

/**
 * The numbers at the top of the Hosts page: hosts by status, those waiting for approval, those
 * running hot on CPU, memory or disk, those with a firing alert, and the fleet's share of each
 * operating system.
 */
public record FleetOverview(
    long total,
    long online,
    long offline,
    long stale,
    long pendingApproval,
    long cpuHot,
    long memoryHot,
    long diskHot,
    long firingAlertHosts,
    List<OsShare> operatingSystems) {

  /** One operating system's share of the fleet. */
  public record OsShare(String os, long hosts, double percent) {}

  /** How many online hosts are hot in this resource. */
  public long hotCount(HostListParams.Hotspot hot) {
    return switch (hot) {
      case CPU -> cpuHot;
      case MEMORY -> memoryHot;
      case DISK -> diskHot;
    };
  }

  public double onlinePercent() {
    return total == 0 ? 0 : 100.0 * online / total;
  }
}
