package io.ctops.agent.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.config.AgentConfig;
import io.ctops.agent.host.HostTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who a session's shell runs as, decided from a password file and the agent's own user id. */
class LoginShellTest {
  @TempDir Path dir;
  private Path passwd;
  private Path bin;

  @BeforeEach
  void accounts() throws Exception {
    Files.createDirectories(dir.resolve("home/ops"));
    passwd =
        Files.writeString(
            dir.resolve("passwd"),
            """
            root:x:0:0:root:/root:/bin/bash
            # not an account
            ops:x:1000:1000:Ops:%s:/bin/zsh
            deploy:x:1001:1001::/nonexistent:
            ct-ops:x:998:998::/var/lib/ct-ops:/usr/sbin/nologin
            """
                .formatted(dir.resolve("home/ops")));
    bin = Files.createDirectories(dir.resolve("bin"));
  }

  @Test
  void theAgentsOwnUserGetsItsLoginShellInItsHomeWithAFreshEnvironment() {
    LoginShell.Plan plan = shell(settings(Optional.empty(), false, Optional.of("C.UTF-8")), 1000);

    assertThat(plan)
        .isEqualTo(
            new LoginShell.Start(
                "ops",
                List.of("/bin/zsh", "-l"),
                Map.of(
                    "TERM", "xterm-256color",
                    "HOME", dir.resolve("home/ops").toString(),
                    "USER", "ops",
                    "LOGNAME", "ops",
                    "SHELL", "/bin/zsh",
                    "PATH", LoginShell.PATH,
                    "LANG", "C.UTF-8"),
                dir.resolve("home/ops")));
  }

  @Test
  void noShellInThePasswordFileMeansShAndAMissingHomeMeansTheRoot() {
    LoginShell.Start start =
        (LoginShell.Start) shell(settings(Optional.of("deploy"), false, Optional.empty()), 1001);

    assertThat(start.command()).containsExactly("/bin/sh", "-l");
    assertThat(start.directory()).isEqualTo(Path.of("/"));
    assertThat(start.environment()).doesNotContainKey("LANG");
  }

  @Test
  void rootIsRefusedUnlessAllowed() {
    assertThat(shell(settings(Optional.empty(), false, Optional.empty()), 0))
        .isEqualTo(new LoginShell.Refused(LoginShell.ROOT_REFUSED));
    assertThat(shell(settings(Optional.of("root"), false, Optional.empty()), 1000))
        .isEqualTo(new LoginShell.Refused(LoginShell.ROOT_REFUSED));
    assertThat(shell(settings(Optional.empty(), true, Optional.empty()), 0))
        .isInstanceOf(LoginShell.Start.class);
  }

  @Test
  void anotherUsersShellNeedsAnAgentRunningAsRoot() {
    assertThat(shell(settings(Optional.of("deploy"), false, Optional.empty()), 1000))
        .isEqualTo(
            new LoginShell.Refused(
                "cannot start a shell as 'deploy': the agent runs as 'ops' and only an agent"
                    + " running as root may start another user's shell; set [terminal] user ="
                    + " \"ops\" in agent.toml or run the agent as root"));
  }

  @Test
  void asRootAnotherUsersShellStartsThroughRunuser() throws Exception {
    assertThat(shell(settings(Optional.of("ops"), false, Optional.empty()), 0))
        .isEqualTo(
            new LoginShell.Refused(
                "cannot start a shell as 'ops': runuser (util-linux), which starts another"
                    + " user's shell, is not installed"));

    Path runuser = Files.createFile(bin.resolve("runuser"));
    runuser.toFile().setExecutable(true);

    LoginShell.Start start =
        (LoginShell.Start) shell(settings(Optional.of("ops"), false, Optional.empty()), 0);
    assertThat(start.command()).containsExactly(runuser.toString(), "-l", "ops");
    assertThat(start.environment()).containsEntry("USER", "ops").containsEntry("SHELL", "/bin/zsh");
  }

  @Test
  void aUserWithoutALoginShellIsRefused() {
    assertThat(shell(settings(Optional.empty(), false, Optional.empty()), 998))
        .isEqualTo(
            new LoginShell.Refused(
                "cannot start a shell as 'ct-ops': its login shell is /usr/sbin/nologin; set"
                    + " [terminal] user in agent.toml to a user with a shell"));
  }

  @Test
  void anUnknownUserAndDisabledTerminalsAreRefused() {
    assertThat(shell(settings(Optional.of("ghost"), false, Optional.empty()), 0))
        .isEqualTo(
            new LoginShell.Refused(
                "cannot start a shell as 'ghost': no such user in "
                    + passwd
                    + " (set [terminal] user in agent.toml)"));
    assertThat(shell(new AgentConfig.Terminal(false, Optional.empty(), true, Optional.empty()), 0))
        .isEqualTo(new LoginShell.Refused(LoginShell.DISABLED));
  }

  private LoginShell.Plan shell(AgentConfig.Terminal settings, int agentUid) {
    return new LoginShell(settings, new HostTools(List.of(bin)), passwd, agentUid).plan();
  }

  private static AgentConfig.Terminal settings(
      Optional<String> user, boolean allowRoot, Optional<String> lang) {
    return new AgentConfig.Terminal(true, user, allowRoot, lang);
  }
}
