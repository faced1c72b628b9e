package io.ctops.server.checks;

import static io.ctops.server.platform.database.UnnestArrays.column;
import static io.ctops.server.platform.database.UnnestArrays.seconds;

import io.ctops.server.accounts.AccountReports;
import io.ctops.server.accounts.HostAccountStore;
import io.ctops.server.certificates.CheckCertificates;
import io.ctops.server.certificates.HostCertificates;
import io.ctops.server.certificates.StoredCertificate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Stores a batch of check results in one transaction: every new result into the week of history
 * ({@code check_results}; one sent again is recognised by its key and skipped), the newest per
 * check and host into {@code check_states} with its run of failures, and each change of status into
 * {@code check_state_changes}. A result for a check that does not exist (deleted, or not the host's
 * organisation's) is ignored and counted; one older than the stored latest goes into the history
 * only. History and state keep {@link ResultIntake#MAX_OUTPUT_BYTES} of output; the reports of
 * account and SSH key checks (up to {@link ResultIntake#MAX_REPORT_BYTES}) are read whole into the
 * host's accounts ({@link HostAccountStore}).
 */
final class CheckResults {
  private final Jdbi jdbi;
  private final Counter unknownCheck;
  private final Counter cut;
  private final HostAccountStore accounts;

  CheckResults(Jdbi jdbi, MeterRegistry registry) {
    this.jdbi = jdbi;
    this.unknownCheck = ResultIntake.ignored(registry, "unknown_check");
    this.cut =
        Counter.builder("ctops_check_results_cut_total")
            .description("Check results longer than a check's output limit, stored cut")
            .register(registry);
    this.accounts = new HostAccountStore(registry);
  }

  private record Key(UUID checkId, UUID hostId) {}

  private record Stored(String status, Instant ranAt, Instant since, int consecutiveFailures) {}

  private record Change(Key key, Instant at, String from, String to, String output) {}

  /** Stores the results; returns how many were new. */
  int store(List<IncomingResult> results) {
    return jdbi.inTransaction(
        handle -> {
          Map<UUID, Known> checks = new HashMap<>();
          List<IncomingResult> known = known(handle, results, checks);
          if (known.isEmpty()) {
            return 0;
          }
          List<IncomingResult> fresh = history(handle, kept(known, checks));
          if (!fresh.isEmpty()) {
            List<IncomingResult> latest = states(handle, fresh);
            certificates(handle, latest, checks);
            accounts(handle, latest, whole(known), checks);
          }
          return fresh.size();
        });
  }

  /**
   * A check a batch's results name: its organisation, where it reads certificates, whether it
   * reports accounts or SSH keys (its type, then).
   */
  private record Known(
      UUID orgId, Optional<String> certificateLocation, Optional<String> accountReport) {}

  /** The results whose check exists in the host's organisation; the others are counted. */
  private List<IncomingResult> known(
      Handle handle, List<IncomingResult> results, Map<UUID, Known> checks) {
    handle
        .createQuery("SELECT id, org_id, check_type, config::text FROM checks WHERE id = ANY(:ids)")
        .bindArray(
            "ids", UUID.class, results.stream().map(IncomingResult::checkId).distinct().toList())
        .map(
            (rs, ctx) -> {
              String type = rs.getString("check_type");
              return checks.put(
                  rs.getObject("id", UUID.class),
                  new Known(
                      rs.getObject("org_id", UUID.class),
                      CheckCertificates.readsCertificates(type)
                          ? Optional.of(
                              CheckCertificates.location(type, Checks.json(rs.getString("config"))))
                          : Optional.empty(),
                      AccountReports.readsAccounts(type) ? Optional.of(type) : Optional.empty()));
            })
        .list();
    List<IncomingResult> known =
        results.stream()
            .filter(
                r ->
                    checks.containsKey(r.checkId())
                        && r.orgId().equals(checks.get(r.checkId()).orgId()))
            .toList();
    unknownCheck.increment(results.size() - known.size());
    return known;
  }

  /**
   * The results as history and state keep them: a report longer than {@link
   * ResultIntake#MAX_OUTPUT_BYTES} (only account and SSH key checks may send one) is kept cut, and
   * any other check's longer output too, counted.
   */
  private List<IncomingResult> kept(List<IncomingResult> results, Map<UUID, Known> checks) {
    List<IncomingResult> kept = new ArrayList<>(results.size());
    for (IncomingResult r : results) {
      String output = ResultIntake.output(r.output(), ResultIntake.MAX_OUTPUT_BYTES);
      if (output.length() == r.output().length()) {
        kept.add(r);
        continue;
      }
      if (checks.get(r.checkId()).accountReport().isEmpty()) {
        cut.increment();
      }
      kept.add(
          new IncomingResult(
              r.orgId(), r.hostId(), r.checkId(), r.status(), output, r.durationMs(), r.ranAt()));
    }
    return kept;
  }

  /** The whole output of each result, by its key. */
  private static Map<String, String> whole(List<IncomingResult> results) {
    Map<String, String> whole = new HashMap<>();
    results.forEach(r -> whole.putIfAbsent(key(r), r.output()));
    return whole;
  }

  /** Adds the results to the history; returns those that were not there yet. */
  private static List<IncomingResult> history(Handle handle, List<IncomingResult> results) {
    Map<String, IncomingResult> byKey =
        results.stream()
            .collect(
                Collectors.toMap(
                    CheckResults::key, Function.identity(), (a, b) -> a, LinkedHashMap::new));
    List<IncomingResult> unique = List.copyOf(byKey.values());
    Set<String> inserted =
        handle
            .createQuery(
                """
                INSERT INTO check_results (check_id, host_id, ran_at, status, output, duration_ms)
                SELECT u.check_id, u.host_id, to_timestamp(u.ran_at), u.status, u.output,
                       u.duration_ms
                  FROM unnest(CAST(:checks AS uuid[]), CAST(:hosts AS uuid[]),
                              CAST(:ranAt AS float8[]), CAST(:status AS text[]),
                              CAST(:output AS text[]), CAST(:duration AS int[]))
                       AS u(check_id, host_id, ran_at, status, output, duration_ms)
                ON CONFLICT DO NOTHING
                RETURNING check_id, host_id, ran_at
                """)
            .bindArray("checks", UUID.class, column(unique, IncomingResult::checkId))
            .bindArray("hosts", UUID.class, column(unique, IncomingResult::hostId))
            .bindArray("ranAt", Double.class, column(unique, r -> seconds(r.ranAt())))
            .bindArray("status", String.class, column(unique, IncomingResult::status))
            .bindArray("output", String.class, column(unique, IncomingResult::output))
            .bindArray("duration", Integer.class, column(unique, IncomingResult::durationMs))
            .map(
                (rs, ctx) ->
                    rs.getObject("check_id", UUID.class)
                        + "/"
                        + rs.getObject("host_id", UUID.class)
                        + "/"
                        + rs.getTimestamp("ran_at").toInstant())
            .collect(Collectors.toSet());
    return unique.stream().filter(r -> inserted.contains(key(r))).toList();
  }

  private static String key(IncomingResult r) {
    return r.checkId() + "/" + r.hostId() + "/" + r.ranAt().truncatedTo(ChronoUnit.MICROS);
  }

  /**
   * Moves each check's state on a host through its new results, in the order they ran; returns the
   * results that became the latest.
   */
  private static List<IncomingResult> states(Handle handle, List<IncomingResult> fresh) {
    Map<Key, List<IncomingResult>> byKey = new HashMap<>();
    for (IncomingResult r : fresh) {
      byKey.computeIfAbsent(new Key(r.checkId(), r.hostId()), k -> new ArrayList<>()).add(r);
    }
    List<Key> keys =
        byKey.keySet().stream()
            .sorted(Comparator.comparing(Key::checkId).thenComparing(Key::hostId))
            .toList();
    Map<Key, Stored> stored = new HashMap<>();
    handle
        .createQuery(
            """
            SELECT s.check_id, s.host_id, s.status, s.ran_at, s.since, s.consecutive_failures
              FROM check_states s
              JOIN unnest(CAST(:checks AS uuid[]), CAST(:hosts AS uuid[])) AS k(check_id, host_id)
                ON s.check_id = k.check_id AND s.host_id = k.host_id
             ORDER BY s.check_id, s.host_id
               FOR UPDATE OF s
            """)
        .bindArray("checks", UUID.class, column(keys, Key::checkId))
        .bindArray("hosts", UUID.class, column(keys, Key::hostId))
        .map(
            (rs, ctx) ->
                stored.put(
                    new Key(
                        rs.getObject("check_id", UUID.class), rs.getObject("host_id", UUID.class)),
                    new Stored(
                        rs.getString("status"),
                        rs.getTimestamp("ran_at").toInstant(),
                        rs.getTimestamp("since").toInstant(),
                        rs.getInt("consecutive_failures"))))
        .list();
    List<Key> updated = new ArrayList<>();
    List<IncomingResult> latest = new ArrayList<>();
    List<Stored> states = new ArrayList<>();
    List<Change> changes = new ArrayList<>();
    for (Key key : keys) {
      Stored state = stored.get(key);
      IncomingResult newest = null;
      List<IncomingResult> results = byKey.get(key);
      results.sort(Comparator.comparing(IncomingResult::ranAt));
      for (IncomingResult r : results) {
        if (state != null && !r.ranAt().isAfter(state.ranAt())) {
          continue; // ran before the stored latest: history only
        }
        String before = state == null ? null : state.status();
        boolean changed = !r.status().equals(before);
        int failures =
            !"fail".equals(r.status()) ? 0 : changed ? 1 : state.consecutiveFailures() + 1;
        state = new Stored(r.status(), r.ranAt(), changed ? r.ranAt() : state.since(), failures);
        if (changed) {
          changes.add(new Change(key, r.ranAt(), before, r.status(), r.output()));
        }
        newest = r;
      }
      if (newest != null) {
        updated.add(key);
        latest.add(newest);
        states.add(state);
      }
    }
    if (!updated.isEmpty()) {
      handle
          .createUpdate(
              """
              INSERT INTO check_states (check_id, host_id, status, output, duration_ms, ran_at,
                                        since, consecutive_failures)
              SELECT u.check_id, u.host_id, u.status, u.output, u.duration_ms,
                     to_timestamp(u.ran_at), to_timestamp(u.since), u.consecutive_failures
                FROM unnest(CAST(:checks AS uuid[]), CAST(:hosts AS uuid[]),
                            CAST(:status AS text[]), CAST(:output AS text[]),
                            CAST(:duration AS int[]), CAST(:ranAt AS float8[]),
                            CAST(:since AS float8[]), CAST(:failures AS int[]))
                     AS u(check_id, host_id, status, output, duration_ms, ran_at, since,
                          consecutive_failures)
                JOIN hosts h ON h.id = u.host_id
              ON CONFLICT (check_id, host_id) DO UPDATE
                 SET status = EXCLUDED.status, output = EXCLUDED.output,
                     duration_ms = EXCLUDED.duration_ms, ran_at = EXCLUDED.ran_at,
                     since = EXCLUDED.since, consecutive_failures = EXCLUDED.consecutive_failures
              """)
          .bindArray("checks", UUID.class, column(updated, Key::checkId))
          .bindArray("hosts", UUID.class, column(updated, Key::hostId))
          .bindArray("status", String.class, column(latest, IncomingResult::status))
          .bindArray("output", String.class, column(latest, IncomingResult::output))
          .bindArray("duration", Integer.class, column(latest, IncomingResult::durationMs))
          .bindArray("ranAt", Double.class, column(latest, r -> seconds(r.ranAt())))
          .bindArray("since", Double.class, column(states, s -> seconds(s.since())))
          .bindArray("failures", Integer.class, column(states, Stored::consecutiveFailures))
          .execute();
    }
    if (!changes.isEmpty()) {
      handle
          .createUpdate(
              """
              INSERT INTO check_state_changes (check_id, host_id, changed_at, from_status,
                                               to_status, output)
              SELECT u.check_id, u.host_id, to_timestamp(u.changed_at), u.from_status,
                     u.to_status, u.output
                FROM unnest(CAST(:checks AS uuid[]), CAST(:hosts AS uuid[]),
                            CAST(:at AS float8[]), CAST(:from AS text[]),
                            CAST(:to AS text[]), CAST(:output AS text[]))
                     AS u(check_id, host_id, changed_at, from_status, to_status, output)
                JOIN hosts h ON h.id = u.host_id
              ON CONFLICT DO NOTHING
              """)
          .bindArray("checks", UUID.class, column(changes, c -> c.key().checkId()))
          .bindArray("hosts", UUID.class, column(changes, c -> c.key().hostId()))
          .bindArray("at", Double.class, column(changes, c -> seconds(c.at())))
          .bindArray("from", String.class, column(changes, Change::from))
          .bindArray("to", String.class, column(changes, Change::to))
          .bindArray("output", String.class, column(changes, Change::output))
          .execute();
    }
    return latest;
  }

  /**
   * What certificate and cert_file checks read replaces what they read before on that host; a
   * result without a certificate (the service did not answer) leaves the last one known.
   */
  private static void certificates(
      Handle handle, List<IncomingResult> latest, Map<UUID, Known> checks) {
    for (IncomingResult result : latest) {
      Optional<String> location = checks.get(result.checkId()).certificateLocation();
      if (location.isEmpty() || result.status().equals("error")) {
        continue;
      }
      List<StoredCertificate> read =
          CheckCertificates.read(result.output(), location.get(), result.checkId());
      if (!read.isEmpty()) {
        HostCertificates.replaceFromCheck(
            handle, result.hostId(), result.checkId(), read, result.ranAt());
      }
    }
  }

  /**
   * What account and SSH key checks report replaces what they reported before on that host; a
   * result in error (the agent could read nothing) leaves what was known.
   */
  private void accounts(
      Handle handle,
      List<IncomingResult> latest,
      Map<String, String> whole,
      Map<UUID, Known> checks) {
    for (IncomingResult result : latest) {
      Optional<String> type = checks.get(result.checkId()).accountReport();
      if (type.isEmpty() || result.status().equals("error")) {
        continue;
      }
      accounts.store(
          handle,
          result.hostId(),
          result.checkId(),
          type.get(),
          whole.getOrDefault(key(result), result.output()),
          result.ranAt());
    }
  }
}
