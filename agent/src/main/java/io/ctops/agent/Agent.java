package io.ctops.agent;

import io.ctops.agent.buffer.SampleBuffer;
import io.ctops.agent.certificates.CertificateDiscovery;
import io.ctops.agent.checks.CheckOutbox;
import io.ctops.agent.checks.Checks;
import io.ctops.agent.collect.VitalsCollector;
import io.ctops.agent.config.AgentConfig;
import io.ctops.agent.host.HostActions;
import io.ctops.agent.host.HostTools;
import io.ctops.agent.identity.AgentIdentity;
import io.ctops.agent.identity.AgentState;
import io.ctops.agent.identity.CertificateRenewal;
import io.ctops.agent.link.IngestLink;
import io.ctops.agent.queries.QueryRunner;
import io.ctops.agent.tasks.TaskOutbox;
import io.ctops.agent.tasks.TaskRunner;
import io.ctops.agent.tasks.TaskTypes;
import io.ctops.agent.terminal.Terminals;
import io.ctops.protocol.v1.AgentQuery;
import io.ctops.protocol.v1.AgentTask;
import io.ctops.protocol.v1.CheckDefinition;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc.IngestServiceStub;
import io.ctops.protocol.v1.TerminalSessionRequest;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent ({@code ctops agent run}): registers with its token and key, waits for approval, then
 * keeps one heartbeat stream open while the {@link Sampler} samples into an on-disk buffer that the
 * stream drains as the server acknowledges. Tasks the server pushes run on the {@link TaskRunner},
 * queries on the {@link QueryRunner}, terminal sessions on {@link Terminals}; their progress,
 * results and answers go out on an extra heartbeat within a second. Health checks run on {@link
 * Checks}; their results ride on the heartbeats. {@link CertificateDiscovery} scans the host's
 * certificates on its own schedule. Reconnects with backoff; each change of state is logged once.
 */
public final class Agent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("agent");

  /**
   * How long queued task news wait for more to join them before an extra heartbeat carries them.
   */
  static final Duration TASK_UPDATE_DELAY = Duration.ofMillis(200);

  /** How often waiting task news are offered again while there is no stream to carry them. */
  private static final Duration TASK_UPDATE_RETRY = Duration.ofSeconds(1);

  /** The pace of extra heartbeats carrying check results beyond what regular ones carry. */
  private static final Duration CHECK_BACKLOG_PACE = Duration.ofSeconds(1);

  /** Why {@link #run()} returned: its process exit code. */
  public enum Exit {
    STOPPED(0),
    TOKEN_REJECTED(2),
    REVOKED(3);

    public final int code;

    Exit(int code) {
      this.code = code;
    }
  }

  /**
   * Whether to compact the heap once after a burst of allocation (start-up, a software scan). The
   * launcher turns it on along with the small serial-collector heap it gives the agent: that
   * collector returns free heap to the system only at a full collection, which an idle agent may
   * not do for days. Off in other JVMs (tests, the server), where it would only cost a pause.
   */
  private static final boolean COMPACT_AFTER_BURSTS = Boolean.getBoolean("ctops.agent.compactHeap");

  private final AgentConfig config;
  private final Clock clock;
  private final String version;
  private final TaskOutbox outbox = new TaskOutbox();
  private final CheckOutbox checkOutbox = new CheckOutbox();
  private final TaskRunner tasks;
  private final QueryRunner queries;
  private final Terminals terminals;
  private final Checks checks;
  private final VitalsCollector collector = new VitalsCollector();
  private final CertificateDiscovery certificates;
  private final Backoff backoff = new Backoff();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch stopSignal = new CountDownLatch(1);
  private volatile boolean running = true;
  private volatile HeartbeatSession session;
  private volatile IngestServiceStub ingest;
  private volatile boolean compactHeap = COMPACT_AFTER_BURSTS;
  private volatile boolean certificateChanged;
  private volatile AgentState state;
  private CertificateRenewal renewal;
  private IngestLink link;
  private String phase = "";
  private Sampler sampler;

  /** The agent as it runs on hosts: the standard task types. */
  public Agent(AgentConfig config, Clock clock, String version) {
    this(config, clock, version, TaskTypes.standard());
  }

  /** An agent that runs {@code types} (tests add their own task types). */
  public Agent(AgentConfig config, Clock clock, String version, TaskTypes types) {
    this.config = config;
    this.clock = clock;
    this.version = version;
    HostTools tools = new HostTools(config.executablePath());
    this.certificates =
        new CertificateDiscovery(
            config.certificates(),
            () -> ingest,
            collector::hostname,
            clock,
            () -> compactHeap = COMPACT_AFTER_BURSTS);
    this.checks = new Checks(config.dataDir(), tools, checkOutbox, clock);
    this.tasks =
        new TaskRunner(
            types.with(
                TaskTypes.certificateScan(certificates), TaskTypes.accountScan(checks::runNow)),
            outbox,
            clock,
            () -> ingest,
            new HostActions(tools, config.installDir(), config.hostActionsEnabled()),
            () -> compactHeap = COMPACT_AFTER_BURSTS,
            this::stopSoon);
    this.queries = new QueryRunner(tools, Path.of("/proc"), outbox, clock);
    this.terminals = new Terminals(config.terminal(), tools, () -> ingest);
  }

  public Exit run() {
    try {
      Files.createDirectories(
          config.dataDir(),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data dir " + config.dataDir(), e);
    }
    AgentIdentity identity = AgentIdentity.loadOrCreate(config.dataDir());
    SampleBuffer buffer =
        SampleBuffer.open(config.dataDir().resolve("samples.bin"), config.bufferCapacity());
    Registration registration = new Registration(config, identity, collector, version, clock);
    renewal = new CertificateRenewal(identity, config.dataDir(), clock);
    state = loadState();
    sampler = new Sampler(collector, buffer, clock, config.heartbeatInterval(), this::sampled);
    sampler.start();
    tasks.start();
    queries.start();
    checks.start();
    certificates.start();
    Thread taskUpdates =
        Thread.ofPlatform().name("task-updates").daemon().start(this::sendTaskUpdates);
    Thread checkBacklog =
        Thread.ofPlatform().name("check-results").daemon().start(this::sendCheckBacklog);
    try {
      while (running) {
        if (state == null || !state.hasUsableJwt(clock.instant())) {
          Optional<Exit> exit = register(registration, identity);
          if (exit.isPresent()) {
            return exit.get();
          }
          continue;
        }
        renewal
            .renewIfDue(state, () -> link(identity).authenticatedBlocking(state.jwt()))
            .ifPresent(
                renewed -> {
                  state = renewed;
                  certificateChanged = true;
                });
        Status end = heartbeat(identity, buffer, collector);
        if (!running) {
          break;
        }
        handle(end);
      }
      return Exit.STOPPED;
    } finally {
      running = false;
      sampler.stop();
      taskUpdates.interrupt();
      checkBacklog.interrupt();
      tasks.close();
      queries.close();
      checks.close();
      certificates.close();
      // Before the link closes, so attached streams can report their shells' ends.
      terminals.close();
      if (link != null) {
        link.close();
      }
      stopped.countDown();
    }
  }

  private AgentState loadState() {
    return switch (AgentState.load(config.dataDir())) {
      case AgentState.Loaded.Present present -> present.state();
      case AgentState.Loaded.Absent absent -> null;
      case AgentState.Loaded.Unusable unusable -> {
        log.error(
            "event=state_file_unusable reason=\"{}\" action=\"registering again\"",
            unusable.reason());
        yield null;
      }
    };
  }

  /** Register (or poll while pending). Empty: go on; present: stop the agent with that exit. */
  private Optional<Exit> register(Registration registration, AgentIdentity identity) {
    String knownAgentId = state == null ? "" : state.agentId();
    switch (registration.register(link(identity).blocking(), knownAgentId)) {
      case RegistrationOutcome.Registered registered -> {
        state = registered.state();
        state.save(config.dataDir());
        certificateChanged = true;
        enter(
            "registered",
            "event=registered agent_id={} mtls={}",
            state.agentId(),
            state.hasClientCertificate());
      }
      case RegistrationOutcome.Pending pending -> {
        enter(
            "pending",
            "event=awaiting_approval agent_id={}"
                + " reason=\"waiting for an administrator to approve this agent\"",
            pending.agentId());
        pause(config.registrationPoll());
      }
      case RegistrationOutcome.Duplicate duplicate -> {
        enter(
            "duplicate",
            "event=duplicate_host reason=\"{}\""
                + " action=\"an operator must delete the existing host\"",
            duplicate.reason());
        pause(config.duplicateRetry());
      }
      case RegistrationOutcome.Unreachable unreachable -> {
        enter(
            "unreachable",
            "event=registration_failed status={} reason=\"{}\" action=\"retrying\"",
            unreachable.status(),
            unreachable.reason());
        pause(backoff.next());
      }
      case RegistrationOutcome.TokenRejected rejected -> {
        log.error("event=token_rejected reason=\"{}\" action=\"fix org_token\"", rejected.reason());
        return Optional.of(Exit.TOKEN_REJECTED);
      }
      case RegistrationOutcome.Revoked revoked -> {
        log.error(
            "event=revoked agent_id={} reason=\"this agent has been revoked; exiting\"",
            revoked.agentId());
        return Optional.of(Exit.REVOKED);
      }
    }
    return Optional.empty();
  }

  /** Runs one heartbeat stream until it ends; returns how it ended. */
  private Status heartbeat(AgentIdentity identity, SampleBuffer buffer, VitalsCollector collector) {
    IngestServiceStub stub = link(identity).authenticated(state.jwt());
    ingest = stub;
    HeartbeatSession current =
        new HeartbeatSession(
            stub,
            buffer,
            new HeartbeatSession.AgentFacts(
                version, collector.osName(), collector.osVersion(), collector.arch()),
            outbox,
            checkOutbox,
            new Pushes());
    session = current;
    sampler.latest().ifPresent(latest -> current.send(latest.vitals(), latest.timestampUnix()));
    try {
      return current.ended().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Status.CANCELLED;
    } catch (ExecutionException e) {
      return Status.fromThrowable(e.getCause());
    } finally {
      session = null;
      current.close();
    }
  }

  /** What the server pushes on the heartbeat stream (on a gRPC thread). */
  private final class Pushes implements HeartbeatSession.Listener {
    @Override
    public void answered() {
      backoff.reset();
      enter("connected", "event=connected agent_id={} mtls={}", state.agentId(), link.isMutual());
    }

    @Override
    public void certificateArrived(HeartbeatResponse response) {
      synchronized (Agent.this) {
        state = renewal.received(state, response);
        certificateChanged = true;
      }
      HeartbeatSession current = session;
      if (current != null) {
        current.ended().complete(Status.OK.withDescription("certificate"));
      }
    }

    @Override
    public void taskArrived(AgentTask task) {
      tasks.arrived(task);
    }

    @Override
    public void taskCancelled(String taskId) {
      tasks.cancel(taskId);
    }

    @Override
    public void queryArrived(AgentQuery query) {
      queries.arrived(query);
    }

    @Override
    public void terminalArrived(TerminalSessionRequest request) {
      terminals.arrived(request);
    }

    @Override
    public void terminalCancelled(String sessionId) {
      terminals.cancelled(sessionId);
    }

    @Override
    public void checksArrived(List<CheckDefinition> definitions, boolean replace) {
      checks.received(definitions, replace);
    }
  }

  private void handle(Status end) {
    switch (end.getCode()) {
      case OK -> {
        // a client certificate arrived: reconnect now, presenting it
      }
      case UNAUTHENTICATED -> {
        // the server no longer accepts our JWT: register again for a new one
        enter("reauthenticating", "event=jwt_rejected reason=\"{}\"", end.getDescription());
        state = state.withJwt(null);
      }
      case NOT_FOUND -> {
        // the server deleted this agent: forget it and register afresh
        enter("deleted", "event=agent_deleted reason=\"{}\"", end.getDescription());
        AgentState.delete(config.dataDir());
        state = null;
      }
      case PERMISSION_DENIED -> {
        // ask the server for this agent's status (pending, revoked) by registering
        enter("denied", "event=agent_denied reason=\"{}\"", end.getDescription());
        state = state.withJwt(null);
      }
      default -> {
        enter(
            "disconnected",
            "event=disconnected status={} reason=\"{}\"",
            end.getCode(),
            end.getDescription());
        pause(backoff.next());
      }
    }
  }

  /** The connection, rebuilt when the agent got (or lost) a client certificate. */
  private IngestLink link(AgentIdentity identity) {
    boolean wantMutual = state != null && state.hasClientCertificate();
    if (link == null || link.isMutual() != wantMutual || wantMutual && certificateChanged) {
      if (link != null) {
        link.close();
      }
      link =
          IngestLink.open(
              config,
              wantMutual ? Optional.of(state.clientCertPem()) : Optional.empty(),
              identity.privateKey());
      certificateChanged = false;
    }
    return link;
  }

  /** Each new sample goes out as the regular heartbeat. */
  private void sampled(Sampler.Latest latest) {
    HeartbeatSession current = session;
    if (current != null) {
      current.send(latest.vitals(), latest.timestampUnix());
      if (compactHeap) {
        compactHeap = false;
        System.gc();
      }
    }
  }

  /**
   * The {@code task-updates} thread: task progress and results go out on an extra heartbeat soon
   * after they are queued rather than at the next interval (30 s by default). Without a stream they
   * wait; the next stream's first heartbeat carries them.
   */
  private void sendTaskUpdates() {
    try {
      while (running) {
        outbox.awaitUpdates();
        Thread.sleep(TASK_UPDATE_DELAY.toMillis());
        HeartbeatSession current = session;
        Optional<Sampler.Latest> latest = sampler.latest();
        boolean sent =
            current != null
                && latest.isPresent()
                && current.sendTaskUpdates(latest.get().vitals(), latest.get().timestampUnix());
        if (!sent) {
          Thread.sleep(TASK_UPDATE_RETRY.toMillis());
        }
      }
    } catch (InterruptedException stopping) {
      // the agent is stopping
    }
  }

  /**
   * The {@code check-results} thread: regular heartbeats carry up to {@link
   * CheckOutbox#MAX_PER_HEARTBEAT} check results each; when more wait (many checks on short
   * intervals, or the backlog of an outage) extra heartbeats carry the rest, one a second.
   */
  private void sendCheckBacklog() {
    try {
      while (running) {
        checkOutbox.awaitBacklog();
        Thread.sleep(CHECK_BACKLOG_PACE.toMillis());
        HeartbeatSession current = session;
        Optional<Sampler.Latest> latest = sampler.latest();
        if (current == null
            || latest.isEmpty()
            || !current.sendCheckResults(latest.get().vitals(), latest.get().timestampUnix())) {
          Thread.sleep(CHECK_BACKLOG_PACE.toMillis());
        }
      }
    } catch (InterruptedException stopping) {
      // the agent is stopping
    }
  }

  /** Logs at INFO when the agent enters a new phase, at DEBUG while it stays in it. */
  private synchronized void enter(String newPhase, String pattern, Object... fields) {
    if (!newPhase.equals(phase)) {
      phase = newPhase;
      log.info(pattern, fields);
    } else {
      log.debug(pattern, fields);
    }
  }

  private void pause(Duration duration) {
    try {
      stopSignal.await(duration.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  /**
   * Stops the agent without waiting: {@link #run()} returns {@link Exit#STOPPED} (the process exits
   * with 0) as soon as its stream has closed. For a task that removes the agent from its host.
   */
  private void stopSoon() {
    running = false;
    stopSignal.countDown();
    HeartbeatSession current = session;
    if (current != null) {
      current.close();
    }
  }

  /** Stops the agent and waits for {@link #run()} to return. */
  @Override
  public void close() {
    tasks.close();
    queries.close();
    stopSoon();
    try {
      stopped.await(15, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
