package io.ctops.agent.checks;

import io.ctops.agent.host.HostTools;
import io.ctops.agent.host.HostTools.NotRun;
import io.ctops.agent.host.HostTools.Ran;
import io.ctops.agent.systemd.Systemd;
import io.ctops.protocol.checks.CheckConfig.Service;

/**
 * A systemd unit is active: {@code systemctl is-active -- UNIT}, run directly (no shell), passes
 * when it says "active"; the output is the state it says ("inactive", "failed", "activating" …).
 */
final class ServiceProbe {
  static final String NO_SYSTEMD = "systemd is not available on this host";

  private final Systemd systemd;
  // A host that runs systemd keeps running it: asked once, not before every run.
  private volatile boolean systemdSeen;

  ServiceProbe(HostTools tools) {
    this.systemd = new Systemd(tools);
  }

  Outcome run(Service check) throws InterruptedException {
    if (!systemdSeen) {
      if (!systemd.isRunning()) {
        return Outcome.error(NO_SYSTEMD);
      }
      systemdSeen = true;
    }
    Ran ran;
    try {
      ran = systemd.systemctl(check.timeout(), "is-active", "--", check.unit());
    } catch (NotRun e) {
      return Outcome.error(e.getMessage());
    }
    String state = ran.stdout().strip();
    if (state.isEmpty()) {
      return Outcome.error(
          "systemctl is-active failed (exit " + ran.exitCode() + "): " + ran.message());
    }
    return Outcome.of(state.equals("active"), state);
  }
}
