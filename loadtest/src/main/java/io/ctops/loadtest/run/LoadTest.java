package io.ctops.loadtest.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ctops.protocol.v1.RegisterResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * A load test run: N virtual agents registered over the ramp, heartbeating for the duration, a live
 * line every stats interval and a summary at the end (also on Ctrl-C).
 */
public final class LoadTest {
  static final String AGENT_VERSION = "0.0.0-loadtest";
  static final String SCAN_TASK = "software_inventory_scan";

  /** The run could not start; the message says why and what to do. */
  public static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  private final LoadSettings settings;
  private final PrintWriter out;
  private final LoadStats stats = new LoadStats();
  private final ScheduledExecutorService scheduler;
  private final ExecutorService registrations;
  private final ExecutorService tasks;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<VirtualAgent> agents = new ArrayList<>();
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);
  private final long startedUnix = System.currentTimeMillis() / 1000;
  private long startedNanos;
  private long steadyFromNanos;

  public LoadTest(LoadSettings settings, PrintWriter out) {
    this.settings = settings;
    this.out = out;
    ScheduledThreadPoolExecutor ticker =
        new ScheduledThreadPoolExecutor(2, daemon("loadtest-ticker"));
    ticker.setRemoveOnCancelPolicy(true);
    this.scheduler = ticker;
    this.registrations =
        Executors.newFixedThreadPool(
            settings.registrationConcurrency(), daemon("loadtest-register"));
    this.tasks = Executors.newFixedThreadPool(4, daemon("loadtest-task"));
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return Thread.ofPlatform().name(name + "-", 0).daemon().factory();
  }

  LoadSettings settings() {
    return settings;
  }

  LoadStats stats() {
    return stats;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  ExecutorService registrations() {
    return registrations;
  }

  ExecutorService tasks() {
    return tasks;
  }

  long startedUnix() {
    return startedUnix;
  }

  /** Runs {@code action} on the registration pool after {@code millis}; nothing once stopping. */
  void later(long millis, Runnable action) {
    try {
      scheduler.schedule(() -> onPool(registrations, action), millis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      // the run is over
    }
  }

  /** Runs {@code action} on {@code pool}; nothing once stopping. */
  static void onPool(ExecutorService pool, Runnable action) {
    try {
      pool.execute(action);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      // the run is over
    }
  }

  /**
   * Asks a running {@link #run()} to stop now and print its summary (Ctrl-C), and waits up to
   * {@code patience} for that, so the JVM does not exit before the summary is out.
   */
  public void stopAndAwaitSummary(Duration patience) {
    stopRequested.countDown();
    try {
      finished.await(patience.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs to the end (or until {@link #stopAndAwaitSummary}) and returns the summary. */
  public Summary run() throws InterruptedException {
    try {
      return runToTheEnd();
    } finally {
      finished.countDown();
    }
  }

  private Summary runToTheEnd() throws InterruptedException {
    SslContext tls = tls();
    for (int i = 0; i < settings.connections(); i++) {
      channels.add(
          NettyChannelBuilder.forAddress(settings.host(), settings.port())
              .sslContext(tls)
              .directExecutor()
              .keepAliveTime(5, TimeUnit.MINUTES)
              .build());
    }
    Map<Integer, Identities.Identity> known = knownIdentities();
    for (int n = 0; n < settings.agents(); n++) {
      agents.add(new VirtualAgent(this, n, channels.get(n / settings.connFanout()), known.get(n)));
    }
    out.printf(
        Locale.ROOT,
        "loadtest: run %s: %,d agents over %,d connections to %s:%d, heartbeat every %ds,"
            + " ramp %ds, %s%n",
        settings.runId(),
        settings.agents(),
        channels.size(),
        settings.host(),
        settings.port(),
        settings.heartbeatInterval().toSeconds(),
        settings.ramp().toSeconds(),
        settings.duration().isZero()
            ? "until Ctrl-C"
            : "then " + settings.duration().toSeconds() + "s");
    preflight(agents.get(0));
    startedNanos = System.nanoTime();
    long rampNanos = settings.ramp().toNanos();
    for (int n = 1; n < agents.size(); n++) {
      VirtualAgent agent = agents.get(n);
      long at = rampNanos * n / agents.size();
      Runnable begin = known.containsKey(n) ? agent::resume : agent::start;
      scheduler.schedule(() -> onPool(registrations, begin), at, TimeUnit.NANOSECONDS);
    }
    ScheduledExecutorService printer =
        Executors.newSingleThreadScheduledExecutor(daemon("loadtest-stats"));
    long every = settings.statsInterval().toMillis();
    printer.scheduleAtFixedRate(this::liveLine, every, every, TimeUnit.MILLISECONDS);
    waitForSteadyState(System.nanoTime() + rampNanos);
    if (stopRequested.getCount() > 0) {
      if (settings.duration().isZero()) {
        stopRequested.await();
      } else {
        stopRequested.await(settings.duration().toNanos(), TimeUnit.NANOSECONDS);
      }
    }
    printer.shutdownNow();
    Summary summary = finish();
    summary.print(out);
    settings.outputJson().ifPresent(file -> writeJson(summary, file));
    return summary;
  }

  /**
   * Waits until every agent is registered (or refused) and has had one heartbeat interval to
   * connect, and the ramp is over: from then on the figures are the steady state. If registrations
   * stop progressing for two minutes after the ramp, the steady state begins without the rest.
   */
  private void waitForSteadyState(long rampEnd) throws InterruptedException {
    long interval = settings.heartbeatInterval().toNanos();
    long allRegisteredAt = 0;
    long lastSettled = -1;
    long lastProgressAt = System.nanoTime();
    while (stopRequested.getCount() > 0) {
      long now = System.nanoTime();
      long settled =
          stats.registrationsActive.get() + stats.registrationsPending.get() + stats.revoked.get();
      if (settled != lastSettled) {
        lastSettled = settled;
        lastProgressAt = now;
      }
      if (allRegisteredAt == 0 && settled >= settings.agents()) {
        allRegisteredAt = now;
      }
      boolean ready = allRegisteredAt != 0 && now >= Math.max(rampEnd, allRegisteredAt + interval);
      boolean stuck = now >= rampEnd && now - lastProgressAt > TimeUnit.MINUTES.toNanos(2);
      if (ready || stuck) {
        steadyFromNanos = now;
        stats.rampFinished();
        out.printf(
            Locale.ROOT,
            "loadtest: steady state after %.0fs: %,d of %,d agents registered%s%n",
            (now - startedNanos) / 1e9,
            stats.registrationsActive.get(),
            settings.agents(),
            settings.duration().isZero()
                ? "; measuring until Ctrl-C"
                : "; measuring for " + settings.duration().toSeconds() + "s");
        out.flush();
        return;
      }
      stopRequested.await(250, TimeUnit.MILLISECONDS);
    }
  }

  private Map<Integer, Identities.Identity> knownIdentities() {
    if (settings.identities().isEmpty()) {
      return Map.of();
    }
    try {
      Map<Integer, Identities.Identity> known =
          Identities.read(settings.identities().get())
              .map(Identities.Fleet::agents)
              .orElse(Map.of());
      if (!known.isEmpty()) {
        out.printf(
            Locale.ROOT,
            "loadtest: reusing %,d identities from %s%n",
            Math.min(known.size(), settings.agents()),
            settings.identities().get());
      }
      return known;
    } catch (IOException e) {
      throw new Refused("--identities: " + e.getMessage());
    }
  }

  /** Keeps every agent's identity for the next run (--identities). */
  private void saveIdentities() {
    if (settings.identities().isEmpty()) {
      return;
    }
    Map<Integer, Identities.Identity> all = new java.util.HashMap<>();
    try {
      Identities.read(settings.identities().get()).ifPresent(f -> all.putAll(f.agents()));
      for (int n = 0; n < agents.size(); n++) {
        Identities.Identity identity = agents.get(n).identity();
        if (identity != null) {
          all.put(n, identity);
        }
      }
      Identities.write(
          settings.identities().get(),
          new Identities.Fleet(settings.runId(), settings.hostnamePrefix(), all));
    } catch (IOException e) {
      out.println("loadtest: cannot keep identities in " + settings.identities().get() + ": " + e);
    }
  }

  private SslContext tls() {
    try {
      SslContextBuilder builder = GrpcSslContexts.forClient();
      if (settings.tlsSkipVerify()) {
        builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
      } else if (settings.caCert().isPresent()) {
        builder.trustManager(settings.caCert().get().toFile());
      }
      return builder.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new Refused("--ca-cert: cannot use it as a CA certificate: " + e.getMessage());
    }
  }

  /** Registers the first agent and stops the run unless the token approves agents at once. */
  private void preflight(VirtualAgent first) {
    RegisterResponse response;
    try {
      response = first.register();
    } catch (StatusRuntimeException e) {
      close();
      Status status = e.getStatus();
      throw new Refused(
          "preflight registration of "
              + first.hostname()
              + " failed: "
              + status.getCode()
              + (status.getDescription() == null ? "" : " " + status.getDescription())
              + (status.getCode() == Status.Code.UNAVAILABLE
                  ? " (is ingest running at that address, and does --ca-cert match its certificate?)"
                  : ""));
    }
    if (!response.getStatus().equals("active")) {
      close();
      throw new Refused(
          "the token is not auto-approve: preflight agent "
              + first.hostname()
              + " is "
              + response.getStatus()
              + (response.getMessage().isEmpty() ? "" : " (" + response.getMessage() + ")")
              + "; create one with `ctops token create --auto-approve` and remove this run's"
              + " agent with `ctops loadtest cleanup --run-id "
              + settings.runId()
              + "`");
    }
    stats.registrationsActive.incrementAndGet();
    registrations.execute(first::startAfterPreflight);
  }

  private void liveLine() {
    try {
      LatencyHistogram recent = stats.takeRecent();
      double elapsed = (System.nanoTime() - startedNanos) / 1e9;
      out.printf(
          Locale.ROOT,
          "[%5.0fs] registrations active=%d pending=%d failed=%d | streams=%d |"
              + " heartbeats sent=%d acked=%d failed=%d | ack p95=%.1fms | reconnects=%d%n",
          elapsed,
          stats.registrationsActive.get(),
          stats.registrationsPending.get(),
          stats.registrationsFailed.get(),
          stats.openStreams.get(),
          stats.heartbeatsSent.get(),
          stats.heartbeatsAcknowledged.get(),
          stats.heartbeatsFailed.get(),
          recent.percentileMillis(0.95),
          stats.reconnects.get());
      for (String error : stats.recentErrors(3)) {
        out.println("         error: " + error);
      }
      out.flush();
    } catch (RuntimeException e) {
      // a live line is not worth ending the run for
    }
  }

  private Summary finish() {
    long ended = System.nanoTime();
    double seconds = (ended - startedNanos) / 1e9;
    double steadySeconds = steadyFromNanos == 0 ? 0 : (ended - steadyFromNanos) / 1e9;
    Summary summary = Summary.of(settings, stats, seconds, steadySeconds);
    close();
    saveIdentities();
    return summary;
  }

  private void close() {
    scheduler.shutdownNow();
    registrations.shutdownNow();
    tasks.shutdownNow();
    agents.forEach(VirtualAgent::stop);
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel channel : channels) {
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void writeJson(Summary summary, java.nio.file.Path file) {
    try {
      Files.writeString(
          file,
          new ObjectMapper()
                  .enable(SerializationFeature.INDENT_OUTPUT)
                  .writeValueAsString(summary.asMap())
              + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The figures of a finished run. */
  public record Summary(
      LoadSettings settings,
      double seconds,
      double steadySeconds,
      long registrationsActive,
      long registrationsPending,
      long registrationsFailed,
      long heartbeatsSent,
      long heartbeatsAcknowledged,
      long heartbeatsFailed,
      long reconnects,
      long tasksAnswered,
      long inventoriesSent,
      long revoked,
      long steadyAcknowledged,
      Map<String, Double> ackMillis,
      String ackWindow,
      Map<String, Long> errors,
      long errorsNotKept) {

    static Summary of(LoadSettings settings, LoadStats stats, double seconds, double steady) {
      LatencyHistogram latencies = stats.steady.count() > 0 ? stats.steady : stats.all;
      Map<String, Double> ack = new LinkedHashMap<>();
      ack.put("p50", latencies.percentileMillis(0.50));
      ack.put("p90", latencies.percentileMillis(0.90));
      ack.put("p95", latencies.percentileMillis(0.95));
      ack.put("p99", latencies.percentileMillis(0.99));
      ack.put("p99.9", latencies.percentileMillis(0.999));
      ack.put("max", latencies.maxMillis());
      Map<String, Long> errors = new LinkedHashMap<>();
      stats.errors().entrySet().stream()
          .limit(20)
          .forEach(e -> errors.put(e.getKey(), e.getValue()));
      return new Summary(
          settings,
          seconds,
          steady,
          stats.registrationsActive.get(),
          stats.registrationsPending.get(),
          stats.registrationsFailed.get(),
          stats.heartbeatsSent.get(),
          stats.heartbeatsAcknowledged.get(),
          stats.heartbeatsFailed.get(),
          stats.reconnects.get(),
          stats.tasksAnswered.get(),
          stats.inventoriesSent.get(),
          stats.revoked.get(),
          stats.steady.count(),
          ack,
          stats.steady.count() > 0 ? "steady state (all agents registered)" : "whole run",
          errors,
          stats.errorsNotKept() + Math.max(0, stats.errors().size() - 20));
    }

    /** Acknowledged heartbeats per second in the steady state (or over the run, if none). */
    public double heartbeatsPerSecond() {
      if (steadySeconds > 0) {
        return steadyAcknowledged / steadySeconds;
      }
      return seconds <= 0 ? 0 : heartbeatsAcknowledged / seconds;
    }

    void print(PrintWriter out) {
      out.printf(Locale.ROOT, "%nloadtest summary: run %s%n", settings.runId());
      out.printf(
          Locale.ROOT,
          "  agents            %,d (registered %,d, pending %,d, registration failures %,d)%n",
          settings.agents(),
          registrationsActive,
          registrationsPending,
          registrationsFailed);
      out.printf(
          Locale.ROOT, "  duration          %.0f s (steady %.0f s)%n", seconds, steadySeconds);
      out.printf(
          Locale.ROOT,
          "  heartbeats        sent %,d, acknowledged %,d, failed %,d (%.1f acknowledged/s steady)%n",
          heartbeatsSent,
          heartbeatsAcknowledged,
          heartbeatsFailed,
          heartbeatsPerSecond());
      out.printf(
          Locale.ROOT,
          "  ack time (ms)     p50 %.1f  p90 %.1f  p95 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  [%s]%n",
          ackMillis.get("p50"),
          ackMillis.get("p90"),
          ackMillis.get("p95"),
          ackMillis.get("p99"),
          ackMillis.get("p99.9"),
          ackMillis.get("max"),
          ackWindow);
      out.printf(
          Locale.ROOT,
          "  reconnects        %,d; tasks answered %,d (inventories sent %,d); revoked %,d%n",
          reconnects,
          tasksAnswered,
          inventoriesSent,
          revoked);
      if (errors.isEmpty()) {
        out.println("  errors            none");
      } else {
        out.println("  errors (distinct, most frequent first):");
        errors.forEach((kind, count) -> out.printf(Locale.ROOT, "    %,8d × %s%n", count, kind));
        if (errorsNotKept > 0) {
          out.printf(Locale.ROOT, "    … and %,d more of other kinds%n", errorsNotKept);
        }
      }
      out.flush();
    }

    Map<String, Object> asMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("run_id", settings.runId());
      map.put("address", settings.host() + ":" + settings.port());
      map.put("agents", settings.agents());
      map.put("heartbeat_interval_s", settings.heartbeatInterval().toSeconds());
      map.put("ramp_s", settings.ramp().toSeconds());
      map.put("duration_s", seconds);
      map.put("steady_s", steadySeconds);
      map.put("registrations_active", registrationsActive);
      map.put("registrations_pending", registrationsPending);
      map.put("registrations_failed", registrationsFailed);
      map.put("heartbeats_sent", heartbeatsSent);
      map.put("heartbeats_acknowledged", heartbeatsAcknowledged);
      map.put("heartbeats_failed", heartbeatsFailed);
      map.put("heartbeats_per_s", heartbeatsPerSecond());
      map.put("ack_ms", ackMillis);
      map.put("ack_window", ackWindow);
      map.put("reconnects", reconnects);
      map.put("tasks_answered", tasksAnswered);
      map.put("inventories_sent", inventoriesSent);
      map.put("revoked", revoked);
      map.put("errors", errors);
      map.put("errors_not_listed", errorsNotKept);
      return map;
    }
  }
}
