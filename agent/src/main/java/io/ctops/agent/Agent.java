package io.ctops.agent;

import com.google.protobuf.ByteString;
import io.ctops.agent.buffer.SampleBuffer;
import io.ctops.agent.collect.VitalsCollector;
import io.ctops.agent.collect.VitalsCollector.Vitals;
import io.ctops.agent.config.AgentConfig;
import io.ctops.agent.identity.AgentIdentity;
import io.ctops.agent.identity.AgentState;
import io.ctops.agent.inventory.PackageInventory;
import io.ctops.agent.inventory.ScanUpload;
import io.ctops.agent.link.IngestLink;
import io.ctops.protocol.v1.AgentInfo;
import io.ctops.protocol.v1.AgentTask;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.PlatformInfo;
import io.ctops.protocol.v1.RegisterRequest;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.protocol.v1.RenewCertificateRequest;
import io.ctops.protocol.v1.RenewCertificateResponse;
import io.ctops.protocol.v1.Tag;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent ({@code ctops agent run}): registers with its token and key, waits for approval, then
 * keeps one heartbeat stream open, sampling every interval (±10 % jitter) into an on-disk buffer
 * that the stream drains as the server acknowledges. Reconnects with backoff; each change of state
 * is logged once.
 */
public final class Agent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("agent");

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

  private final AgentConfig config;
  private final Clock clock;
  private final String version;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch stopSignal = new CountDownLatch(1);
  private volatile boolean running = true;
  private volatile HeartbeatSession session;
  private volatile Vitals lastVitals;
  private volatile long lastSampleUnix;
  private AgentState state;
  private IngestLink link;
  private String phase = "";
  private Thread sampler;
  private final Backoff backoff = new Backoff();

  /**
   * Whether to compact the heap once after a burst of allocation (start-up, a software scan). The
   * launcher turns it on along with the small serial-collector heap it gives the agent: that
   * collector returns free heap to the system only at a full collection, which an idle agent may
   * not do for days. Off in other JVMs (tests, the server), where it would only cost a pause.
   */
  private static final boolean COMPACT_AFTER_BURSTS = Boolean.getBoolean("ctops.agent.compactHeap");

  private volatile boolean compactHeap = COMPACT_AFTER_BURSTS;
  private final java.util.Queue<AgentTaskResult> taskResults =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.ExecutorService tasks =
      java.util.concurrent.Executors.newSingleThreadExecutor(
          runnable -> Thread.ofPlatform().name("agent-task").daemon().unstarted(runnable));

  public Agent(AgentConfig config, Clock clock, String version) {
    this.config = config;
    this.clock = clock;
    this.version = version;
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
    VitalsCollector collector = new VitalsCollector();
    state = loadState();
    sampler = Thread.ofPlatform().name("sampler").daemon().start(() -> sample(collector, buffer));
    try {
      while (running) {
        if (state == null || !state.hasUsableJwt(clock.instant())) {
          Optional<Exit> exit = register(identity, collector);
          if (exit.isPresent()) {
            return exit.get();
          }
          continue;
        }
        renewIfDue(identity);
        Status end = heartbeat(identity, buffer, collector);
        if (!running) {
          break;
        }
        handle(end);
      }
      return Exit.STOPPED;
    } finally {
      running = false;
      sampler.interrupt();
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
            "msg=\"state file unusable; registering again\" reason=\"{}\"", unusable.reason());
        yield null;
      }
    };
  }

  /** Register (or poll while pending). Empty: go on; present: stop the agent with that exit. */
  private Optional<Exit> register(AgentIdentity identity, VitalsCollector collector) {
    RegisterRequest.Builder request =
        RegisterRequest.newBuilder()
            .setOrgToken(config.orgToken())
            .setPublicKey(identity.publicKeyPem())
            .setPlatformInfo(
                PlatformInfo.newBuilder()
                    .setOs(collector.osName())
                    .setArch(collector.arch())
                    .setOsVersion(collector.osVersion())
                    .addAllIpAddresses(collector.ipAddresses()))
            .setAgentInfo(
                AgentInfo.newBuilder()
                    .setHostname(collector.hostname())
                    .setVersion(version)
                    .setAgentId(state == null ? "" : state.agentId()))
            .setCsrDer(ByteString.copyFrom(identity.certificateRequest(collector.hostname())));
    config
        .tags()
        .forEach((key, value) -> request.addTags(Tag.newBuilder().setKey(key).setValue(value)));
    RegisterResponse response;
    try {
      response = link(identity).blocking().register(request.build());
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.UNAUTHENTICATED) {
        log.error(
            "msg=\"enrolment token rejected; fix org_token\" reason=\"{}\"",
            e.getStatus().getDescription());
        return Optional.of(Exit.TOKEN_REJECTED);
      }
      if (code == Status.Code.ALREADY_EXISTS) {
        enter(
            "duplicate",
            "msg=\"the server refuses this host as a duplicate; an operator must delete the existing host\" reason=\""
                + e.getStatus().getDescription()
                + "\"");
        pause(config.duplicateRetry());
        return Optional.empty();
      }
      enter(
          "unreachable",
          "msg=\"cannot register; retrying\" status="
              + code
              + " reason=\""
              + e.getStatus().getDescription()
              + "\"");
      pause(backoff.next());
      return Optional.empty();
    }
    switch (response.getStatus()) {
      case "active" -> {
        state = new AgentState(response.getAgentId(), response.getJwtToken(), null, null, 0, 0);
        if (!response.getClientCertPem().isEmpty()) {
          state =
              state.withCertificate(
                  response.getClientCertPem(),
                  response.getAgentCaCertPem(),
                  response.getClientCertNotAfterUnix(),
                  clock.instant());
        }
        state.save(config.dataDir());
        certificateChanged = true;
        enter(
            "registered",
            "msg=\"registered\" agent_id="
                + response.getAgentId()
                + " mtls="
                + state.hasClientCertificate());
        return Optional.empty();
      }
      case "pending" -> {
        enter(
            "pending",
            "msg=\"waiting for an administrator to approve this agent\" agent_id="
                + response.getAgentId());
        pause(config.registrationPoll());
        return Optional.empty();
      }
      case "revoked" -> {
        log.error(
            "msg=\"this agent has been revoked; exiting\" agent_id={}", response.getAgentId());
        return Optional.of(Exit.REVOKED);
      }
      default -> {
        log.warn("msg=\"unexpected registration status\" status={}", response.getStatus());
        pause(backoff.next());
        return Optional.empty();
      }
    }
  }

  /** Runs one heartbeat stream until it ends; returns how it ended. */
  private Status heartbeat(AgentIdentity identity, SampleBuffer buffer, VitalsCollector collector) {
    IngestServiceGrpc.IngestServiceStub stub = link(identity).authenticated(state.jwt());
    HeartbeatSession current =
        new HeartbeatSession(
            stub,
            buffer,
            version,
            collector.osName(),
            collector.osVersion(),
            collector.arch(),
            () -> {
              backoff.reset();
              enter(
                  "connected",
                  "msg=\"connected; heartbeating\" agent_id="
                      + state.agentId()
                      + " mtls="
                      + link.isMutual());
            },
            this::certificateArrived,
            task -> taskArrived(task, stub),
            taskResults);
    session = current;
    if (lastVitals != null) {
      current.send(lastVitals, lastSampleUnix);
    }
    try {
      return current.ended().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Status.CANCELLED;
    } catch (java.util.concurrent.ExecutionException e) {
      return Status.fromThrowable(e.getCause());
    } finally {
      session = null;
      current.close();
    }
  }

  private void certificateArrived(HeartbeatResponse response) {
    synchronized (this) {
      state =
          state.withCertificate(
              response.getPendingClientCertPem(),
              response.getAgentCaCertPem(),
              response.getPendingClientCertNotAfterUnix(),
              clock.instant());
      state.save(config.dataDir());
      certificateChanged = true;
    }
    log.info("msg=\"client certificate received; reconnecting with mTLS\"");
    HeartbeatSession current = session;
    if (current != null) {
      current.ended().complete(Status.OK.withDescription("certificate"));
    }
  }

  private void handle(Status end) {
    switch (end.getCode()) {
      case OK -> {
        // a client certificate arrived: reconnect now, presenting it
      }
      case UNAUTHENTICATED -> {
        enter(
            "reauthenticating",
            "msg=\"the server no longer accepts our JWT; registering again\" reason=\""
                + end.getDescription()
                + "\"");
        state = state.withJwt(null);
      }
      case NOT_FOUND -> {
        enter(
            "deleted",
            "msg=\"the server deleted this agent; registering again\" reason=\""
                + end.getDescription()
                + "\"");
        AgentState.delete(config.dataDir());
        state = null;
      }
      case PERMISSION_DENIED -> {
        enter(
            "denied",
            "msg=\"the server denied this agent; asking for its status\" reason=\""
                + end.getDescription()
                + "\"");
        state = state.withJwt(null);
      }
      default -> {
        enter(
            "disconnected",
            "msg=\"disconnected; reconnecting with backoff\" status="
                + end.getCode()
                + " reason=\""
                + end.getDescription()
                + "\"");
        pause(backoff.next());
      }
    }
  }

  private void renewIfDue(AgentIdentity identity) {
    if (!state.certificateNeedsRenewal(clock.instant())) {
      return;
    }
    try {
      RenewCertificateResponse renewed =
          link(identity)
              .authenticatedBlocking(state.jwt())
              .renewCertificate(
                  RenewCertificateRequest.newBuilder()
                      .setAgentId(state.agentId())
                      .setCsrDer(ByteString.copyFrom(identity.certificateRequest(state.agentId())))
                      .build());
      state =
          state.withCertificate(
              renewed.getClientCertPem(),
              renewed.getAgentCaCertPem(),
              renewed.getClientCertNotAfterUnix(),
              clock.instant());
      state.save(config.dataDir());
      certificateChanged = true;
      log.info(
          "msg=\"client certificate renewed\" not_after={}", renewed.getClientCertNotAfterUnix());
    } catch (StatusRuntimeException e) {
      log.warn("msg=\"certificate renewal failed; will retry\" status={}", e.getStatus().getCode());
    }
  }

  /**
   * A task pushed by the server. Inventory scans run one at a time on their own thread; their
   * result rides on a later heartbeat. Tasks this agent does not know are answered as failed.
   */
  private void taskArrived(AgentTask task, IngestServiceGrpc.IngestServiceStub stub) {
    if (!task.getTaskType().equals(ScanUpload.TASK_TYPE)) {
      taskResults.add(
          AgentTaskResult.newBuilder()
              .setTaskId(task.getTaskId())
              .setTaskType(task.getTaskType())
              .setExitCode(1)
              .setError("this agent does not run " + task.getTaskType() + " tasks")
              .build());
      return;
    }
    tasks.execute(
        () -> {
          log.info("msg=\"software inventory scan started\" scan_id={}", task.getTaskId());
          AgentTaskResult result =
              ScanUpload.run(
                  stub, task.getTaskId(), new PackageInventory(java.nio.file.Path.of("/")));
          if (result.getExitCode() == 0) {
            log.info(
                "msg=\"software inventory scan sent\" scan_id={} result={}",
                task.getTaskId(),
                result.getResultJson());
          } else {
            log.warn(
                "msg=\"software inventory scan failed\" scan_id={} error=\"{}\"",
                task.getTaskId(),
                result.getError());
          }
          taskResults.add(result);
          compactHeap = COMPACT_AFTER_BURSTS;
        });
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

  private volatile boolean certificateChanged;

  private void sample(VitalsCollector collector, SampleBuffer buffer) {
    long dropped = 0;
    while (running) {
      try {
        Vitals vitals = collector.sample();
        long now = clock.instant().getEpochSecond();
        if (now <= lastSampleUnix) {
          now = lastSampleUnix + 1;
        }
        buffer.add(
            new SampleBuffer.Sample(
                now,
                vitals.cpuPercent(),
                vitals.memoryPercent(),
                vitals.diskPercent(),
                vitals.rxBytesPerSecond(),
                vitals.txBytesPerSecond()));
        if (buffer.dropped() > dropped) {
          log.warn(
              "msg=\"sample buffer full; dropped the oldest\" dropped_total={}", buffer.dropped());
          dropped = buffer.dropped();
        }
        lastVitals = vitals;
        lastSampleUnix = now;
        HeartbeatSession current = session;
        if (current != null) {
          current.send(vitals, now);
          if (compactHeap) {
            compactHeap = false;
            System.gc();
          }
        }
        long interval = config.heartbeatInterval().toMillis();
        long jitter = (long) (interval * 0.1);
        Thread.sleep(interval - jitter + ThreadLocalRandom.current().nextLong(2 * jitter + 1));
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("msg=\"sampling failed\" error=\"{}\"", e.toString());
        try {
          Thread.sleep(config.heartbeatInterval().toMillis());
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  private void enter(String newPhase, String message) {
    if (!newPhase.equals(phase)) {
      phase = newPhase;
      log.info(message);
    } else {
      log.debug(message);
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

  /** Stops the agent and waits for {@link #run()} to return. */
  @Override
  public void close() {
    running = false;
    stopSignal.countDown();
    tasks.shutdownNow();
    HeartbeatSession current = session;
    if (current != null) {
      current.close();
    }
    try {
      stopped.await(15, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
