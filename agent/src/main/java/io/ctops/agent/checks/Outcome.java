package io.ctops.agent.checks;

import java.time.Duration;
import java.util.Optional;

/**
 * What one run of a check found. {@code latency}, when present, is what the result reports as its
 * duration (an HTTP check's response time); otherwise the run's own time is reported.
 */
record Outcome(Status status, String output, Optional<Duration> latency) {
  /** The result's status as the server reads it. */
  enum Status {
    /** The check ran and its condition holds. */
    PASS("pass"),
    /** The check ran and its condition does not hold. */
    FAIL("fail"),
    /** The check could not be run as configured. */
    ERROR("error");

    final String wire;

    Status(String wire) {
      this.wire = wire;
    }
  }

  static Outcome pass(String output) {
    return new Outcome(Status.PASS, output, Optional.empty());
  }

  static Outcome fail(String output) {
    return new Outcome(Status.FAIL, output, Optional.empty());
  }

  static Outcome error(String output) {
    return new Outcome(Status.ERROR, output, Optional.empty());
  }

  static Outcome of(boolean holds, String output) {
    return holds ? pass(output) : fail(output);
  }

  Outcome withLatency(Duration measured) {
    return new Outcome(status, output, Optional.of(measured));
  }
}
