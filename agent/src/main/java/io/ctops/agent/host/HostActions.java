package io.ctops.agent.host;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What operators may have the agent do on its host, and with what: service actions and the agent's
 * own uninstall run only while {@code enabled} ({@code [actions] enabled} in agent.toml).
 *
 * @param tools the host's programs, found on the agent's search path
 * @param installDir where the agent bundle is installed ({@code CT_OPS_AGENT_HOME}, set by its
 *     launcher); empty for an agent started another way
 */
public record HostActions(HostTools tools, Optional<Path> installDir, boolean enabled) {
  /** Why a host action is refused while they are disabled. */
  public static final String DISABLED =
      "host actions are disabled on this host ([actions] enabled = false in agent.toml)";
}
