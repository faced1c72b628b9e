package io.ctops.server.cli;

import io.ctops.agent.Agent;
import io.ctops.agent.config.AgentConfig;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.PasswordHashing;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.Users;
import io.ctops.server.enrolment.EnrolmentTokens;
import io.ctops.server.orgs.Organisations;
import io.ctops.server.platform.build.BuildInfo;
import io.ctops.server.platform.config.Environment;
import io.ctops.server.platform.config.IngestSettings;
import io.ctops.server.platform.config.ServerSettings;
import io.ctops.server.platform.config.WebSettings;
import io.ctops.server.platform.lifecycle.Parts;
import io.ctops.server.platform.pki.Pem;
import io.ctops.server.roles.SingleServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ctops quickstart}: the whole product on this machine in one command. The single profile,
 * plus on first run an administrator with a generated password, an auto-approve enrolment token and
 * an agent for this machine; later runs reuse all of it.
 */
@Command(
    name = "quickstart",
    description =
        "Run CT-Ops on this machine: the server (embedded PostgreSQL, ingest, web app) in"
            + " $CT_OPS_DATA_DIR (default ~/.ct-ops) and an agent for this machine. The first run"
            + " creates a super admin (its password is printed once and kept in"
            + " quickstart/admin-password under the data dir), an auto-approve enrolment token and"
            + " TLS material; later runs reuse them. Ctrl-C stops everything.",
    mixinStandardHelpOptions = true)
final class QuickstartCommand implements Callable<Integer> {
  static final String ADMIN_EMAIL = "admin@ct-ops.local";
  static final Duration AGENT_INTERVAL = Duration.ofSeconds(10);

  private final CliContext context;

  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description = "Web app port (default: WEB_HTTP_PORT, or 3000).")
  Integer port;

  @Option(names = "--no-agent", description = "Do not start an agent for this machine.")
  boolean noAgent;

  QuickstartCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    Map<String, String> variables = new HashMap<>(context.environment().variables());
    if (port != null) {
      if (port < 1 || port > 65535) {
        throw new UserError("--port must be between 1 and 65535, got " + port);
      }
      variables.put(WebSettings.HTTP_PORT, Integer.toString(port));
    }
    ServerSettings settings = ServerSettings.from(new Environment(variables));
    requireFree(settings.web().listenAddress(), settings.web().httpPort(), "the web app", "--port");
    requireFree(
        settings.ingest().listenAddress(),
        settings.ingest().grpcPort(),
        "ingest (gRPC)",
        IngestSettings.GRPC_PORT);
    requireFree(
        settings.ingest().listenAddress(),
        settings.ingest().httpPort(),
        "ingest (HTTP)",
        IngestSettings.HTTP_PORT);

    Parts parts = new Parts();
    try {
      SingleServer server = parts.add(SingleServer.start(settings, context.clock()));
      Path dir = settings.database().dataDir().resolve("quickstart");
      Files.createDirectories(dir);
      String url = "http://localhost:" + server.web().port() + "/";
      out.println();
      out.println("CT-Ops is running: " + url);
      adminAccount(server, dir, out, context.clock());
      if (!noAgent) {
        String token = agentToken(server, dir, context.clock());
        Path ca =
            settings
                .ingest()
                .tls()
                .map(IngestSettings.TlsFiles::certificate)
                .orElse(settings.database().dataDir().resolve("tls").resolve("server.crt"));
        parts.add(
            startAgent(
                server,
                context.clock(),
                token,
                ca,
                settings.database().dataDir().resolve("agent")));
        out.println(
            "  an agent for this machine reports every " + AGENT_INTERVAL.toSeconds() + " s");
      }
      out.println("  stop everything with Ctrl-C");
      out.println();
      out.flush();
    } catch (IOException e) {
      parts.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      parts.close();
      throw e;
    }
    UntilStopped.run(parts);
    return 0;
  }

  private static void requireFree(String address, int port, String what, String setting) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(address, port));
    } catch (IOException e) {
      throw new UserError(
          "port "
              + port
              + " for "
              + what
              + " is in use; stop what uses it or choose another with "
              + setting);
    }
  }

  /**
   * The first run's administrator, a super admin like the first account made on the set-up page;
   * its generated password is printed once and kept 0600.
   */
  private static void adminAccount(SingleServer server, Path dir, PrintWriter out, Clock clock)
      throws IOException {
    Path passwordFile = dir.resolve("admin-password");
    Users users = new Users(server.database().jdbi(), new PasswordHashing(), clock);
    if (!users.anyExist()) {
      String password = GeneratedPassword.generate();
      Optional<Users.User> created =
          users.createFirstAdmin(
              new Users.NewUser(ADMIN_EMAIL, "Administrator", password, Role.SUPER_ADMIN),
              Actor.system("ctops quickstart"));
      if (created.isPresent()) {
        Pem.write(passwordFile, password + "\n", true);
        out.println("  sign in as " + ADMIN_EMAIL + " with password " + password);
        out.println("  (shown once; also kept in " + passwordFile + ")");
        return;
      }
    }
    if (Files.exists(passwordFile)) {
      out.println("  sign in as " + ADMIN_EMAIL + " (password in " + passwordFile + ")");
    } else {
      out.println("  sign in with your account");
    }
  }

  /** The quickstart agent's auto-approve token, created once and kept 0600 for re-registration. */
  private static String agentToken(SingleServer server, Path dir, Clock clock) throws IOException {
    Path tokenFile = dir.resolve("agent-token");
    EnrolmentTokens tokens = new EnrolmentTokens(server.database().jdbi(), clock);
    if (Files.exists(tokenFile)) {
      String token = Files.readString(tokenFile).strip();
      if (tokens
          .findBySecret(token)
          .map(t -> t.state(clock.instant()) == EnrolmentTokens.State.ACTIVE)
          .orElse(false)) {
        return token;
      }
    }
    var org = new Organisations(server.database().jdbi()).resolve(Optional.empty());
    String token =
        tokens
            .create(
                new EnrolmentTokens.TokenRequest(
                    org.id(),
                    "quickstart (this machine)",
                    true,
                    Optional.empty(),
                    Optional.empty()))
            .plainToken();
    Pem.write(tokenFile, token + "\n", true);
    return token;
  }

  private static AutoCloseable startAgent(
      SingleServer server, Clock clock, String token, Path ca, Path dataDir) {
    AgentConfig config =
        new AgentConfig(
            "localhost",
            server.ingest().grpcPort(),
            Optional.of(ca),
            token,
            dataDir,
            AGENT_INTERVAL,
            Duration.ofSeconds(5),
            Duration.ofMinutes(5),
            24,
            Map.of());
    Agent agent = new Agent(config, clock, BuildInfo.version());
    CompletableFuture<Agent.Exit> exit =
        CompletableFuture.supplyAsync(
            agent::run, command -> Thread.ofPlatform().name("agent").start(command));
    return () -> {
      agent.close();
      exit.orTimeout(20, TimeUnit.SECONDS).exceptionally(e -> Agent.Exit.STOPPED).join();
    };
  }
}
