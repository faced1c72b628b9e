package io.ctops.server.testing;

import io.ctops.agent.Agent;
import io.ctops.agent.config.AgentConfig;
import io.ctops.agent.config.CertificateSettings;
import io.ctops.agent.tasks.TaskTypes;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real agent, in this JVM, against a test ingest: 1 s heartbeats and registration polls, so a
 * test sees in seconds what takes minutes with the defaults.
 */
public final class RunningAgent implements AutoCloseable {
  private final Agent agent;
  private final CompletableFuture<Agent.Exit> exit;

  private RunningAgent(Agent agent) {
    this.agent = agent;
    this.exit = CompletableFuture.supplyAsync(agent::run);
  }

  public static RunningAgent start(IngestFixture ingest, String token, Path dataDir) {
    return start(ingest, token, dataDir, TaskTypes.standard());
  }

  /** With these task types (tests add types of their own to the standard ones). */
  public static RunningAgent start(
      IngestFixture ingest, String token, Path dataDir, TaskTypes taskTypes) {
    return start(ingest, token, dataDir, taskTypes, Map.of());
  }

  /** With these tags in its configuration (as an agent's {@code [[tags]]} would give). */
  public static RunningAgent start(
      IngestFixture ingest, String token, Path dataDir, Map<String, String> tags) {
    return start(ingest, token, dataDir, TaskTypes.standard(), tags);
  }

  /**
   * With certificate discovery looking only under {@code paths} and at no TLS port of this machine
   * but {@code tlsPorts} (every other start leaves discovery off: a test does not scan the machine
   * it runs on).
   */
  public static RunningAgent withCertificateDiscovery(
      IngestFixture ingest, String token, Path dataDir, List<Path> paths, List<Integer> tlsPorts) {
    CertificateSettings certificates =
        new CertificateSettings(
            true,
            paths,
            true,
            tlsPorts.isEmpty() ? List.of(1) : tlsPorts,
            Optional.empty(),
            CertificateSettings.DEFAULT.scanEvery(),
            CertificateSettings.DEFAULT.maxFileBytes(),
            CertificateSettings.DEFAULT.maxCertificates());
    return start(ingest, token, dataDir, TaskTypes.standard(), Map.of(), certificates);
  }

  private static RunningAgent start(
      IngestFixture ingest,
      String token,
      Path dataDir,
      TaskTypes taskTypes,
      Map<String, String> tags) {
    return start(ingest, token, dataDir, taskTypes, tags, CertificateSettings.DISABLED);
  }

  private static RunningAgent start(
      IngestFixture ingest,
      String token,
      Path dataDir,
      TaskTypes taskTypes,
      Map<String, String> tags,
      CertificateSettings certificates) {
    AgentConfig config =
        AgentConfig.load(
            Optional.empty(),
            Map.of(
                "CT_OPS_INGEST_ADDRESS",
                "localhost:" + ingest.ingest.grpcPort(),
                "CT_OPS_INGEST_CA_CERT",
                ingest.serverCertificate.toString(),
                "CT_OPS_ORG_TOKEN",
                token,
                "CT_OPS_DATA_DIR",
                dataDir.toString()));
    AgentConfig fast =
        new AgentConfig(
            config.ingestHost(),
            config.ingestPort(),
            config.caCertFile(),
            config.orgToken(),
            config.dataDir(),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            config.bufferHours(),
            tags.isEmpty() ? config.tags() : tags);
    // tests run as root: terminals open the test user's (root's) shell only when allowed
    fast =
        fast.withTerminal(new AgentConfig.Terminal(true, Optional.empty(), true, Optional.empty()))
            .withCertificates(certificates);
    return new RunningAgent(new Agent(fast, Clock.systemUTC(), "0.1.0-test", taskTypes));
  }

  /** How the agent's run ended; not done while it runs. */
  public CompletableFuture<Agent.Exit> exit() {
    return exit;
  }

  @Override
  public void close() {
    agent.close();
    exit.orTimeout(20, TimeUnit.SECONDS).join();
  }
}
