package io.ctops.agent.checks;

import io.ctops.protocol.checks.CheckConfig;
import io.ctops.protocol.v1.CheckDefinition;
import io.ctops.protocol.v1.CheckResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One check on its schedule. The schedule's thread only starts runs: each run is a virtual thread
 * of its own, so a check that hangs holds up nothing else. At most one run at a time (a tick that
 * finds the last run still going is skipped), and each run is bounded by its timeout: past it the
 * timeout is reported at once and the run's thread interrupted; what it finds afterwards is
 * dropped. Until that thread ends, each tick reports that it has not.
 */
final class ScheduledCheck {
  private static final Logger log = LoggerFactory.getLogger("agent");

  private final CheckDefinition definition;
  private final CheckPlan plan;
  private final Probes probes;
  private final Consumer<CheckResult> results;
  private final Clock clock;
  private final ScheduledExecutorService schedule;
  private ScheduledFuture<?> ticks;
  private Run current;
  private boolean stopped;

  /** One run: its thread, when it began, whether its result was reported. */
  private static final class Run {
    final Instant ranAt;
    final long startNanos = System.nanoTime();
    Thread thread;
    ScheduledFuture<?> deadline;
    boolean reported;

    Run(Instant ranAt) {
      this.ranAt = ranAt;
    }
  }

  ScheduledCheck(
      CheckDefinition definition,
      Probes probes,
      Consumer<CheckResult> results,
      Clock clock,
      ScheduledExecutorService schedule) {
    this(definition, CheckPlan.of(definition), probes, results, clock, schedule);
  }

  /** A check run to {@code plan} (tests give one an interval shorter than definitions allow). */
  ScheduledCheck(
      CheckDefinition definition,
      CheckPlan plan,
      Probes probes,
      Consumer<CheckResult> results,
      Clock clock,
      ScheduledExecutorService schedule) {
    this.definition = definition;
    this.plan = plan;
    this.probes = probes;
    this.results = results;
    this.clock = clock;
    this.schedule = schedule;
  }

  CheckDefinition definition() {
    return definition;
  }

  CheckPlan plan() {
    return plan;
  }

  /** Runs first after {@code firstDelay}, then every interval. */
  synchronized void start(Duration firstDelay) {
    ticks =
        schedule.scheduleAtFixedRate(
            this::tick, firstDelay.toMillis(), plan.interval().toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * One run now, besides the schedule (an operator's rescan); skipped like a tick when a run is
   * under way, whose result is then the one they get.
   */
  void runNow() {
    schedule.execute(this::tick);
  }

  /** No more runs; a run under way is interrupted and its result dropped. */
  synchronized void stop() {
    stopped = true;
    if (ticks != null) {
      ticks.cancel(false);
    }
    if (current != null) {
      current.deadline.cancel(false);
      current.thread.interrupt();
    }
  }

  private void tick() {
    // An exception escaping a periodic task would end its schedule for good.
    try {
      switch (plan) {
        case CheckPlan.Refused refused ->
            report(Outcome.error(refused.reason()), clock.instant(), 0);
        case CheckPlan.Runs runs -> begin(runs.config());
      }
    } catch (RuntimeException e) {
      log.warn(
          "event=check_tick_failed check_id={} error=\"{}\"",
          definition.getCheckId(),
          e.toString());
    }
  }

  private synchronized void begin(CheckConfig config) {
    if (stopped) {
      return;
    }
    if (current != null) {
      if (current.reported) {
        long seconds = Duration.between(current.ranAt, clock.instant()).toSeconds();
        report(
            Probes.timedOut(config, " (the run started " + seconds + " s ago has not ended yet)"),
            clock.instant(),
            config.timeout().toMillis());
      } else {
        log.debug("event=check_tick_skipped check_id={}", definition.getCheckId());
      }
      return;
    }
    Run run = new Run(clock.instant());
    run.thread =
        Thread.ofVirtual()
            .name("check-" + definition.getCheckId())
            .unstarted(() -> execute(run, config));
    run.deadline =
        schedule.schedule(
            () -> timedOut(run, config), config.timeout().toMillis(), TimeUnit.MILLISECONDS);
    current = run;
    run.thread.start();
  }

  private void execute(Run run, CheckConfig config) {
    Outcome outcome;
    try {
      outcome = probes.run(config);
    } catch (InterruptedException e) {
      outcome = null;
    } catch (RuntimeException | StackOverflowError e) {
      log.warn(
          "event=check_failed check_id={} check_type={} error=\"{}\"",
          definition.getCheckId(),
          definition.getCheckType(),
          e.toString());
      outcome = Outcome.error("the check could not run: " + e);
    }
    finished(run, outcome);
  }

  private synchronized void finished(Run run, Outcome outcome) {
    run.deadline.cancel(false);
    if (current == run) {
      current = null;
    }
    if (stopped || run.reported || outcome == null) {
      return;
    }
    run.reported = true;
    long millis =
        outcome
            .latency()
            .orElseGet(() -> Duration.ofNanos(System.nanoTime() - run.startNanos))
            .toMillis();
    report(outcome, run.ranAt, millis);
  }

  private synchronized void timedOut(Run run, CheckConfig config) {
    if (stopped || run.reported || current != run) {
      return;
    }
    run.reported = true;
    report(Probes.timedOut(config, ""), run.ranAt, config.timeout().toMillis());
    run.thread.interrupt();
  }

  private void report(Outcome outcome, Instant ranAt, long millis) {
    results.accept(
        CheckResult.newBuilder()
            .setCheckId(definition.getCheckId())
            .setStatus(outcome.status().wire)
            .setOutput(CheckOutput.fit(outcome.output(), definition.getCheckType()))
            .setDurationMs((int) Math.min(Integer.MAX_VALUE, Math.max(0, millis)))
            .setRanAtUnix(ranAt.getEpochSecond())
            .build());
    log.debug(
        "event=check_ran check_id={} status={} duration_ms={}",
        definition.getCheckId(),
        outcome.status().wire,
        millis);
  }
}
