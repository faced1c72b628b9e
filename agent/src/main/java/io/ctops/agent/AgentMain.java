package io.ctops.agent;

import io.ctops.agent.config.AgentConfig;
import io.ctops.agent.log.LineLogging;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * {@code ctops agent run} as the launcher starts it on a host: a small entry point on the agent's
 * own classpath (no server libraries), so the agent stays small. Exit codes: 0 stopped, 1 bad
 * configuration, 2 token rejected, 3 agent revoked, 64 bad command line (EX_USAGE). The service
 * unit does not restart the agent after 2, 3 or 64: each needs an operator.
 */
public final class AgentMain {
  /** A bad command line: sysexits.h's EX_USAGE, apart from the codes {@link Agent.Exit} uses. */
  static final int USAGE_ERROR = 64;

  /** A configuration file or environment variable that cannot be used. */
  static final int BAD_CONFIGURATION = 1;

  private AgentMain() {}

  public static void main(String[] args) {
    Optional<Path> config = Optional.empty();
    String level = "INFO";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "run" -> {}
        case "--config" -> config = Optional.of(Path.of(value(args, ++i)));
        case "--log-level" -> level = value(args, ++i).toUpperCase(Locale.ROOT);
        case "-h", "--help" -> {
          System.out.println(
              """
              Usage: ctops agent run [--config FILE] [--log-level ERROR|WARN|INFO|DEBUG]
              Run the agent on this host until interrupted: register with the enrolment token,
              wait for approval, then stream heartbeats to ingest.
                --config FILE      the agent's TOML configuration (see config/agent.toml)
                --log-level LEVEL  ERROR, WARN, INFO (default) or DEBUG
              Environment overrides: CT_OPS_INGEST_ADDRESS, CT_OPS_INGEST_CA_CERT,
              CT_OPS_ORG_TOKEN, CT_OPS_DATA_DIR.
              Exit codes:
                0   stopped
                1   bad configuration (the message names the setting)
                2   enrolment token rejected: fix org_token
                3   agent revoked by an administrator
                64  bad command line (unknown option, missing value, unknown log level)""");
          System.exit(0);
        }
        default ->
            fail("unknown option '" + args[i] + "' (see ctops agent run --help)", USAGE_ERROR);
      }
    }
    try {
      LineLogging.install(level);
    } catch (IllegalArgumentException e) {
      fail(e.getMessage(), USAGE_ERROR);
    }
    AgentConfig loaded;
    try {
      loaded = AgentConfig.load(config, System.getenv());
    } catch (AgentConfig.InvalidConfigException e) {
      fail(e.getMessage(), BAD_CONFIGURATION);
      return;
    }
    Agent agent = new Agent(loaded, Clock.systemUTC(), version());
    Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "agent-shutdown"));
    System.exit(agent.run().code);
  }

  /** This build's version, written by Maven. */
  public static String version() {
    try (InputStream in = AgentMain.class.getResourceAsStream("/ctops-agent-build.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "0.0.0-unknown");
    } catch (IOException e) {
      return "0.0.0-unknown";
    }
  }

  private static String value(String[] args, int index) {
    if (index >= args.length) {
      fail(args[index - 1] + " needs a value", USAGE_ERROR);
    }
    return args[index];
  }

  private static void fail(String message, int code) {
    System.err.println("ctops: " + message);
    System.exit(code);
  }
}
