package io.ctops.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
  @TempDir Path dir;

  @Test
  void theShippedExampleParses() throws Exception {
    Path example = Path.of("..", "dist", "src", "main", "config", "agent.toml");
    Path ca = Files.writeString(dir.resolve("ca.crt"), "x");

    AgentConfig config =
        AgentConfig.load(Optional.of(example), Map.of("CT_OPS_INGEST_CA_CERT", ca.toString()));

    assertThat(config.ingestHost()).isEqualTo("ingest.example.com");
    assertThat(config.ingestPort()).isEqualTo(9443);
    assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.bufferHours()).isEqualTo(24);
    assertThat(config.bufferCapacity()).isEqualTo(2880);
  }

  @Test
  void readsTheFileAndLetsTheEnvironmentOverrideIt() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.crt"), "x");
    Path file =
        Files.writeString(
            dir.resolve("agent.toml"),
            """
            [ingest]
            address = "ingest.lab:7443"
            [agent]
            org_token = "from-file"
            data_dir = "/tmp/agent"
            heartbeat_interval_secs = 10
            [[tags]]
            key = "env"
            value = "lab"
            """);

    AgentConfig config =
        AgentConfig.load(
            Optional.of(file),
            Map.of("CT_OPS_ORG_TOKEN", "from-env", "CT_OPS_INGEST_CA_CERT", ca.toString()));

    assertThat(config.ingestHost()).isEqualTo("ingest.lab");
    assertThat(config.ingestPort()).isEqualTo(7443);
    assertThat(config.orgToken()).isEqualTo("from-env");
    assertThat(config.caCertFile()).contains(ca);
    assertThat(config.dataDir()).isEqualTo(Path.of("/tmp/agent"));
    assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.tags()).containsEntry("env", "lab");
  }

  @Test
  void readsTheOriginalAgentsConfigWithItsTagStrings() throws Exception {
    Path original =
        Files.writeString(
            dir.resolve("original.toml"),
            """
            [ingest]
            address = "ingest.example:9443"
            tls_skip_verify = false

            [agent]
            org_token = "ctops_abc"
            data_dir = "/tmp/original"
            heartbeat_interval_secs = 15
            tags = ["env:prod", "role:web", "owner=ops", "pci", "url:https://x.example:8443/"]
            """);

    AgentConfig config = AgentConfig.load(Optional.of(original), Map.of());

    assertThat(config.heartbeatInterval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(config.tags())
        .containsExactly(
            Map.entry("env", "prod"),
            Map.entry("role", "web"),
            Map.entry("owner", "ops"),
            Map.entry("pci", ""),
            Map.entry("url", "https://x.example:8443/"));
  }

  @Test
  void tagStringsAtTheTopWorkBesideTagTablesElsewhere() throws Exception {
    Path top =
        Files.writeString(
            dir.resolve("top.toml"),
            "tags = [\"site:lon\"]\n[ingest]\naddress = \"a:1\"\n[agent]\norg_token = \"t\"\n");

    assertThat(AgentConfig.load(Optional.of(top), Map.of()).tags()).containsEntry("site", "lon");
  }

  @Test
  void hostActionsAreOnUnlessTheFileTurnsThemOff() throws Exception {
    Map<String, String> env = Map.of("CT_OPS_INGEST_ADDRESS", "h:9443", "CT_OPS_ORG_TOKEN", "t");
    Path off = Files.writeString(dir.resolve("off.toml"), "[actions]\nenabled = false\n");
    Path on = Files.writeString(dir.resolve("on.toml"), "[actions]\nenabled = true\n");

    assertThat(AgentConfig.load(Optional.empty(), env).hostActionsEnabled()).isTrue();
    assertThat(AgentConfig.load(Optional.of(on), env).hostActionsEnabled()).isTrue();
    assertThat(AgentConfig.load(Optional.of(off), env).hostActionsEnabled()).isFalse();
    assertProblem(
        Optional.of(Files.writeString(dir.resolve("bad.toml"), "[actions]\nenabled = \"no\"\n")),
        env,
        "[actions] enabled must be true or false, got \"no\"");
    assertProblem(
        Optional.of(Files.writeString(dir.resolve("typo.toml"), "[actions]\nenable = false\n")),
        env,
        "unknown key 'enable' (at actions.enable)");
  }

  @Test
  void terminalsAreOnAsTheAgentsOwnUserWithoutRootUnlessConfiguredOtherwise() throws Exception {
    Map<String, String> env = Map.of("CT_OPS_INGEST_ADDRESS", "h:9443", "CT_OPS_ORG_TOKEN", "t");
    Path file =
        Files.writeString(
            dir.resolve("terminal.toml"),
            "[terminal]\nenabled = false\nuser = \"ops\"\nallow_root = true\n");

    assertThat(AgentConfig.load(Optional.empty(), env).terminal())
        .isEqualTo(AgentConfig.Terminal.DEFAULT)
        .isEqualTo(new AgentConfig.Terminal(true, Optional.empty(), false, Optional.empty()));
    assertThat(AgentConfig.load(Optional.of(file), env).terminal())
        .isEqualTo(new AgentConfig.Terminal(false, Optional.of("ops"), true, Optional.empty()));
  }

  @Test
  void theEnvironmentOverridesTerminalSettingsAndLangIsHandedOn() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("terminal.toml"), "[terminal]\nenabled = false\nuser = \"ops\"\n");
    Map<String, String> env =
        Map.of(
            "CT_OPS_INGEST_ADDRESS", "h:9443",
            "CT_OPS_ORG_TOKEN", "t",
            "CT_OPS_TERMINAL_ENABLED", "true",
            "CT_OPS_TERMINAL_USER", "deploy",
            "CT_OPS_TERMINAL_ALLOW_ROOT", "true",
            "LANG", "C.UTF-8");

    assertThat(AgentConfig.load(Optional.of(file), env).terminal())
        .isEqualTo(
            new AgentConfig.Terminal(true, Optional.of("deploy"), true, Optional.of("C.UTF-8")));
  }

  @Test
  void aBadTerminalSettingIsOneLineNamingTheKey() throws Exception {
    Map<String, String> env = Map.of("CT_OPS_INGEST_ADDRESS", "h:9443", "CT_OPS_ORG_TOKEN", "t");

    assertProblem(
        Optional.of(Files.writeString(dir.resolve("a.toml"), "[terminal]\nenabled = \"yes\"\n")),
        env,
        "[terminal] enabled must be true or false, got \"yes\"");
    assertProblem(
        Optional.of(Files.writeString(dir.resolve("b.toml"), "[terminal]\nallow_root = 1\n")),
        env,
        "[terminal] allow_root must be true or false, got 1");
    assertProblem(
        Optional.of(Files.writeString(dir.resolve("c.toml"), "[terminal]\nuser = 0\n")),
        env,
        "[terminal] user must be a string in quotes, got 0");
    assertProblem(
        Optional.of(Files.writeString(dir.resolve("d.toml"), "[terminal]\nuser = \"a b\"\n")),
        env,
        "[terminal] user 'a b' is not a user name");
    assertProblem(
        Optional.of(Files.writeString(dir.resolve("e.toml"), "[terminal]\nshell = \"zsh\"\n")),
        env,
        "unknown key 'shell' (at terminal.shell)");
    var badEnv = new HashMap<>(env);
    badEnv.put("CT_OPS_TERMINAL_ALLOW_ROOT", "yes");
    assertProblem(
        Optional.empty(),
        badEnv,
        "CT_OPS_TERMINAL_ALLOW_ROOT (for [terminal] allow_root) must be true or false, got 'yes'");
  }

  @Test
  void findsTheHostsProgramsOnPathAndTheBundleThroughItsLauncher() {
    Map<String, String> env =
        Map.of(
            "CT_OPS_INGEST_ADDRESS", "h:9443",
            "CT_OPS_ORG_TOKEN", "t",
            "PATH", "/opt/stand-ins/bin:relative/bin::/usr/bin",
            "CT_OPS_AGENT_HOME", "/opt/ct-ops-agent/bin/..");

    AgentConfig config = AgentConfig.load(Optional.empty(), env);

    assertThat(config.executablePath())
        .containsExactly(Path.of("/opt/stand-ins/bin"), Path.of("/usr/bin"));
    assertThat(config.installDir()).contains(Path.of("/opt/ct-ops-agent"));
    AgentConfig bare =
        AgentConfig.load(
            Optional.empty(), Map.of("CT_OPS_INGEST_ADDRESS", "h:9443", "CT_OPS_ORG_TOKEN", "t"));
    assertThat(bare.executablePath()).contains(Path.of("/usr/bin"), Path.of("/bin"));
    assertThat(bare.installDir()).isEmpty();
  }

  @Test
  void eachProblemIsOneClearLine() throws Exception {
    Path typo =
        Files.writeString(
            dir.resolve("typo.toml"),
            "[ingest]\naddress = \"a:1\"\n[agent]\norg_token = \"t\"\nheartbeat_intervall = 3\n");
    Path broken = Files.writeString(dir.resolve("broken.toml"), "[ingest\naddress = ");
    Map<String, String> complete = Map.of("CT_OPS_INGEST_ADDRESS", "a:1", "CT_OPS_ORG_TOKEN", "t");

    Path wrongTypes =
        Files.writeString(
            dir.resolve("types.toml"),
            "[ingest]\naddress = 9443\n[agent]\norg_token = \"t\"\nbuffer_hours = \"24\"\n");
    Path wrongInteger =
        Files.writeString(
            dir.resolve("integer.toml"),
            "[ingest]\naddress = \"a:1\"\n[agent]\norg_token = \"t\"\nbuffer_hours = \"24\"\n");
    Path unknownTable =
        Files.writeString(dir.resolve("table.toml"), "[agents]\norg_token = \"t\"\n");

    assertProblem(Optional.of(typo), Map.of(), "unknown key 'heartbeat_intervall'");
    assertProblem(
        Optional.of(wrongTypes), Map.of(), "[ingest] address must be a string in quotes, got 9443");
    assertProblem(
        Optional.of(wrongInteger),
        Map.of(),
        "[agent] buffer_hours must be a whole number, got \"24\"");
    assertProblem(
        Optional.of(unknownTable),
        Map.of(),
        "unknown key 'agents'; known: [ingest, agent, tags, actions, terminal, certificates]");
    assertProblem(Optional.of(broken), Map.of(), "not valid TOML");
    String valid = "[ingest]\naddress = \"a:1\"\n[agent]\norg_token = \"t\"\n";
    assertProblem(
        Optional.of(
            Files.writeString(
                dir.resolve("skip.toml"),
                valid.replace("[agent]", "tls_skip_verify = true\n[agent]"))),
        Map.of(),
        "tls_skip_verify = true is not supported");
    assertProblem(
        Optional.of(Files.writeString(dir.resolve("tagkey.toml"), valid + "tags = [\":prod\"]\n")),
        Map.of(),
        "entry \":prod\" has no key");
    assertProblem(
        Optional.of(Files.writeString(dir.resolve("tagtype.toml"), valid + "tags = [7]\n")),
        Map.of(),
        "agent.tags entries must be \"key:value\" strings, got 7");
    assertProblem(
        Optional.of(
            Files.writeString(dir.resolve("tagscalar.toml"), valid + "tags = \"env:prod\"\n")),
        Map.of(),
        "agent.tags must be [[tags]] blocks or a list");
    assertProblem(
        Optional.of(
            Files.writeString(dir.resolve("unknown.toml"), valid + "log_level = \"debug\"\n")),
        Map.of(),
        "unknown key 'log_level' (at agent.log_level)");
    assertProblem(Optional.of(dir.resolve("missing.toml")), Map.of(), "cannot be read");
    assertProblem(Optional.empty(), Map.of("CT_OPS_ORG_TOKEN", "t"), "[ingest] address is missing");
    assertProblem(
        Optional.empty(), Map.of("CT_OPS_INGEST_ADDRESS", "a:1"), "[agent] org_token is missing");
    assertProblem(
        Optional.empty(),
        Map.of("CT_OPS_INGEST_ADDRESS", "a:x", "CT_OPS_ORG_TOKEN", "t"),
        "has no valid port");
    var unreadableCa = new HashMap<>(complete);
    unreadableCa.put("CT_OPS_INGEST_CA_CERT", dir.resolve("nope.crt").toString());
    assertProblem(
        Optional.empty(),
        unreadableCa,
        "ca_cert_file " + dir.resolve("nope.crt") + " cannot be read");
  }

  private static void assertProblem(Optional<Path> file, Map<String, String> env, String message) {
    assertThatThrownBy(() -> AgentConfig.load(file, env))
        .isInstanceOf(AgentConfig.InvalidConfigException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }
}
