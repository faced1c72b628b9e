package io.ctops.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ctops agent install|uninstall} into a temporary root (the test machine has no systemd).
 */
class AgentInstallTest {
  @TempDir Path dir;

  @Test
  void installWritesTheUnitTheConfigAndTheDataDirAndUninstallRemovesThem() throws Exception {
    Path root = dir.resolve("root");
    Path config = writeConfig("ctops_token");
    Map<String, String> env = Map.of("CT_OPS_HOME", "/opt/ct-ops");

    Ctops.Run install =
        Ctops.run(
            env, "agent", "install", "--config", config.toString(), "--root", root.toString());

    assertThat(install.exitCode()).as(install.err()).isZero();
    String unit = Files.readString(root.resolve("etc/systemd/system/ct-ops-agent.service"));
    assertThat(unit)
        .contains("ExecStart=/opt/ct-ops/bin/ctops agent run --config /etc/ct-ops/agent.toml")
        .contains("Restart=always")
        .contains("RestartPreventExitStatus=2 3")
        .contains("Environment=CT_OPS_DATA_DIR=/var/lib/ct-ops/agent")
        .contains("WantedBy=multi-user.target");
    Path installedConfig = root.resolve("etc/ct-ops/agent.toml");
    assertThat(Files.readString(installedConfig)).isEqualTo(Files.readString(config));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(installedConfig)))
        .isEqualTo("rw-------");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(root.resolve("var/lib/ct-ops/agent"))))
        .isEqualTo("rwx------");
    assertThat(install.out())
        .contains("systemctl daemon-reload && systemctl enable --now ct-ops-agent.service");

    Ctops.Run uninstall =
        Ctops.run(env, "agent", "uninstall", "--root", root.toString(), "--purge");

    assertThat(uninstall.exitCode()).as(uninstall.err()).isZero();
    assertThat(root.resolve("etc/systemd/system/ct-ops-agent.service")).doesNotExist();
    assertThat(installedConfig).doesNotExist();
    assertThat(root.resolve("var/lib/ct-ops/agent")).doesNotExist();
  }

  @Test
  void anInvalidConfigIsRefusedAndNothingIsWritten() throws Exception {
    Path root = dir.resolve("root");
    Path config =
        Files.writeString(dir.resolve("agent.toml"), "[ingest]\naddress = \"ingest:9443\"\n");

    Ctops.Run install =
        Ctops.run(
            Map.of("CT_OPS_HOME", "/opt/ct-ops"),
            "agent",
            "install",
            "--config",
            config.toString(),
            "--root",
            root.toString());

    assertThat(install.exitCode()).isEqualTo(1);
    assertThat(install.err()).contains("[agent] org_token is missing");
    assertThat(root).doesNotExist();
  }

  @Test
  void runWithABadConfigStopsWithOneClearLine() throws Exception {
    Path config = Files.writeString(dir.resolve("agent.toml"), "[ingest]\naddres = \"x:1\"\n");

    Ctops.Run run = Ctops.run(Map.of(), "agent", "run", "--config", config.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().strip())
        .startsWith("ctops: " + config + ": unknown key 'addres'")
        .hasLineCount(1);
  }

  private Path writeConfig(String token) throws Exception {
    return Files.writeString(
        dir.resolve("agent.toml"),
        "[ingest]\naddress = \"ingest.lab:9443\"\n[agent]\norg_token = \"" + token + "\"\n");
  }
}
