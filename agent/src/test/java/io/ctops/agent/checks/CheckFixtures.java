package io.ctops.agent.checks;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.checks.CheckConfig;
import io.ctops.protocol.v1.CheckDefinition;
import io.ctops.protocol.v1.CheckResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Definitions as the server sends them, and the results checks report, for tests. */
final class CheckFixtures {
  private CheckFixtures() {}

  static CheckDefinition aCheck(String id, String type, String configJson) {
    return aCheck(id, type, configJson, 60);
  }

  static CheckDefinition aCheck(String id, String type, String configJson, int intervalSeconds) {
    return CheckDefinition.newBuilder()
        .setCheckId(id)
        .setCheckType(type)
        .setConfigJson(configJson)
        .setIntervalSeconds(intervalSeconds)
        .build();
  }

  /** The parameters as the agent reads them from {@code config_json}; they must be valid. */
  static CheckConfig config(String type, String configJson) {
    CheckPlan plan = CheckPlan.of(aCheck("c-1", type, configJson));
    assertThat(plan).as("a runnable plan").isInstanceOf(CheckPlan.Runs.class);
    return ((CheckPlan.Runs) plan).config();
  }

  /** Results as they are reported, in order. */
  static final class Reported implements Consumer<CheckResult> {
    private final BlockingQueue<CheckResult> results = new LinkedBlockingQueue<>();

    @Override
    public void accept(CheckResult result) {
      results.add(result);
    }

    /** The next result, waiting at most {@code patience}. */
    CheckResult next(Duration patience) throws InterruptedException {
      CheckResult result = results.poll(patience.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(result).as("a result within " + patience).isNotNull();
      return result;
    }

    /** The next result of check {@code id}, skipping others' (kept for later). */
    CheckResult nextOf(String id, Duration patience) throws InterruptedException {
      long deadline = System.nanoTime() + patience.toNanos();
      List<CheckResult> others = new ArrayList<>();
      try {
        while (true) {
          long left = deadline - System.nanoTime();
          CheckResult result = results.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
          assertThat(result).as("a result of " + id + " within " + patience).isNotNull();
          if (result.getCheckId().equals(id)) {
            return result;
          }
          others.add(result);
        }
      } finally {
        List<CheckResult> rest = new ArrayList<>();
        results.drainTo(rest);
        results.addAll(others);
        results.addAll(rest);
      }
    }

    /** Every result reported within {@code wait}. */
    List<CheckResult> within(Duration wait) throws InterruptedException {
      Thread.sleep(wait.toMillis());
      List<CheckResult> all = new ArrayList<>();
      results.drainTo(all);
      return all;
    }
  }
}
