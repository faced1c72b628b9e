package io.ctops.loadtest.run;

import io.ctops.protocol.v1.AgentInfo;
import io.ctops.protocol.v1.AgentQuery;
import io.ctops.protocol.v1.AgentQueryResult;
import io.ctops.protocol.v1.AgentTask;
import io.ctops.protocol.v1.AgentTaskProgress;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.CheckDefinition;
import io.ctops.protocol.v1.CheckResult;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.PlatformInfo;
import io.ctops.protocol.v1.RegisterRequest;
import io.ctops.protocol.v1.RegisterResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One virtual agent: an in-memory Ed25519 identity, registration, one heartbeat stream carrying
 * synthetic drifting vitals, reconnection with capped exponential backoff, and answers to the
 * pushes it understands (checks → synthetic results on each check's interval, about 1 % failing, so
 * the server stores changes of status too; queries → empty results, tasks → progress and exit 0,
 * software scans → a synthetic inventory). A heartbeat is acknowledged when an answer's {@code
 * acked_through_unix} reaches its timestamp, i.e. when the server has made it durable.
 */
final class VirtualAgent {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final long MAX_BACKOFF_SECONDS = 60;

  private final LoadTest run;
  private final int number;
  private final ManagedChannel channel;
  private final String publicKeyPem;

  // Guarded by this.
  private String jwt;
  private ClientCallStreamObserver<HeartbeatRequest> requests;
  private boolean answered;
  private boolean stopped;
  private int failuresInARow;
  private ScheduledFuture<?> beating;
  private final NavigableMap<Long, Long> inFlight = new TreeMap<>();
  private long lastTimestamp;
  private final List<AgentTaskProgress> progress = new ArrayList<>();
  private final List<AgentTaskResult> results = new ArrayList<>();
  private final List<AgentQueryResult> queryResults = new ArrayList<>();
  private final Map<String, CheckDefinition> checks = new HashMap<>();
  private final Map<String, Long> checkRanAt = new HashMap<>();

  // Vitals: each drifts around its own level.
  private final float[] level = new float[3];
  private final float[] value = new float[3];

  VirtualAgent(LoadTest run, int number, ManagedChannel channel, Identities.Identity known) {
    this.run = run;
    this.number = number;
    this.channel = channel;
    this.publicKeyPem = known == null ? newPublicKey() : known.publicKeyPem();
    this.jwt = known == null ? null : known.jwt();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    level[0] = 5 + random.nextFloat() * 55;
    level[1] = 20 + random.nextFloat() * 60;
    level[2] = 10 + random.nextFloat() * 80;
    System.arraycopy(level, 0, value, 0, 3);
  }

  private static String newPublicKey() {
    try {
      byte[] spki =
          KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
      return "-----BEGIN PUBLIC KEY-----\n"
          + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(spki)
          + "\n-----END PUBLIC KEY-----\n";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java has no Ed25519", e);
    }
  }

  /** Its identity once it has a JWT, for {@code --identities}. */
  synchronized Identities.Identity identity() {
    return jwt == null || jwt.isEmpty() ? null : new Identities.Identity(publicKeyPem, jwt);
  }

  /** Starts with the identity of an earlier run: heartbeats at once, registers if refused. */
  void resume() {
    run.stats().registrationsActive.incrementAndGet();
    startAfterPreflight();
  }

  String hostname() {
    return run.settings().hostname(number);
  }

  /** Registers (blocking; run on the registration pool). The outcome, for the preflight. */
  RegisterResponse register() {
    RegisterResponse response =
        IngestServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .register(
                RegisterRequest.newBuilder()
                    .setOrgToken(run.settings().token())
                    .setPublicKey(publicKeyPem)
                    .setPlatformInfo(
                        PlatformInfo.newBuilder()
                            .setOs("linux")
                            .setOsVersion("Load test 1.0")
                            .setArch("amd64"))
                    .setAgentInfo(
                        AgentInfo.newBuilder()
                            .setHostname(hostname())
                            .setVersion(LoadTest.AGENT_VERSION))
                    .build());
    synchronized (this) {
      jwt = response.getJwtToken();
    }
    return response;
  }

  /** Registers and starts heartbeating; on failure tries again after a backoff. */
  void start() {
    RegisterResponse response;
    try {
      response = register();
    } catch (RuntimeException e) {
      run.stats().registrationsFailed.incrementAndGet();
      run.stats().error("register", e);
      retryLater(this::start);
      return;
    }
    switch (response.getStatus()) {
      case "active" -> {
        run.stats().registrationsActive.incrementAndGet();
        startAfterPreflight();
      }
      case "pending" -> run.stats().registrationsPending.incrementAndGet();
      default -> {
        run.stats().revoked.incrementAndGet();
        run.stats().error("register: agent is " + response.getStatus());
      }
    }
  }

  /** Registered and active: opens the stream and heartbeats from now on. */
  void startAfterPreflight() {
    synchronized (this) {
      failuresInARow = 0;
    }
    connect();
    startBeating();
  }

  private void startBeating() {
    long interval = run.settings().heartbeatInterval().toMillis();
    long offset = ThreadLocalRandom.current().nextLong(Math.max(1, interval));
    synchronized (this) {
      if (!stopped) {
        try {
          beating =
              run.scheduler()
                  .scheduleAtFixedRate(this::beat, offset, interval, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException runIsOver) {
          stopped = true;
        }
      }
    }
  }

  private void retryLater(Runnable action) {
    long delay;
    synchronized (this) {
      if (stopped) {
        return;
      }
      delay = backoffMillis(failuresInARow++);
    }
    run.later(delay, action);
  }

  /** 1, 2, 4 … 60 s, each with up to 20 % jitter. */
  static long backoffMillis(int failuresSoFar) {
    long seconds = Math.min(MAX_BACKOFF_SECONDS, 1L << Math.min(failuresSoFar, 6));
    return (long) (seconds * 1000 * (1 + ThreadLocalRandom.current().nextDouble(0.2)));
  }

  /** Opens the heartbeat stream. */
  private void connect() {
    Metadata headers = new Metadata();
    synchronized (this) {
      if (stopped) {
        return;
      }
      headers.put(AUTHORIZATION, "Bearer " + jwt);
      answered = false;
    }
    IngestServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .heartbeat(new Answers());
  }

  /** Sends one heartbeat, if the stream is up; otherwise counts it as failed. */
  void beat() {
    HeartbeatRequest.Builder request = HeartbeatRequest.newBuilder();
    double jitter = run.settings().metricsJitter();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < 3; i++) {
      // drift by up to ±jitter of the value, pulled gently back to the agent's own level
      float next =
          (float) (value[i] * (1 + jitter * (random.nextDouble() * 2 - 1)) * 0.9 + level[i] * 0.1);
      value[i] = Math.max(0, Math.min(100, next));
    }
    long now = System.currentTimeMillis() / 1000;
    synchronized (this) {
      if (stopped) {
        return;
      }
      if (requests == null) {
        // the stream is down: this heartbeat cannot go out
        run.stats().heartbeatsFailed.incrementAndGet();
        return;
      }
      long timestamp = Math.max(now, lastTimestamp + 1);
      lastTimestamp = timestamp;
      request
          .setCpuPercent(value[0])
          .setMemoryPercent(value[1])
          .setDiskPercent(value[2])
          .setUptimeSeconds(now - run.startedUnix() + 86_400)
          .setTimestampUnix(timestamp)
          .setAgentVersion(LoadTest.AGENT_VERSION)
          .setOs("linux")
          .setArch("amd64")
          .setOsVersion("Load test 1.0")
          .setNetRxBytesPerSec(random.nextLong(1_000, 1_000_000))
          .setNetTxBytesPerSec(random.nextLong(1_000, 1_000_000));
      // (most heartbeats carry none of these: an empty addAll would still copy the builder's list)
      if (!progress.isEmpty()) {
        request.addAllTaskProgress(progress);
        progress.clear();
      }
      if (!results.isEmpty()) {
        request.addAllTaskResults(results);
        results.clear();
      }
      if (!queryResults.isEmpty()) {
        request.addAllQueryResults(queryResults);
        queryResults.clear();
      }
      for (CheckDefinition check : checks.values()) {
        long ranAt = checkRanAt.getOrDefault(check.getCheckId(), 0L);
        if (now - ranAt >= Math.max(1, check.getIntervalSeconds())) {
          checkRanAt.put(check.getCheckId(), now);
          boolean fails = random.nextInt(100) == 0;
          request.addCheckResults(
              CheckResult.newBuilder()
                  .setCheckId(check.getCheckId())
                  .setStatus(fails ? "fail" : "pass")
                  .setOutput(fails ? "load test: synthetic failure" : "load test")
                  .setDurationMs(1 + random.nextInt(50))
                  .setRanAtUnix(now));
          run.stats().checkResultsSent.incrementAndGet();
        }
      }
      inFlight.put(timestamp, System.nanoTime());
      run.stats().heartbeatsSent.incrementAndGet();
      try {
        requests.onNext(request.build());
      } catch (RuntimeException e) {
        // the call ended under us; onError settles the books
      }
    }
  }

  void stop() {
    ClientCallStreamObserver<HeartbeatRequest> call;
    synchronized (this) {
      stopped = true;
      if (beating != null) {
        beating.cancel(false);
      }
      call = requests;
      requests = null;
      inFlight.clear();
      if (answered) {
        run.stats().openStreams.decrementAndGet();
        answered = false;
      }
    }
    if (call != null) {
      try {
        call.cancel("load test finished", null);
      } catch (RuntimeException ignored) {
        // already ended
      }
    }
  }

  private void answered(HeartbeatResponse response) {
    long arrived = System.nanoTime();
    synchronized (this) {
      if (!answered) {
        answered = true;
        failuresInARow = 0;
        run.stats().openStreams.incrementAndGet();
      }
      NavigableMap<Long, Long> done = inFlight.headMap(response.getAckedThroughUnix(), true);
      for (long sentAt : done.values()) {
        run.stats().acknowledged(arrived - sentAt);
      }
      done.clear();
      // the whole set when checks_replace says so (even empty), or when the list is not empty
      if (response.getChecksReplace() || response.getChecksCount() > 0) {
        checks.clear();
        for (CheckDefinition check : response.getChecksList()) {
          checks.put(check.getCheckId(), check);
        }
        checkRanAt.keySet().retainAll(checks.keySet());
        // a new check first runs at a random point of its interval, as a fleet's would
        long now = System.currentTimeMillis() / 1000;
        for (CheckDefinition check : checks.values()) {
          checkRanAt.computeIfAbsent(
              check.getCheckId(),
              id ->
                  now
                      - ThreadLocalRandom.current()
                          .nextLong(Math.max(1, check.getIntervalSeconds())));
        }
      }
      for (AgentQuery query : response.getPendingQueriesList()) {
        queryResults.add(
            AgentQueryResult.newBuilder()
                .setQueryId(query.getQueryId())
                .setQueryType(query.getQueryType())
                .setStatus("ok")
                .build());
      }
    }
    if (response.hasPendingTask()) {
      task(response.getPendingTask());
    }
  }

  private void task(AgentTask task) {
    run.stats().tasksAnswered.incrementAndGet();
    if (task.getTaskType().equals(LoadTest.SCAN_TASK)) {
      run.stats().lastScanActivityNanos = System.nanoTime();
      run.stats().scansWaiting.incrementAndGet();
      LoadTest.onPool(
          run.tasks(),
          () -> {
            try {
              submitInventory(task);
            } finally {
              run.stats().lastScanActivityNanos = System.nanoTime();
              run.stats().scansWaiting.decrementAndGet();
            }
          });
      return;
    }
    synchronized (this) {
      progress.add(
          AgentTaskProgress.newBuilder()
              .setTaskId(task.getTaskId())
              .setOutputChunk("load test agent: nothing to do\n")
              .build());
      results.add(
          AgentTaskResult.newBuilder()
              .setTaskId(task.getTaskId())
              .setTaskType(task.getTaskType())
              .setExitCode(0)
              .setResultJson("{}")
              .build());
    }
  }

  /** Streams a synthetic inventory for the scan the server asked for, then reports the result. */
  private void submitInventory(AgentTask task) {
    Metadata headers = new Metadata();
    synchronized (this) {
      headers.put(AUTHORIZATION, "Bearer " + jwt);
    }
    AgentTaskResult result =
        SyntheticInventory.submit(
            IngestServiceGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)),
            task,
            run.settings().inventoryPackages(),
            number,
            run.stats());
    synchronized (this) {
      results.add(result);
    }
  }

  private void streamEnded(Throwable error) {
    boolean reRegister;
    synchronized (this) {
      run.stats().heartbeatsFailed.addAndGet(inFlight.size());
      inFlight.clear();
      requests = null;
      if (answered) {
        run.stats().openStreams.decrementAndGet();
        answered = false;
      }
      if (stopped) {
        return;
      }
      Status status = Status.fromThrowable(error);
      if (status.getCode() == Status.Code.PERMISSION_DENIED
          && String.valueOf(status.getDescription()).contains("revoked")) {
        stopped = true;
        if (beating != null) {
          beating.cancel(false);
        }
        run.stats().revoked.incrementAndGet();
        run.stats().error("heartbeat", error);
        return;
      }
      reRegister = status.getCode() == Status.Code.UNAUTHENTICATED;
    }
    run.stats().error("heartbeat", error);
    retryLater(
        () -> {
          if (reRegister) {
            try {
              register();
            } catch (RuntimeException e) {
              run.stats().registrationsFailed.incrementAndGet();
              run.stats().error("register", e);
              streamEnded(e);
              return;
            }
          }
          run.stats().reconnects.incrementAndGet();
          connect();
          beat();
        });
  }

  /** The answers on the heartbeat stream. */
  private final class Answers
      implements ClientResponseObserver<HeartbeatRequest, HeartbeatResponse> {
    @Override
    public void beforeStart(ClientCallStreamObserver<HeartbeatRequest> call) {
      synchronized (VirtualAgent.this) {
        requests = call;
      }
    }

    @Override
    public void onNext(HeartbeatResponse response) {
      answered(response);
    }

    @Override
    public void onError(Throwable error) {
      streamEnded(error);
    }

    @Override
    public void onCompleted() {
      streamEnded(Status.UNAVAILABLE.withDescription("the server closed the stream").asException());
    }
  }
}
