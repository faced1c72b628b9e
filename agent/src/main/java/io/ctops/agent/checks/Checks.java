package io.ctops.agent.checks;

import io.ctops.agent.host.HostTools;
import io.ctops.protocol.v1.CheckDefinition;
import io.ctops.protocol.v1.CheckResult;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Health checks the server defines for this host, each run on its own interval with its results
 * queued in the {@link CheckOutbox} for the heartbeats to carry. The set comes on heartbeat answers
 * and is kept in the data dir ({@link StoredChecks}). Replacing it stops removed checks, restarts
 * changed ones and leaves unchanged ones on their schedule. At most {@link #MAX_CHECKS}; each one
 * past that is answered once with an {@code error} result.
 *
 * <p>All changes to the set happen on the {@code checks} thread, which also starts each run (on a
 * thread of the run's own) and times it out; it never waits for a check.
 */
public final class Checks implements AutoCloseable {
  public static final int MAX_CHECKS = 500;

  /** First runs are spread over up to this long, so a large set does not start all at once. */
  static final Duration FIRST_RUN_SPREAD = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger("agent");

  private final StoredChecks stored;
  private final Probes probes;
  private final Consumer<CheckResult> results;
  private final Clock clock;
  private final Duration firstRunSpread;
  private final ScheduledThreadPoolExecutor schedule;
  // Only the checks thread reads or changes these.
  private List<CheckDefinition> received = List.of();
  private final Map<String, ScheduledCheck> scheduled = new HashMap<>();

  /** The checks of the agent whose data dir is {@code dataDir}, reading the host's files. */
  public Checks(Path dataDir, HostTools tools, CheckOutbox outbox, Clock clock) {
    this(dataDir, new Probes(tools, Path.of("/"), clock), outbox::add, clock, FIRST_RUN_SPREAD);
  }

  /** Checks reporting to {@code results}, first runs spread over {@code firstRunSpread}. */
  Checks(
      Path dataDir,
      Probes probes,
      Consumer<CheckResult> results,
      Clock clock,
      Duration firstRunSpread) {
    this.stored = new StoredChecks(dataDir);
    this.probes = probes;
    this.results = results;
    this.clock = clock;
    this.firstRunSpread = firstRunSpread;
    this.schedule =
        new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("checks").daemon().factory());
    // Every run schedules its timeout and almost every one is cancelled: do not keep them queued.
    this.schedule.setRemoveOnCancelPolicy(true);
  }

  /** Runs the stored set, if there is one. */
  public void start() {
    submit(
        () -> {
          List<CheckDefinition> definitions = stored.load();
          if (!definitions.isEmpty()) {
            log.info("event=checks_loaded count={}", definitions.size());
            apply(definitions, false);
          }
        });
  }

  /**
   * What a heartbeat answer says about the set: with {@code replace} it is {@code checks}, even
   * when empty; otherwise a non-empty {@code checks} replaces it (what servers that do not send
   * {@code replace} mean) and an empty one leaves it as it is. Returns at once.
   */
  public void received(List<CheckDefinition> checks, boolean replace) {
    if (!replace && checks.isEmpty()) {
      return;
    }
    List<CheckDefinition> definitions = List.copyOf(checks);
    submit(() -> apply(definitions, true));
  }

  private void apply(List<CheckDefinition> definitions, boolean store) {
    Map<String, CheckDefinition> wanted = new LinkedHashMap<>();
    List<CheckDefinition> beyond = new ArrayList<>();
    int unnamed = 0;
    for (CheckDefinition definition : definitions) {
      if (definition.getCheckId().isBlank()) {
        unnamed++;
      } else if (!wanted.containsKey(definition.getCheckId())) {
        if (wanted.size() < MAX_CHECKS) {
          wanted.put(definition.getCheckId(), definition);
        } else {
          beyond.add(definition);
        }
      }
    }
    int removed = 0;
    int changed = 0;
    int started = 0;
    for (var check : List.copyOf(scheduled.values())) {
      CheckDefinition now = wanted.get(check.definition().getCheckId());
      if (!check.definition().equals(now)) {
        check.stop();
        scheduled.remove(check.definition().getCheckId());
        if (now == null) {
          removed++;
        } else {
          changed++;
        }
      }
    }
    for (CheckDefinition definition : wanted.values()) {
      if (scheduled.containsKey(definition.getCheckId())) {
        continue;
      }
      ScheduledCheck check = new ScheduledCheck(definition, probes, results, clock, schedule);
      scheduled.put(definition.getCheckId(), check);
      check.start(firstDelay(check.plan().interval()));
      if (check.plan() instanceof CheckPlan.Refused refused) {
        log.warn(
            "event=check_not_runnable check_id={} check_type={} reason=\"{}\"",
            definition.getCheckId(),
            definition.getCheckType(),
            refused.reason());
      }
      started++;
    }
    refuseBeyondLimit(beyond, wanted.size() + beyond.size());
    if (store && !definitions.equals(received)) {
      stored.save(definitions);
    }
    received = definitions;
    if (started + removed > 0 || !beyond.isEmpty() || unnamed > 0) {
      log.info(
          "event=checks_updated count={} added={} changed={} removed={} beyond_limit={}"
              + " without_id={}",
          scheduled.size(),
          started - changed,
          changed,
          removed,
          beyond.size(),
          unnamed);
    }
  }

  /** One error result for each check past the limit, once per set received. */
  private void refuseBeyondLimit(List<CheckDefinition> beyond, int total) {
    for (CheckDefinition definition : beyond) {
      results.accept(
          CheckResult.newBuilder()
              .setCheckId(definition.getCheckId())
              .setStatus(Outcome.Status.ERROR.wire)
              .setOutput(
                  "not run: this agent runs at most "
                      + MAX_CHECKS
                      + " checks and this host has "
                      + total)
              .setRanAtUnix(clock.instant().getEpochSecond())
              .build());
    }
  }

  /**
   * Runs this host's checks of {@code types} now, besides their schedule (an operator's rescan of
   * the accounts); returns how many it started (0: none applies to the host). Results go to the
   * server as any run's.
   */
  public int runNow(Set<String> types) throws InterruptedException {
    CompletableFuture<Integer> started = new CompletableFuture<>();
    submit(
        () -> {
          int count = 0;
          for (ScheduledCheck check : scheduled.values()) {
            if (types.contains(check.definition().getCheckType())
                && check.plan() instanceof CheckPlan.Runs) {
              check.runNow();
              count++;
            }
          }
          started.complete(count);
        });
    try {
      return started.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return 0;
    }
  }

  private Duration firstDelay(Duration interval) {
    long spread = Math.min(firstRunSpread.toMillis(), interval.toMillis());
    return Duration.ofMillis(spread <= 0 ? 0 : ThreadLocalRandom.current().nextLong(spread));
  }

  private void submit(Runnable change) {
    try {
      schedule.execute(
          () -> {
            try {
              change.run();
            } catch (RuntimeException e) {
              log.error("event=checks_update_failed error=\"{}\"", e.toString());
            }
          });
    } catch (RejectedExecutionException stopping) {
      // the agent is stopping
    }
  }

  /** Stops every check; runs under way are interrupted. */
  @Override
  public void close() {
    try {
      schedule
          .submit(
              () -> {
                scheduled.values().forEach(ScheduledCheck::stop);
                scheduled.clear();
              })
          .get(5, TimeUnit.SECONDS);
    } catch (RejectedExecutionException alreadyClosed) {
      // closed before
    } catch (ExecutionException | TimeoutException e) {
      log.warn("event=checks_stop_failed error=\"{}\"", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    schedule.shutdownNow();
    probes.close();
  }
}
