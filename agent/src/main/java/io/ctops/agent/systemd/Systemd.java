package io.ctops.agent.systemd;

import io.ctops.agent.host.HostTools;
import io.ctops.agent.host.HostTools.NotRun;
import io.ctops.agent.host.HostTools.Ran;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The host's service manager through {@code systemctl}. Whether systemd runs is asked of {@code
 * systemctl is-system-running} itself rather than read from {@code /run/systemd/system}: a host may
 * have the package without booting it (the command then says "offline" or cannot reach the bus),
 * and a test's stand-in {@code systemctl} answers for the host it imitates.
 */
public final class Systemd {
  /** What the agent answers on a host without systemd: a fact about the host, not a failure. */
  public static final String NOT_RUNNING = "this host does not run systemd";

  /** Listings and status read from memory by systemd: quick, or something is wrong. */
  public static final Duration QUICK = Duration.ofSeconds(10);

  // What is-system-running says while systemd is PID 1; "offline" and "unknown" mean it is not.
  private static final Set<String> RUNNING_STATES =
      Set.of("initializing", "starting", "running", "degraded", "maintenance", "stopping");

  private final HostTools tools;

  public Systemd(HostTools tools) {
    this.tools = tools;
  }

  public boolean isRunning() throws InterruptedException {
    if (tools.find("systemctl").isEmpty()) {
      return false;
    }
    try {
      Ran ran = tools.run("systemctl", List.of("is-system-running"), QUICK);
      String state = ran.stdout().strip();
      return RUNNING_STATES.contains(state.lines().findFirst().orElse(""));
    } catch (NotRun e) {
      return false;
    }
  }

  /** {@code systemctl ARGS}, with no pager and no colours. */
  public Ran systemctl(Duration timeout, String... args) throws NotRun, InterruptedException {
    return tools.run("systemctl", List.of(args), timeout);
  }

  /** Every service unit: loaded ones, and those only installed (enabled or not, masked). */
  public List<io.ctops.protocol.v1.ServiceInfo> services() throws NotRun, InterruptedException {
    Ran units =
        checked(
            "list-units",
            systemctl(
                QUICK,
                "list-units",
                "--type=service",
                "--all",
                "--plain",
                "--no-legend",
                "--no-pager"));
    Ran files =
        checked(
            "list-unit-files",
            systemctl(
                QUICK,
                "list-unit-files",
                "--type=service",
                "--plain",
                "--no-legend",
                "--no-pager"));
    ServiceListing listing = ServiceListing.of(units.stdout(), files.stdout());
    List<String> running = listing.runningUnits();
    if (!running.isEmpty()) {
      List<String> args =
          new ArrayList<>(List.of("show", "--property=Id,MainPID", "--no-pager", "--"));
      args.addAll(running);
      listing =
          listing.withMainPids(
              checked("show", systemctl(QUICK, args.toArray(String[]::new))).stdout());
    }
    return listing.services();
  }

  private static Ran checked(String command, Ran ran) throws NotRun {
    if (!ran.succeeded()) {
      throw new NotRun(
          "systemctl " + command + " failed (exit " + ran.exitCode() + "): " + ran.message());
    }
    return ran;
  }
}
