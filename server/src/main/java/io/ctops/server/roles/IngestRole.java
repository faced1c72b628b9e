package io.ctops.server.roles;

import io.ctops.server.agentca.AgentCertificateAuthority;
import io.ctops.server.certificates.CertificateUploads;
import io.ctops.server.checks.CheckAssignments;
import io.ctops.server.checks.CheckResultWriter;
import io.ctops.server.checks.ResultIntake;
import io.ctops.server.enrolment.AgentAuthentication;
import io.ctops.server.enrolment.CertificateRenewal;
import io.ctops.server.enrolment.RegisterHandler;
import io.ctops.server.enrolment.RegisterRateLimiter;
import io.ctops.server.enrolment.RegistrationService;
import io.ctops.server.heartbeat.ConnectedAgents;
import io.ctops.server.heartbeat.HeartbeatAnswers;
import io.ctops.server.heartbeat.HostStatus;
import io.ctops.server.heartbeat.HostVitalsBatcher;
import io.ctops.server.heartbeat.StaleHostSweeper;
import io.ctops.server.inventory.DueScans;
import io.ctops.server.inventory.InventoryUploads;
import io.ctops.server.inventory.SoftwareScans;
import io.ctops.server.metrics.InProcessMetricQueue;
import io.ctops.server.metrics.MetricQueue;
import io.ctops.server.platform.build.BuildInfo;
import io.ctops.server.platform.config.IngestSettings;
import io.ctops.server.platform.database.Database;
import io.ctops.server.platform.grpc.TlsGrpcServer;
import io.ctops.server.platform.http.OpsHttpServer;
import io.ctops.server.platform.http.OpsHttpServer.Response;
import io.ctops.server.platform.jwt.AgentTokens;
import io.ctops.server.platform.lifecycle.Parts;
import io.ctops.server.platform.lifecycle.PeriodicJob;
import io.ctops.server.queries.QueryAnswers;
import io.ctops.server.queries.QueryDispatch;
import io.ctops.server.tasks.TaskDispatch;
import io.ctops.server.tasks.TaskReports;
import io.ctops.server.tasks.TaskTimeouts;
import io.ctops.server.tasks.TaskTypes;
import io.ctops.server.terminal.AgentTerminals;
import io.ctops.server.terminal.TerminalClaims;
import io.ctops.server.terminal.TerminalHub;
import io.ctops.server.terminal.TerminalRelayService;
import io.ctops.server.terminal.TerminalSessions;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest role: the agents' gRPC/TLS endpoint and its HTTP side (health, JWKS, metrics). This
 * class is its whole object graph, built with constructors. It keeps no state another instance
 * would need: any number of them can share one database, key file and KEK file.
 */
public final class IngestRole implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IngestRole.class);

  private final Parts parts;
  private final TlsGrpcServer grpc;
  private final OpsHttpServer http;
  private final AgentTokens tokens;

  private IngestRole(Parts parts, TlsGrpcServer grpc, OpsHttpServer http, AgentTokens tokens) {
    this.parts = parts;
    this.grpc = grpc;
    this.http = http;
    this.tokens = tokens;
  }

  /**
   * Intervals and bounds with production defaults; tests shorten them. {@code checkResultQueue}:
   * check results held in memory for storing before more wait for room (their streams paused).
   */
  public record Tuning(
      Duration vitalsFlushInterval,
      Duration metricLinger,
      Duration ackWait,
      Duration recheckEvery,
      Duration sweepEvery,
      Duration terminalAgentPatience,
      int checkResultQueue) {
    public static final Tuning DEFAULT =
        new Tuning(
            Duration.ofMillis(250),
            Duration.ofMillis(10),
            Duration.ofSeconds(2),
            Duration.ofSeconds(10),
            Duration.ofSeconds(15),
            Duration.ofSeconds(10),
            200_000);

    public Tuning withCheckResultQueue(int results) {
      return new Tuning(
          vitalsFlushInterval,
          metricLinger,
          ackWait,
          recheckEvery,
          sweepEvery,
          terminalAgentPatience,
          results);
    }
  }

  public static IngestRole start(
      IngestSettings settings,
      IngestSettings.TlsFiles tls,
      Database database,
      PrometheusMeterRegistry registry,
      Clock clock,
      Tuning tuning) {
    return start(
        settings, tls, database, registry, clock, tuning, TaskTypesOfThisRelease.all(clock));
  }

  /** With the task types given (tests add types of their own to the standard ones). */
  public static IngestRole start(
      IngestSettings settings,
      IngestSettings.TlsFiles tls,
      Database database,
      PrometheusMeterRegistry registry,
      Clock clock,
      Tuning tuning,
      TaskTypes taskTypes) {
    Parts parts = new Parts();
    try {
      AgentTokens tokens =
          AgentTokens.loadOrCreate(IngestSettings.JWT_KEY_FILE, settings.jwtKeyFile(), clock);
      AgentCertificateAuthority authority =
          AgentCertificateAuthority.loadOrCreate(
              database.jdbi(), IngestSettings.CA_KEK_FILE, settings.caKekFile(), clock);
      MetricQueue queue =
          new InProcessMetricQueue(
                  database.dataSource(), registry, 500_000, 20_000, tuning.metricLinger())
              .start();
      AgentAuthentication authentication = new AgentAuthentication(database.jdbi(), tokens);
      SoftwareScans scans = new SoftwareScans(database.jdbi(), clock);
      RegisterHandler registration =
          new RegisterHandler(
              new RegistrationService(database.jdbi(), tokens, authority, clock, scans::queueFirst),
              new RegisterRateLimiter(
                  settings.registerRatePerSecond(), settings.registerRatePerSecond() * 5.0),
              authority,
              registry);
      CertificateRenewal renewal =
          new CertificateRenewal(database.jdbi(), authentication, authority);
      // Closed in reverse: stop taking calls, stop the jobs, end the streams, write what they
      // left (task reports, status changes, vitals), then drain the metric queue.
      parts.add(queue);
      HostStatus hostStatus = parts.add(new HostStatus(database.jdbi(), clock).start());
      HostVitalsBatcher vitals =
          parts.add(
              new HostVitalsBatcher(database.jdbi(), clock, tuning.vitalsFlushInterval(), registry)
                  .start());
      TaskReports taskReports =
          parts.add(new TaskReports(database.jdbi(), taskTypes, clock, registry));
      QueryAnswers queryAnswers = parts.add(new QueryAnswers(database.jdbi(), clock, registry));
      CheckAssignments checks =
          parts.add(
              new CheckAssignments(
                      database.jdbi(), database.dataSource(), CheckAssignments.REFRESH_EVERY)
                  .start());
      CheckResultWriter checkResults =
          parts.add(
              new CheckResultWriter(
                      database.jdbi(),
                      registry,
                      tuning.checkResultQueue(),
                      5_000,
                      tuning.metricLinger())
                  .start());
      HeartbeatAnswers answers =
          new HeartbeatAnswers(
              database.jdbi(), authority, BuildInfo.version(), settings.agentDownloadBaseUrl());
      ConnectedAgents agents =
          parts.add(
              new ConnectedAgents(
                  new ConnectedAgents.StreamParts(
                      clock,
                      authentication,
                      vitals,
                      queue,
                      answers,
                      taskReports,
                      queryAnswers,
                      checks,
                      new ResultIntake(registry),
                      checkResults,
                      tuning.ackWait()),
                  hostStatus,
                  tuning.recheckEvery(),
                  registry));
      StaleHostSweeper sweeper =
          new StaleHostSweeper(database.jdbi(), clock, vitals::writtenThrough);
      TaskDispatch dispatch = new TaskDispatch(database.jdbi(), agents, clock);
      TaskTimeouts timeouts = new TaskTimeouts(database.jdbi(), taskTypes, clock);
      DueScans dueScans = new DueScans(database.jdbi(), clock);
      Duration dispatchEvery = Duration.ofMillis(Math.min(2_000, tuning.recheckEvery().toMillis()));
      parts.add(
          new PeriodicJob("agents-recheck", tuning.recheckEvery(), agents::recheckConnected)
              .start());
      parts.add(new PeriodicJob("stale-host-sweep", tuning.sweepEvery(), sweeper::sweep).start());
      parts.add(new PeriodicJob("task-dispatch", dispatchEvery, dispatch::run).start());
      QueryDispatch queries = new QueryDispatch(database.jdbi(), agents, clock);
      parts.add(new PeriodicJob("query-dispatch", dispatchEvery, queries::run).start());
      parts.add(new PeriodicJob("task-timeouts", tuning.sweepEvery(), timeouts::sweep).start());
      parts.add(
          new PeriodicJob(
                  "due-scans",
                  Duration.ofMillis(Math.min(60_000, tuning.sweepEvery().toMillis() * 4)),
                  Duration.ofMinutes(1),
                  dueScans::sweep)
              .start());
      TerminalSessions terminalSessions = new TerminalSessions(database.jdbi(), clock);
      TerminalHub terminals =
          parts.add(
              new TerminalHub(
                  terminalSessions,
                  agents,
                  new TerminalHub.Timing(
                      tuning.terminalAgentPatience(),
                      settings.terminalGrace(),
                      settings.terminalIdle(),
                      settings.terminalRecordingMaxBytes()),
                  clock));
      parts.add(
          new PeriodicJob(
                  "terminal-recordings-purge",
                  Duration.ofHours(1),
                  () -> terminalSessions.purgeRecordings(settings.terminalRecordingRetention()))
              .start());
      TlsGrpcServer grpc =
          TlsGrpcServer.start(
              new TlsGrpcServer.Options(
                  settings.listenAddress(),
                  settings.grpcPort(),
                  tls.certificate(),
                  tls.privateKey(),
                  authority.certificate(),
                  settings.maxMessageBytes()),
              List.of(
                  new IngestGrpcService(
                      registration,
                      agents,
                      renewal,
                      new InventoryUploads(authentication, scans),
                      new AgentTerminals(authentication, terminals),
                      new CertificateUploads(authentication, database.jdbi(), clock)),
                  new TerminalRelayService(terminals)));
      parts.add(grpc);
      parts.add(
          new TerminalClaims(
                  database.dataSource(),
                  terminalSessions,
                  terminals,
                  agents::holds,
                  settings.relayHost() + ":" + grpc.port(),
                  readCertificate(tls.certificate()))
              .start());
      OpsHttpServer http =
          OpsHttpServer.start(
              settings.listenAddress(),
              settings.httpPort(),
              Map.of(
                  "/healthz", () -> health(database),
                  "/.well-known/jwks.json",
                      () -> new Response(200, "application/json", tokens.jwks()),
                  "/metrics",
                      () ->
                          new Response(
                              200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape())));
      parts.add(http);
      log.info(
          "event=ingest_ready grpc_port={} http_port={} jwt_kid={} max_message_bytes={}",
          grpc.port(),
          http.port(),
          tokens.keyId(),
          settings.maxMessageBytes());
      return new IngestRole(parts, grpc, http, tokens);
    } catch (RuntimeException e) {
      parts.close();
      throw e;
    }
  }

  private static Response health(Database database) {
    try (Connection connection = database.dataSource().getConnection()) {
      if (connection.isValid(2)) {
        return Response.text(200, "ok\n");
      }
      return Response.text(503, "database unreachable: connection not valid\n");
    } catch (SQLException e) {
      return Response.text(503, "database unreachable: " + e.getMessage() + "\n");
    }
  }

  public int grpcPort() {
    return grpc.port();
  }

  public int httpPort() {
    return http.port();
  }

  public AgentTokens tokens() {
    return tokens;
  }

  @Override
  public void close() {
    parts.close();
  }

  /** The PEM web instances pin when they relay a terminal to this instance. */
  private static String readCertificate(Path certificate) {
    try {
      return Files.readString(certificate);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + certificate, e);
    }
  }
}
