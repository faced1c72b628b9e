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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * A load test run: N virtual agents registered over the ramp, heartbeating for the duration, a live
 * line every stats interval and a summary at the end (also on Ctrl-C).
 */
public final class LoadTest {
  static final String AGENT_VERSION = "0.0.0-loadtest";
  static final String SCAN_TASK = "software_inventory";

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
    this.tasks =
        Executors.newFixedThreadPool(settings.inventoryConcurrency(), daemon("loadtest-task"));
  }

  private static ThreadFactory daemon(String name) {
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
    } catch (RejectedExecutionException stopping) {
      // the run is over
    }
  }

  /** Runs {@code action} on {@code pool}; nothing once stopping. */
  static void onPool(ExecutorService pool, Runnable action) {
    try {
      pool.execute(action);
    } catch (RejectedExecutionException stopping) {
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
  public RunSummary run() throws InterruptedException {
    try {
      return runToTheEnd();
    } finally {
      finished.countDown();
    }
  }

  private RunSummary runToTheEnd() throws InterruptedException {
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
    RunSummary summary = finish();
    summary.print(out);
    settings.outputJson().ifPresent(file -> writeJson(summary, file));
    return summary;
  }

  /**
   * Waits for the steady state: the ramp is over, every agent is registered (or refused), every
   * registered agent has a stream the server has answered, and one heartbeat interval has passed
   * since the last of them connected (the server works off the connection storm: each opening
   * stream writes the host's status). From then on the figures are the steady state; the summary
   * also gives the whole run's. With {@code --settle-scans} it also waits until no software scan
   * has been asked for or waiting for that long, so a new fleet's first inventories are not in it
   * (for as long as scans keep coming). If registrations stop progressing for two minutes after the
   * ramp, or streams are still missing two intervals (at least two minutes) after the last
   * registration, the steady state begins without the rest.
   */
  private void waitForSteadyState(long rampEnd) throws InterruptedException {
    long interval = settings.heartbeatInterval().toNanos();
    long patience = Math.max(TimeUnit.MINUTES.toNanos(2), 2 * interval);
    long allRegisteredAt = 0;
    long connectedAt = 0;
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
      if (allRegisteredAt != 0
          && connectedAt == 0
          && stats.openStreams.get() >= stats.registrationsActive.get()) {
        connectedAt = now;
      }
      boolean ready =
          connectedAt != 0
              && now >= Math.max(rampEnd, connectedAt + interval)
              && (settings.settleScans().isEmpty()
                  || scansSettled(now, connectedAt, settings.settleScans().get()));
      boolean stuck =
          now >= rampEnd
              && ((allRegisteredAt == 0 && now - lastProgressAt > TimeUnit.MINUTES.toNanos(2))
                  || (allRegisteredAt != 0
                      && connectedAt == 0
                      && now - allRegisteredAt > patience));
      if (ready || stuck) {
        steadyFromNanos = now;
        stats.rampFinished();
        out.printf(
            Locale.ROOT,
            "loadtest: steady state after %.0fs: %,d of %,d agents registered, %,d streams open%s%s%n",
            (now - startedNanos) / 1e9,
            stats.registrationsActive.get(),
            settings.agents(),
            stats.openStreams.get(),
            ready && settings.settleScans().isPresent()
                ? String.format(
                    Locale.ROOT,
                    ", %,d inventories sent, no scan asked for in %ds",
                    stats.inventoriesSent.get(),
                    settings.settleScans().get().toSeconds())
                : "",
            settings.duration().isZero()
                ? "; measuring until Ctrl-C"
                : "; measuring for " + settings.duration().toSeconds() + "s");
        out.flush();
        return;
      }
      stopRequested.await(250, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * No scan waits for its inventory, and none was asked for or finished for {@code quiet}, counted
   * from {@code connectedAt} at the earliest (the server asks for a new fleet's scans only a little
   * after its streams opened).
   */
  private boolean scansSettled(long now, long connectedAt, Duration quiet) {
    if (stats.scansWaiting.get() > 0) {
      return false;
    }
    long last = stats.lastScanActivityNanos;
    long quietSince = last != 0 && last - connectedAt > 0 ? last : connectedAt;
    return now - quietSince >= quiet.toNanos();
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
    Map<Integer, Identities.Identity> all = new HashMap<>();
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
              + " heartbeats sent=%d acked=%d failed=%d | ack p95=%.1fms | reconnects=%d |"
              + " scans sent=%d waiting=%d%n",
          elapsed,
          stats.registrationsActive.get(),
          stats.registrationsPending.get(),
          stats.registrationsFailed.get(),
          stats.openStreams.get(),
          stats.heartbeatsSent.get(),
          stats.heartbeatsAcknowledged.get(),
          stats.heartbeatsFailed.get(),
          recent.percentileMillis(0.95),
          stats.reconnects.get(),
          stats.inventoriesSent.get(),
          stats.scansWaiting.get());
      for (String error : stats.recentErrors(3)) {
        out.println("         error: " + error);
      }
      out.flush();
    } catch (RuntimeException e) {
      // a live line is not worth ending the run for
    }
  }

  private RunSummary finish() {
    long ended = System.nanoTime();
    double seconds = (ended - startedNanos) / 1e9;
    double steadySeconds = steadyFromNanos == 0 ? 0 : (ended - steadyFromNanos) / 1e9;
    RunSummary summary = RunSummary.of(settings, stats, seconds, steadySeconds);
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

  private static void writeJson(RunSummary summary, Path file) {
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
}
