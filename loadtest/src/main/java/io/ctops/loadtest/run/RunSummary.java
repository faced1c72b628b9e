package io.ctops.loadtest.run;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The figures of a finished run. */
public record RunSummary(
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
    long checkResultsSent,
    long inventoriesSent,
    long revoked,
    long steadyAcknowledged,
    Map<String, Double> ackMillis,
    String ackWindow,
    Map<String, Double> ackMillisWholeRun,
    Map<String, Long> errors,
    long errorsNotKept) {

  /** Distinct errors listed; the rest are only counted. */
  private static final int ERRORS_LISTED = 20;

  static RunSummary of(LoadSettings settings, LoadStats stats, double seconds, double steady) {
    Map<String, Long> errors = new LinkedHashMap<>();
    stats.errors().entrySet().stream()
        .limit(ERRORS_LISTED)
        .forEach(e -> errors.put(e.getKey(), e.getValue()));
    return new RunSummary(
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
        stats.checkResultsSent.get(),
        stats.inventoriesSent.get(),
        stats.revoked.get(),
        stats.steady.count(),
        percentiles(stats.steady.count() > 0 ? stats.steady : stats.all),
        stats.steady.count() > 0 ? "steady state (all agents connected)" : "whole run",
        percentiles(stats.all),
        errors,
        stats.errorsNotKept() + Math.max(0, stats.errors().size() - ERRORS_LISTED));
  }

  private static Map<String, Double> percentiles(LatencyHistogram latencies) {
    Map<String, Double> ack = new LinkedHashMap<>();
    ack.put("p50", latencies.percentileMillis(0.50));
    ack.put("p90", latencies.percentileMillis(0.90));
    ack.put("p95", latencies.percentileMillis(0.95));
    ack.put("p99", latencies.percentileMillis(0.99));
    ack.put("p99.9", latencies.percentileMillis(0.999));
    ack.put("max", latencies.maxMillis());
    return ack;
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
    out.printf(Locale.ROOT, "  duration          %.0f s (steady %.0f s)%n", seconds, steadySeconds);
    out.printf(
        Locale.ROOT,
        "  heartbeats        sent %,d, acknowledged %,d, failed %,d (%.1f acknowledged/s steady)%n",
        heartbeatsSent,
        heartbeatsAcknowledged,
        heartbeatsFailed,
        heartbeatsPerSecond());
    printAck(out, ackMillis, ackWindow);
    if (steadySeconds > 0) {
      // the connection storm (the ramp, reconnects after a restart) is here, not in the line above
      printAck(out, ackMillisWholeRun, "whole run");
    }
    out.printf(
        Locale.ROOT,
        "  reconnects        %,d; tasks answered %,d (inventories sent %,d); check results"
            + " sent %,d; revoked %,d%n",
        reconnects,
        tasksAnswered,
        inventoriesSent,
        checkResultsSent,
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

  private static void printAck(PrintWriter out, Map<String, Double> ack, String window) {
    out.printf(
        Locale.ROOT,
        "  ack time (ms)     p50 %.1f  p90 %.1f  p95 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  [%s]%n",
        ack.get("p50"),
        ack.get("p90"),
        ack.get("p95"),
        ack.get("p99"),
        ack.get("p99.9"),
        ack.get("max"),
        window);
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
    map.put("ack_ms_whole_run", ackMillisWholeRun);
    map.put("reconnects", reconnects);
    map.put("tasks_answered", tasksAnswered);
    map.put("inventories_sent", inventoriesSent);
    map.put("check_results_sent", checkResultsSent);
    map.put("revoked", revoked);
    map.put("errors", errors);
    map.put("errors_not_listed", errorsNotKept);
    return map;
  }
}
