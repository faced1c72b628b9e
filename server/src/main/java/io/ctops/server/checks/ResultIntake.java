package io.ctops.server.checks;

import io.ctops.protocol.v1.CheckResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Reads the check results of a heartbeat: a result is never a reason to refuse the heartbeat, so a
 * malformed one (a check id that is not an id, an unknown status) is ignored and counted. Output is
 * cut at {@link #MAX_REPORT_BYTES}, the most an account or SSH key report may hold ({@link
 * CheckResults} keeps {@link #MAX_OUTPUT_BYTES} of any other; the check's type is known only there)
 * (a NUL in it, which PostgreSQL text cannot hold, made the heartbeat invalid already); a run time
 * in the future (an agent's clock ahead) becomes the time received, and a result older than {@link
 * #OLDEST} is ignored and counted: the week of history is kept by day and a day late is the most a
 * buffered result may be.
 */
public final class ResultIntake {
  public static final int MAX_OUTPUT_BYTES = 4096;

  /**
   * The most output a {@code service_account} or {@code ssh_key_scan} result carries: its report
   * lists every account or key (some 700 accounts fit), which 4 KiB could not (10 or so).
   */
  public static final int MAX_REPORT_BYTES = 256 * 1024;

  static final Duration OLDEST = Duration.ofHours(24);

  private static final Duration CLOCK_AHEAD = Duration.ofMinutes(5);

  private static final Set<String> STATUSES = Set.of("pass", "fail", "error");

  private final Counter invalid;
  private final Counter tooOld;

  public ResultIntake(MeterRegistry registry) {
    this.invalid = ignored(registry, "invalid");
    this.tooOld = ignored(registry, "too_old");
  }

  static Counter ignored(MeterRegistry registry, String reason) {
    return Counter.builder("ctops_check_results_ignored_total")
        .description("Check results ignored, by why")
        .tag("reason", reason)
        .register(registry);
  }

  /** The results to store, received {@code now} from the host. */
  public List<IncomingResult> read(
      UUID orgId, UUID hostId, List<CheckResult> results, Instant now) {
    if (results.isEmpty()) {
      return List.of();
    }
    List<IncomingResult> read = new ArrayList<>(results.size());
    for (CheckResult result : results) {
      UUID checkId;
      try {
        checkId = UUID.fromString(result.getCheckId());
      } catch (IllegalArgumentException e) {
        invalid.increment();
        continue;
      }
      if (!STATUSES.contains(result.getStatus())) {
        invalid.increment();
        continue;
      }
      Instant ranAt = Instant.ofEpochSecond(result.getRanAtUnix());
      if (result.getRanAtUnix() <= 0 || ranAt.isAfter(now.plus(CLOCK_AHEAD))) {
        ranAt = now;
      }
      if (ranAt.isBefore(now.minus(OLDEST))) {
        tooOld.increment();
        continue;
      }
      read.add(
          new IncomingResult(
              orgId,
              hostId,
              checkId,
              result.getStatus(),
              output(result.getOutput(), MAX_REPORT_BYTES),
              Math.clamp(result.getDurationMs(), 0, 86_400_000),
              ranAt));
    }
    return read;
  }

  /** At most {@code maxBytes} of UTF-8, cut between characters. */
  static String output(String text, int maxBytes) {
    if (text.length() * 3L <= maxBytes) {
      return text;
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= maxBytes) {
      return text;
    }
    int end = maxBytes - 3; // room for "…"
    while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
      end--;
    }
    return new String(bytes, 0, end, StandardCharsets.UTF_8) + "…";
  }
}
