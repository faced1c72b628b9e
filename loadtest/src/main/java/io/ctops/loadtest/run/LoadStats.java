package io.ctops.loadtest.run;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** Everything the load tester counts, shared by all virtual agents. */
final class LoadStats {
  static final int MAX_DISTINCT_ERRORS = 50;

  final AtomicLong registrationsActive = new AtomicLong();
  final AtomicLong registrationsPending = new AtomicLong();
  final AtomicLong registrationsFailed = new AtomicLong();
  final AtomicLong openStreams = new AtomicLong();
  final AtomicLong heartbeatsSent = new AtomicLong();
  final AtomicLong heartbeatsAcknowledged = new AtomicLong();
  final AtomicLong heartbeatsFailed = new AtomicLong();
  final AtomicLong reconnects = new AtomicLong();
  final AtomicLong tasksAnswered = new AtomicLong();
  final AtomicLong checkResultsSent = new AtomicLong();
  final AtomicLong inventoriesSent = new AtomicLong();

  /** Scans the server asked for whose inventory is not yet sent (queued or being sent). */
  final AtomicLong scansWaiting = new AtomicLong();

  /**
   * When the server last asked for a scan or an inventory was last finished ({@link
   * System#nanoTime()}); 0 before the first.
   */
  volatile long lastScanActivityNanos;

  final AtomicLong revoked = new AtomicLong();

  /** Every acknowledgement of the run. */
  final LatencyHistogram all = new LatencyHistogram();

  /** Acknowledgements since every agent had started (the steady state); empty before that. */
  final LatencyHistogram steady = new LatencyHistogram();

  private volatile boolean rampDone;
  private final AtomicReference<LatencyHistogram> recent =
      new AtomicReference<>(new LatencyHistogram());
  private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
  private final AtomicLong errorsNotKept = new AtomicLong();
  private final AtomicReference<Map<String, Long>> errorsAtLastLine =
      new AtomicReference<>(Map.of());

  void acknowledged(long nanos) {
    heartbeatsAcknowledged.incrementAndGet();
    all.recordNanos(nanos);
    recent.get().recordNanos(nanos);
    if (rampDone) {
      steady.recordNanos(nanos);
    }
  }

  void rampFinished() {
    rampDone = true;
  }

  /** Counts an error by its kind; the first {@value #MAX_DISTINCT_ERRORS} kinds are kept. */
  void error(String where, Throwable error) {
    Status status = Status.fromThrowable(error);
    String description = status.getDescription();
    if (description != null && description.length() > 160) {
      description = description.substring(0, 160) + "…";
    }
    String hint =
        status.getCode() == Status.Code.RESOURCE_EXHAUSTED && where.equals("register")
            ? " (ingest limits registrations per address: raise INGEST_REGISTER_RATE_LIMIT)"
            : "";
    error(where + ": " + status.getCode() + (description == null ? "" : " " + description) + hint);
  }

  void error(String kind) {
    AtomicLong count = errors.get(kind);
    if (count == null) {
      if (errors.size() >= MAX_DISTINCT_ERRORS) {
        errorsNotKept.incrementAndGet();
        return;
      }
      count = errors.computeIfAbsent(kind, k -> new AtomicLong());
    }
    count.incrementAndGet();
  }

  /** The acknowledgement times since the previous call (for the live line). */
  LatencyHistogram takeRecent() {
    return recent.getAndSet(new LatencyHistogram());
  }

  /** Error kinds with their counts, most frequent first. */
  Map<String, Long> errors() {
    List<Map.Entry<String, AtomicLong>> entries = new ArrayList<>(errors.entrySet());
    entries.sort((a, b) -> Long.compare(b.getValue().get(), a.getValue().get()));
    Map<String, Long> sorted = new LinkedHashMap<>();
    for (Map.Entry<String, AtomicLong> e : entries) {
      sorted.put(e.getKey(), e.getValue().get());
    }
    return sorted;
  }

  long errorsNotKept() {
    return errorsNotKept.get();
  }

  /** Errors that happened since the previous call, most frequent first, at most {@code max}. */
  List<String> recentErrors(int max) {
    Map<String, Long> now = errors();
    Map<String, Long> before = errorsAtLastLine.getAndSet(now);
    List<Map.Entry<String, Long>> fresh = new ArrayList<>();
    for (Map.Entry<String, Long> e : now.entrySet()) {
      long delta = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      if (delta > 0) {
        fresh.add(Map.entry(e.getKey(), delta));
      }
    }
    fresh.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, Long> e : fresh.subList(0, Math.min(max, fresh.size()))) {
      lines.add(e.getValue() + "× " + e.getKey());
    }
    return lines;
  }
}
