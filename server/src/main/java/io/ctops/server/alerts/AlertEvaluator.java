package io.ctops.server.alerts;

import io.ctops.server.alerts.AlertRules.AlertRule;
import io.ctops.server.groups.HostSelector;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One evaluation of every enabled rule: for each, one statement finds the hosts breaking its
 * condition now and moves the rule's alerts on from there — opens an alert for a new breach
 * (pending, or firing at once when the rule's "for" is 0), fires a pending one whose "for" has
 * passed, resolves an open one whose condition is false (after the rule's "resolve after", at once
 * for a deleted host or a revoked agent), and writes the history and the notices for exactly those
 * changes. An alert that stays as it was is not written. Run by one instance at a time ({@code
 * platform/leader}).
 */
public final class AlertEvaluator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AlertEvaluator.class);

  /** How many rules are evaluated at once. */
  static final int PARALLEL_RULES = 2;

  private final Jdbi jdbi;
  private final Clock clock;
  private final ExecutorService workers;

  public AlertEvaluator(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.workers =
        Executors.newFixedThreadPool(
            PARALLEL_RULES,
            runnable -> Thread.ofPlatform().name("alert-evaluation").daemon().unstarted(runnable));
  }

  /** Stops the evaluation threads. */
  @Override
  public void close() {
    workers.shutdownNow();
  }

  private record OrgRule(UUID orgId, AlertRule rule) {}

  /** Where the hosts whose firing alerts changed are announced (their id as the payload). */
  public static final String NOTIFY_CHANNEL = "host_alerts";

  /**
   * The most hosts one rule announces per evaluation: past that (a storm) the pages catch up with
   * their next refresh instead of thousands of events.
   */
  static final int LIVE_HOSTS = 500;

  /** What one evaluation changed. */
  public record Cycle(int rules, int opened, int fired, int resolved, int notices, long millis) {
    Cycle plus(Cycle rule) {
      return new Cycle(
          rules + 1,
          opened + rule.opened,
          fired + rule.fired,
          resolved + rule.resolved,
          notices + rule.notices,
          millis);
    }
  }

  /** Evaluates every enabled rule of every organisation, each rule in its own transaction. */
  public Cycle evaluate() {
    long started = System.nanoTime();
    Instant now = clock.instant();
    List<OrgRule> rules =
        jdbi.withHandle(
            handle ->
                handle
                    .createQuery(
                        """
                        SELECT r.*, ARRAY[]::uuid[] AS channel_ids, 0 AS firing, 0 AS pending
                          FROM alert_rules r WHERE r.enabled ORDER BY r.id
                        """)
                    .map(
                        (rs, ctx) ->
                            new OrgRule(rs.getObject("org_id", UUID.class), AlertRules.rule(rs)))
                    .list());
    List<Silences.ActiveSilence> silences = jdbi.withHandle(h -> Silences.active(h, now));
    // rules are independent (each writes only its own alerts): two at a time, each in its own
    // transaction, so a cycle takes half as long on the two cores a small server has
    List<Future<Cycle>> results = new ArrayList<>();
    for (OrgRule rule : rules) {
      results.add(
          workers.submit(
              () ->
                  jdbi.inTransaction(
                      handle -> evaluate(handle, rule.orgId(), rule.rule(), now, silences))));
    }
    Cycle total = new Cycle(0, 0, 0, 0, 0, 0);
    for (int i = 0; i < results.size(); i++) {
      try {
        total = total.plus(results.get(i).get());
      } catch (ExecutionException e) {
        // one broken rule (a kind's SQL failing on odd data) must not stop the others
        log.warn(
            "event=alert_rule_evaluation_failed rule={} error={}",
            rules.get(i).rule().id(),
            e.getCause().toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("alert evaluation interrupted", e);
      }
    }
    // alerts left open by rules disabled behind the pages' back (in SQL, by an older instance)
    int stray =
        jdbi.inTransaction(
            handle ->
                handle
                    .createQuery(
                        "SELECT id FROM alert_rules r WHERE NOT r.enabled AND EXISTS (SELECT 1"
                            + " FROM alert_instances i WHERE i.rule_id = r.id"
                            + " AND i.state <> 'resolved')")
                    .mapTo(UUID.class)
                    .list()
                    .stream()
                    .mapToInt(id -> resolveAll(handle, id, "rule disabled", now))
                    .sum());
    Cycle cycle =
        new Cycle(
            total.rules(),
            total.opened(),
            total.fired(),
            total.resolved() + stray,
            total.notices(),
            (System.nanoTime() - started) / 1_000_000);
    if (cycle.opened() + cycle.fired() + cycle.resolved() > 0) {
      log.info(
          "event=alerts_evaluated rules={} opened={} fired={} resolved={} notices={} ms={}",
          cycle.rules(),
          cycle.opened(),
          cycle.fired(),
          cycle.resolved(),
          cycle.notices(),
          cycle.millis());
    }
    return cycle;
  }

  /**
   * One rule, one statement. {@code breach}: the hosts breaking the condition now; {@code open}:
   * the rule's open alerts. New breaches are inserted, open alerts in breach are written only when
   * they fire (or were on their way to resolving), open alerts out of breach only when they start
   * or end their way to resolving. History and notices come from what those writes return.
   */
  private static Cycle evaluate(
      Handle handle,
      UUID orgId,
      AlertRule rule,
      Instant now,
      List<Silences.ActiveSilence> silences) {
    // planned with the rule's values (a generic plan cannot see how few hosts are over a high
    // threshold), index reads priced as reads from memory, no parallel workers: a threshold is
    // then a range of its vital's index, not a pass over every host
    handle.execute("SET LOCAL plan_cache_mode = force_custom_plan");
    handle.execute("SET LOCAL random_page_cost = 1.1");
    handle.execute("SET LOCAL max_parallel_workers_per_gather = 0");
    RuleSpec spec = rule.spec();
    Silences.Covered covered =
        silences.isEmpty()
            ? Silences.Covered.NOTHING
            : Silences.covered(handle, orgId, rule.id(), silences);
    Condition condition = spec.kind().condition(spec.parameters());
    String sql =
        """
        WITH breach AS MATERIALIZED (%1$s),
        open AS MATERIALIZED (
            SELECT i.id, i.host_id, i.state, i.pending_since, i.false_since
              FROM alert_instances i
             WHERE i.rule_id = :rule AND i.state <> 'resolved'),
        opened AS (
            INSERT INTO alert_instances (org_id, rule_id, host_id, state, severity, value,
                                         fired_value, pending_since, firing_since,
                                         last_notified_at)
            SELECT :org, :rule, b.host_id, CASE WHEN :forSeconds = 0 THEN 'firing' ELSE 'pending' END,
                   :severity, b.value, CASE WHEN :forSeconds = 0 THEN b.value END, CAST(:now AS timestamptz),
                   CASE WHEN :forSeconds = 0 THEN CAST(:now AS timestamptz) END,
                   CASE WHEN :forSeconds = 0 THEN CAST(:now AS timestamptz) END
              FROM breach b
             WHERE NOT EXISTS (SELECT 1 FROM open o WHERE o.host_id = b.host_id)
            ON CONFLICT (rule_id, host_id) WHERE state <> 'resolved' DO NOTHING
            RETURNING id, host_id, state, value),
        held AS (
            UPDATE alert_instances i
               SET state = CASE WHEN o.state = 'pending' AND o.pending_since <= :firesBefore
                                THEN 'firing' ELSE o.state END,
                   firing_since = CASE WHEN o.state = 'pending' AND o.pending_since <= :firesBefore
                                       THEN CAST(:now AS timestamptz) ELSE i.firing_since END,
                   fired_value = CASE WHEN o.state = 'pending' AND o.pending_since <= :firesBefore
                                      THEN b.value ELSE i.fired_value END,
                   last_notified_at = CASE WHEN o.state = 'pending'
                                            AND o.pending_since <= :firesBefore
                                           THEN CAST(:now AS timestamptz)
                                           ELSE i.last_notified_at END,
                   value = b.value,
                   false_since = NULL
              FROM open o JOIN breach b ON b.host_id = o.host_id
             WHERE i.id = o.id
               AND ((o.state = 'pending' AND o.pending_since <= :firesBefore)
                    OR o.false_since IS NOT NULL)
            RETURNING i.id, i.host_id, i.state, o.state AS was, i.value),
        cleared AS (
            UPDATE alert_instances i
               SET state = CASE WHEN r.resolves THEN 'resolved' ELSE i.state END,
                   resolved_at = CASE WHEN r.resolves THEN CAST(:now AS timestamptz) END,
                   resolved_reason = CASE WHEN NOT r.resolves THEN NULL
                                          WHEN h.deleted_at IS NOT NULL THEN 'host deleted'
                                          WHEN h.status = 'revoked' THEN 'agent revoked'
                                          ELSE 'condition cleared' END,
                   false_since = coalesce(o.false_since, CAST(:now AS timestamptz))
              FROM open o
              JOIN hosts h ON h.id = o.host_id
              CROSS JOIN LATERAL (
                  SELECT (:resolveAfter = 0 OR h.deleted_at IS NOT NULL OR h.status = 'revoked'
                          OR coalesce(o.false_since <= :resolvesBefore, false)) AS resolves) r
             WHERE i.id = o.id
               AND NOT EXISTS (SELECT 1 FROM breach b WHERE b.host_id = o.host_id)
               AND (o.false_since IS NULL OR r.resolves)
            RETURNING i.id, i.host_id, i.state, o.state AS was, i.resolved_reason),
        history AS (
            INSERT INTO alert_events (instance_id, at, event, value, detail)
            SELECT id, CAST(:now AS timestamptz), state, value, NULL FROM opened
            UNION ALL
            SELECT id, CAST(:now AS timestamptz), 'firing', value, NULL FROM held WHERE state = 'firing' AND was = 'pending'
            UNION ALL
            SELECT id, CAST(:now AS timestamptz), 'resolved', NULL, resolved_reason FROM cleared WHERE state = 'resolved'
            RETURNING 1),
        notices AS (
            INSERT INTO alert_notices (org_id, rule_id, instance_id, event, at)
            SELECT :org, :rule, n.id, n.event, CAST(:now AS timestamptz)
              FROM (SELECT id, host_id, 'firing' AS event FROM opened WHERE state = 'firing'
                    UNION ALL
                    SELECT id, host_id, 'firing' FROM held
                     WHERE state = 'firing' AND was = 'pending'
                    UNION ALL
                    SELECT id, host_id, 'resolved' FROM cleared
                     WHERE state = 'resolved' AND was = 'firing' AND :notifyResolved) n
             WHERE EXISTS (SELECT 1 FROM alert_rule_channels c WHERE c.rule_id = :rule)
               -- a silenced alert fires and shows, but tells nobody
               AND NOT (:silencedAll OR n.host_id = ANY(:silencedHosts))
            RETURNING 1)
        SELECT (SELECT count(*) FROM opened) AS opened,
               (SELECT count(*) FROM opened WHERE state = 'firing')
                 + (SELECT count(*) FROM held WHERE state = 'firing' AND was = 'pending') AS fired,
               (SELECT count(*) FROM cleared WHERE state = 'resolved') AS resolved,
               (SELECT count(*) FROM history) AS events,
               (SELECT count(*) FROM notices) AS notices,
               -- hosts whose count of firing alerts changed, for the pages' live cells
               ARRAY(SELECT c.host_id FROM (
                       SELECT host_id FROM opened WHERE state = 'firing'
                       UNION SELECT host_id FROM held WHERE state = 'firing' AND was = 'pending'
                       UNION SELECT host_id FROM cleared WHERE state = 'resolved' AND was = 'firing')
                     c LIMIT :liveHosts) AS changed_hosts
        """
            .formatted(breach(spec, condition));
    var query =
        bindBreach(handle.createQuery(sql), spec, condition, orgId, now)
            .bind("rule", rule.id())
            .bind("forSeconds", spec.forSeconds())
            .bind("firesBefore", Timestamp.from(now.minusSeconds(spec.forSeconds())))
            .bind("resolveAfter", spec.resolveAfterSeconds())
            .bind("resolvesBefore", Timestamp.from(now.minusSeconds(spec.resolveAfterSeconds())))
            .bind("severity", spec.severity().dbName())
            .bind("notifyResolved", spec.notifyResolved())
            .bind("liveHosts", LIVE_HOSTS)
            .bind("silencedAll", covered.all().isPresent())
            .bindArray("silencedHosts", UUID.class, covered.hosts().keySet());
    List<UUID> changedHosts = new java.util.ArrayList<>();
    Cycle changed =
        query
            .map(
                (rs, ctx) -> {
                  changedHosts.addAll(
                      java.util.Arrays.asList((UUID[]) rs.getArray("changed_hosts").getArray()));
                  return new Cycle(
                      1,
                      rs.getInt("opened"),
                      rs.getInt("fired"),
                      rs.getInt("resolved"),
                      rs.getInt("notices"),
                      0);
                })
            .one();
    if (!changedHosts.isEmpty()) {
      // committed with the changes: open Hosts pages update those hosts' Alerts cells
      handle
          .createQuery("SELECT count(pg_notify(:channel, CAST(h AS text))) FROM unnest(:hosts) h")
          .bind("channel", NOTIFY_CHANNEL)
          .bindArray("hosts", UUID.class, changedHosts)
          .mapTo(Long.class)
          .one();
    }
    markSilenced(handle, rule.id(), covered);
    int repeats = spec.repeatEveryHours().isPresent() ? repeat(handle, rule, spec, now) : 0;
    return new Cycle(
        1, changed.opened(), changed.fired(), changed.resolved(), changed.notices() + repeats, 0);
  }

  /**
   * The hosts of the organisation the rule's selector names that break its condition now, with the
   * value the condition reports: {@code SELECT host_id, value}.
   */
  static String breach(RuleSpec spec, Condition condition) {
    boolean everyHost = spec.selector() instanceof HostSelector.AllHosts;
    if (everyHost && !condition.readsHost()) {
      // vitals alone: a deleted host's vitals say so (host_status 'deleted'), and a threshold is
      // a range of its vital's index
      return """
          SELECT v.host_id, CAST(%2$s AS double precision) AS value
            FROM host_vitals v
           WHERE v.org_id = :org AND v.host_status <> 'deleted'
             AND (%1$s)"""
          .formatted(condition.test(), condition.value());
    }
    return """
        SELECT h.id AS host_id, CAST(%2$s AS double precision) AS value
          FROM hosts h
          JOIN host_vitals v ON v.host_id = h.id
          LEFT JOIN agents a ON a.id = h.agent_id
         WHERE h.org_id = :org AND v.org_id = :org AND h.deleted_at IS NULL
           AND %3$s
           AND (%1$s)"""
        .formatted(condition.test(), condition.value(), spec.selector().condition());
  }

  static Query bindBreach(
      Query query, RuleSpec spec, Condition condition, UUID orgId, Instant now) {
    return spec.selector()
        .bind(query)
        .bindMap(condition.parameters())
        .bind("org", orgId)
        .bind("now", Timestamp.from(now));
  }

  /** A host a rule would fire for now, and the value it would report. */
  public record Breach(UUID hostId, String hostname, double value) {}

  /** Which hosts a rule would fire for now (the first {@code limit}), and how many in all. */
  public record Preview(long count, List<Breach> first) {}

  /** The rule's breaches now, without opening anything: what the rules page previews. */
  static Preview preview(Handle handle, UUID orgId, RuleSpec spec, Instant now, int limit) {
    Condition condition = spec.kind().condition(spec.parameters());
    String breach = breach(spec, condition);
    long count =
        bindBreach(
                handle.createQuery("SELECT count(*) FROM (" + breach + ") b"),
                spec,
                condition,
                orgId,
                now)
            .mapTo(Long.class)
            .one();
    List<Breach> first =
        bindBreach(
                handle.createQuery(
                    "SELECT b.host_id, h.hostname, b.value FROM ("
                        + breach
                        + ") b JOIN hosts h ON h.id = b.host_id"
                        + " ORDER BY lower(h.hostname), h.id LIMIT :limit"),
                spec,
                condition,
                orgId,
                now)
            .bind("limit", limit)
            .map(
                (rs, ctx) ->
                    new Breach(
                        rs.getObject("host_id", UUID.class),
                        rs.getString("hostname"),
                        rs.getDouble("value")))
            .list();
    return new Preview(count, first);
  }

  /**
   * Keeps {@code silenced_until} of the rule's open alerts as the silences say now: set while one
   * covers the alert (the pages show it), cleared when none does. Writes only alerts that change,
   * and reads nothing more when no silence covers the rule and none did.
   */
  private static void markSilenced(Handle handle, UUID ruleId, Silences.Covered covered) {
    if (covered.isEmpty()
        && !handle
            .createQuery(
                "SELECT EXISTS (SELECT 1 FROM alert_instances WHERE rule_id = :rule"
                    + " AND silenced_until IS NOT NULL AND state <> 'resolved')")
            .bind("rule", ruleId)
            .mapTo(Boolean.class)
            .one()) {
      return;
    }
    List<UUID> hosts = List.copyOf(covered.hosts().keySet());
    handle
        .createUpdate(
            """
            UPDATE alert_instances i SET silenced_until = x.until
              FROM (SELECT o.id, coalesce(CAST(:all AS timestamptz), u.until) AS until
                      FROM alert_instances o
                      LEFT JOIN (SELECT x.host_id, to_timestamp(x.seconds) AS until
                                   FROM unnest(CAST(:hosts AS uuid[]), CAST(:untils AS float8[]))
                                        AS x(host_id, seconds)) u ON u.host_id = o.host_id
                     WHERE o.rule_id = :rule AND o.state <> 'resolved') x
             WHERE i.id = x.id AND i.silenced_until IS DISTINCT FROM x.until
            """)
        .bind("all", covered.all().map(Timestamp::from).orElse(null))
        .bindArray("hosts", UUID.class, hosts)
        .bind(
            "untils",
            hosts.stream()
                .map(h -> covered.hosts().get(h).toEpochMilli() / 1000.0)
                .toArray(Double[]::new))
        .bind("rule", ruleId)
        .execute();
  }

  /**
   * Firing, unacknowledged alerts last notified a repeat interval ago are notified again (when the
   * rule has channels to notify), unless a silence covers them.
   */
  private static int repeat(Handle handle, AlertRule rule, RuleSpec spec, Instant now) {
    Instant before = now.minusSeconds(spec.repeatEveryHours().getAsInt() * 3600L);
    return handle
        .createQuery(
            """
            WITH due AS (
                UPDATE alert_instances SET last_notified_at = CAST(:now AS timestamptz)
                 WHERE rule_id = :rule AND state = 'firing' AND acknowledged_at IS NULL
                   AND last_notified_at <= :before
                   AND (silenced_until IS NULL OR silenced_until <= CAST(:now AS timestamptz))
                   AND EXISTS (SELECT 1 FROM alert_rule_channels c WHERE c.rule_id = :rule)
                RETURNING id, org_id),
            notices AS (
                INSERT INTO alert_notices (org_id, rule_id, instance_id, event, at)
                SELECT org_id, :rule, id, 'repeat', CAST(:now AS timestamptz) FROM due
                RETURNING 1)
            SELECT count(*) FROM notices
            """)
        .bind("rule", rule.id())
        .bind("now", Timestamp.from(now))
        .bind("before", Timestamp.from(before))
        .mapTo(Integer.class)
        .one();
  }

  /**
   * Resolves every open alert of a rule with the reason (the rule disabled), with its history and,
   * for firing ones, a resolved notice when the rule sends them; returns how many.
   */
  static int resolveAll(Handle handle, UUID ruleId, String reason, Instant now) {
    return handle
        .createQuery(
            """
            WITH closed AS (
                UPDATE alert_instances i
                   SET state = 'resolved', resolved_at = CAST(:now AS timestamptz), resolved_reason = :reason
                  FROM alert_instances o
                 WHERE i.id = o.id AND i.rule_id = :rule AND i.state <> 'resolved'
                RETURNING i.id, i.org_id, o.state AS was, o.silenced_until),
            history AS (
                INSERT INTO alert_events (instance_id, at, event, detail)
                SELECT id, CAST(:now AS timestamptz), 'resolved', :reason FROM closed),
            notices AS (
                INSERT INTO alert_notices (org_id, rule_id, instance_id, event, at)
                SELECT c.org_id, :rule, c.id, 'resolved', CAST(:now AS timestamptz) FROM closed c
                 WHERE c.was = 'firing'
                   AND (c.silenced_until IS NULL OR c.silenced_until <= CAST(:now AS timestamptz))
                   AND EXISTS (SELECT 1 FROM alert_rules r WHERE r.id = :rule AND r.notify_resolved)
                   AND EXISTS (SELECT 1 FROM alert_rule_channels rc WHERE rc.rule_id = :rule))
            -- data-modifying CTEs run to completion whether read or not
            SELECT count(*) FROM closed
            """)
        .bind("rule", ruleId)
        .bind("reason", reason)
        .bind("now", Timestamp.from(now))
        .mapTo(Integer.class)
        .one();
  }
}
