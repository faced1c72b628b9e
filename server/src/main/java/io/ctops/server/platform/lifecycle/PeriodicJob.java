package io.ctops.server.platform.lifecycle;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job a role runs every so often on a thread of its own (sweeps, dispatch, rechecks): a run that
 * throws is logged and the next one runs as planned, so one bad run (the database away for a
 * moment) never stops the job. Built by the role, started by {@link #start}, stopped by close.
 */
public final class PeriodicJob implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PeriodicJob.class);

  private final String name;
  private final Duration firstAfter;
  private final Duration every;
  private final Runnable job;
  private ScheduledExecutorService thread;

  public PeriodicJob(String name, Duration firstAfter, Duration every, Runnable job) {
    this.name = name;
    this.firstAfter = firstAfter;
    this.every = every;
    this.job = job;
  }

  public PeriodicJob(String name, Duration every, Runnable job) {
    this(name, every, every, job);
  }

  /** Starts the job's thread; returns this. */
  public PeriodicJob start() {
    thread =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> Thread.ofPlatform().name(name).daemon().unstarted(runnable));
    thread.scheduleWithFixedDelay(
        this::runOnce, firstAfter.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private void runOnce() {
    try {
      job.run();
    } catch (RuntimeException e) {
      log.warn("event=periodic_job_failed job={} error={}", name, e.toString());
    }
  }

  @Override
  public void close() {
    if (thread != null) {
      thread.shutdownNow();
    }
  }
}
