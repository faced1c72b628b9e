package io.ctops.server.alerts;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.alerts.AlertEvaluator.Cycle;
import io.ctops.server.audit.Actor;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.ManualClock;
import io.ctops.server.testing.Sql;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The evaluator on a real database: alerts open, fire after their "for", resolve (with the reason)
 * and notify exactly on those changes; an evaluation that finds nothing new writes nothing.
 */
@ExtendWith(FreshDatabase.class)
class AlertEvaluatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Actor ADMIN = Actor.system("test");

  private Jdbi jdbi;
  private UUID org;
  private ManualClock clock;
  private AlertEvaluator evaluator;

  @BeforeEach
  void start(Jdbi jdbi) {
    this.jdbi = jdbi;
    org =
        jdbi.withHandle(h -> h.createQuery("SELECT id FROM organisations").mapTo(UUID.class).one());
    clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    evaluator = new AlertEvaluator(jdbi, clock);
  }

  private UUID rule(String json) {
    return jdbi.inTransaction(
        h -> AlertRules.create(h, org, ADMIN, RuleRequests.fromJson(read(json), Optional.empty())));
  }

  private void update(UUID rule, String json) {
    jdbi.useTransaction(
        h -> {
          var base = AlertRules.find(h, org, rule).orElseThrow();
          AlertRules.update(
              h,
              org,
              ADMIN,
              rule,
              RuleRequests.fromJson(read(json), Optional.of(base)),
              clock.instant());
        });
  }

  private UUID channel() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "INSERT INTO notification_channels (org_id, name, kind, config)"
                        + " VALUES (:org, 'hook', 'webhook', '{}') RETURNING id")
                .bind("org", org)
                .mapTo(UUID.class)
                .one());
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private List<String> states() {
    return Sql.strings(
        jdbi,
        "SELECT h.hostname || ' ' || i.state || coalesce(' ' || i.resolved_reason, '')"
            + " FROM alert_instances i JOIN hosts h ON h.id = i.host_id"
            + " ORDER BY h.hostname, i.pending_since, i.state");
  }

  private List<String> notices() {
    return Sql.strings(
        jdbi,
        "SELECT h.hostname || ' ' || n.event FROM alert_notices n"
            + " JOIN alert_instances i ON i.id = n.instance_id JOIN hosts h ON h.id = i.host_id"
            + " ORDER BY n.id");
  }

  private long events() {
    return Sql.number(jdbi, "SELECT count(*) FROM alert_events");
  }

  private void cpu(UUID host, float value) {
    jdbi.useHandle(
        h -> h.execute("UPDATE host_vitals SET cpu_percent = ? WHERE host_id = ?", value, host));
  }

  @Test
  void aThresholdWithoutForFiresAtOnceStaysQuietWhileItHoldsAndResolvesWhenItClears() {
    UUID hot = aHost("hot-1").status("online").vitals(95f, 10f, 10f).insert(jdbi, org);
    aHost("cool-1").status("online").vitals(20f, 10f, 10f).insert(jdbi, org);
    // its vitals are not current: an offline host is the offline rule's business
    aHost("gone-1").status("offline").vitals(99f, 10f, 10f).insert(jdbi, org);
    UUID hook = channel();
    rule(
        """
        {"name": "CPU hot", "kind": "metric_threshold", "severity": "critical",
         "parameters": {"metric": "cpu", "operator": ">=", "threshold": 90},
         "channel_ids": ["%s"]}"""
            .formatted(hook));

    Cycle first = evaluator.evaluate();

    assertThat(first.opened()).isEqualTo(1);
    assertThat(first.fired()).isEqualTo(1);
    assertThat(states()).containsExactly("hot-1 firing");
    assertThat(notices()).containsExactly("hot-1 firing");
    assertThat(
            Sql.strings(
                jdbi, "SELECT severity || ' ' || fired_value || ' ' || value FROM alert_instances"))
        .containsExactly("critical 95 95");
    long eventsAfterFirst = events();

    clock.advance(Duration.ofSeconds(15));
    Cycle quiet = evaluator.evaluate();
    assertThat(quiet.opened() + quiet.fired() + quiet.resolved() + quiet.notices()).isZero();
    assertThat(events()).as("nothing new is written").isEqualTo(eventsAfterFirst);

    cpu(hot, 40f);
    clock.advance(Duration.ofSeconds(15));
    Cycle cleared = evaluator.evaluate();

    assertThat(cleared.resolved()).isEqualTo(1);
    assertThat(states()).containsExactly("hot-1 resolved condition cleared");
    assertThat(notices()).containsExactly("hot-1 firing", "hot-1 resolved");
    assertThat(Sql.strings(jdbi, "SELECT event FROM alert_events ORDER BY id"))
        .containsExactly("firing", "resolved");

    // the next breach is a new alert; the resolved one stays as history
    cpu(hot, 97f);
    evaluator.evaluate();
    assertThat(states()).containsExactly("hot-1 resolved condition cleared", "hot-1 firing");
  }

  @Test
  void forHoldsAcrossEvaluationsAndABreachThatEndsEarlyNeverFires() {
    UUID steady = aHost("steady-1").status("online").vitals(10f, 95f, 10f).insert(jdbi, org);
    UUID blip = aHost("blip-1").status("online").vitals(10f, 95f, 10f).insert(jdbi, org);
    rule(
        """
        {"name": "memory", "kind": "metric_threshold", "for_seconds": 60,
         "parameters": {"metric": "memory", "operator": ">", "threshold": 90}}""");

    evaluator.evaluate();
    assertThat(states()).containsExactly("blip-1 pending", "steady-1 pending");

    clock.advance(Duration.ofSeconds(30));
    jdbi.useHandle(
        h -> h.execute("UPDATE host_vitals SET memory_percent = 50 WHERE host_id = ?", blip));
    evaluator.evaluate();
    assertThat(states()).containsExactly("blip-1 resolved condition cleared", "steady-1 pending");

    clock.advance(Duration.ofSeconds(31));
    Cycle fired = evaluator.evaluate();
    assertThat(fired.fired()).isEqualTo(1);
    assertThat(states()).containsExactly("blip-1 resolved condition cleared", "steady-1 firing");
    assertThat(Sql.strings(jdbi, "SELECT event FROM alert_events ORDER BY id"))
        .containsExactly("pending", "pending", "resolved", "firing");
    assertThat(notices()).as("a rule without channels queues no notice").isEmpty();
    assertThat(steady).isNotNull();
  }

  @Test
  void resolveAfterWaitsForTheConditionToStayFalseAndABreachMeanwhileRestartsTheWait() {
    UUID host = aHost("disk-1").status("online").vitals(10f, 10f, 99f).insert(jdbi, org);
    rule(
        """
        {"name": "disk", "kind": "metric_threshold", "resolve_after_seconds": 60,
         "parameters": {"metric": "disk", "operator": ">=", "threshold": 95}}""");
    evaluator.evaluate();

    jdbi.useHandle(
        h -> h.execute("UPDATE host_vitals SET disk_percent = 50 WHERE host_id = ?", host));
    clock.advance(Duration.ofSeconds(15));
    evaluator.evaluate();
    assertThat(states()).containsExactly("disk-1 firing");
    assertThat(
            Sql.number(jdbi, "SELECT count(*) FROM alert_instances WHERE false_since IS NOT NULL"))
        .isEqualTo(1);

    jdbi.useHandle(
        h -> h.execute("UPDATE host_vitals SET disk_percent = 99 WHERE host_id = ?", host));
    clock.advance(Duration.ofSeconds(50));
    evaluator.evaluate();
    assertThat(
            Sql.number(jdbi, "SELECT count(*) FROM alert_instances WHERE false_since IS NOT NULL"))
        .isZero();

    jdbi.useHandle(
        h -> h.execute("UPDATE host_vitals SET disk_percent = 50 WHERE host_id = ?", host));
    clock.advance(Duration.ofSeconds(15));
    evaluator.evaluate();
    clock.advance(Duration.ofSeconds(45));
    evaluator.evaluate();
    assertThat(states()).containsExactly("disk-1 firing");
    clock.advance(Duration.ofSeconds(16));
    evaluator.evaluate();
    assertThat(states()).containsExactly("disk-1 resolved condition cleared");
  }

  @Test
  void aDeletedHostARevokedAgentAndADisabledRuleResolveTheirAlertsSayingWhy() {
    UUID deleted = aHost("del-1").status("online").vitals(99f, 10f, 10f).insert(jdbi, org);
    UUID revoked = aHost("rev-1").status("online").vitals(99f, 10f, 10f).insert(jdbi, org);
    aHost("other-1").status("online").vitals(10f, 99f, 10f).insert(jdbi, org);
    UUID hook = channel();
    rule(
        """
        {"name": "cpu", "kind": "metric_threshold", "resolve_after_seconds": 600,
         "parameters": {"metric": "cpu", "operator": ">", "threshold": 90}}""");
    UUID memory =
        rule(
            """
            {"name": "memory", "kind": "metric_threshold", "channel_ids": ["%s"],
             "parameters": {"metric": "memory", "operator": ">", "threshold": 90}}"""
                .formatted(hook));
    evaluator.evaluate();
    assertThat(states()).containsExactly("del-1 firing", "other-1 firing", "rev-1 firing");

    jdbi.useHandle(
        h -> {
          h.execute("UPDATE hosts SET deleted_at = now() WHERE id = ?", deleted);
          h.execute("UPDATE hosts SET status = 'revoked' WHERE id = ?", revoked);
        });
    clock.advance(Duration.ofSeconds(15));
    evaluator.evaluate();
    // at once, although the rule waits ten minutes before resolving a cleared condition
    assertThat(states())
        .containsExactly(
            "del-1 resolved host deleted", "other-1 firing", "rev-1 resolved agent revoked");

    update(memory, "{\"enabled\": false}");
    assertThat(states())
        .containsExactly(
            "del-1 resolved host deleted",
            "other-1 resolved rule disabled",
            "rev-1 resolved agent revoked");
    assertThat(notices()).containsExactly("other-1 firing", "other-1 resolved");
    clock.advance(Duration.ofSeconds(15));
    assertThat(evaluator.evaluate().rules()).as("a disabled rule is not evaluated").isEqualTo(1);
  }

  @Test
  void aRuleWatchesOnlyTheHostsItsSelectorNames() {
    UUID tagged = aHost("web-1").status("online").vitals(99f, 10f, 10f).insert(jdbi, org);
    aHost("db-1").status("online").vitals(99f, 10f, 10f).insert(jdbi, org);
    jdbi.useHandle(
        h ->
            h.execute(
                "UPDATE hosts SET operator_tags = '{\"role\": \"web\"}' WHERE id = ?", tagged));
    rule(
        """
        {"name": "web cpu", "kind": "metric_threshold",
         "selector": {"kind": "tags", "tags": ["role:web"]},
         "parameters": {"metric": "cpu", "operator": ">", "threshold": 90}}""");

    evaluator.evaluate();

    assertThat(states()).containsExactly("web-1 firing");
  }

  @Test
  void hostOfflineFiresForHostsUnheardOfForItsMinutesOfflineOrStale() {
    Instant now = clock.instant();
    aHost("off-long")
        .status("offline")
        .lastSeen(now.minus(Duration.ofMinutes(20)))
        .insert(jdbi, org);
    aHost("off-short")
        .status("offline")
        .lastSeen(now.minus(Duration.ofMinutes(2)))
        .insert(jdbi, org);
    // online on paper, but silent for 20 minutes (over two 30 s intervals): stale
    aHost("stale-1").status("online").lastSeen(now.minus(Duration.ofMinutes(20))).insert(jdbi, org);
    aHost("fresh-1").status("online").lastSeen(now.minus(Duration.ofSeconds(10))).insert(jdbi, org);
    aHost("waiting-1").status("pending").agent("pending").insert(jdbi, org);
    rule("{\"name\": \"offline\", \"kind\": \"host_offline\", \"parameters\": {\"minutes\": 10}}");

    evaluator.evaluate();
    assertThat(states()).containsExactly("off-long firing");

    // the stale-host sweeper marks the silent one offline; from then on it counts
    new io.ctops.server.heartbeat.StaleHostSweeper(jdbi, java.time.Clock.systemUTC(), Instant::now)
        .sweep();
    clock.advance(Duration.ofSeconds(15));
    evaluator.evaluate();
    assertThat(states()).containsExactly("off-long firing", "stale-1 firing");
    assertThat(Sql.strings(jdbi, "SELECT round(CAST(value AS numeric)) FROM alert_instances"))
        .containsOnly("20");
  }

  @Test
  void agentPendingFiresForAgentsWaitingLongerThanItsMinutesAndResolvesOnApproval() {
    UUID waiting = aHost("waiting-1").status("pending").agent("pending").insert(jdbi, org);
    aHost("new-1").status("pending").agent("pending").insert(jdbi, org);
    jdbi.useHandle(
        h ->
            h.execute(
                "UPDATE agents SET created_at = now() - interval '2 hours'"
                    + " WHERE id = (SELECT agent_id FROM hosts WHERE id = ?)",
                waiting));
    rule("{\"name\": \"pending\", \"kind\": \"agent_pending\", \"parameters\": {\"minutes\": 60}}");

    evaluator.evaluate();
    assertThat(states()).containsExactly("waiting-1 firing");

    jdbi.useHandle(
        h -> {
          h.execute(
              "UPDATE agents SET status = 'active' WHERE id = (SELECT agent_id FROM hosts WHERE id = ?)",
              waiting);
          h.execute("UPDATE hosts SET status = 'unknown' WHERE id = ?", waiting);
        });
    clock.advance(Duration.ofSeconds(15));
    evaluator.evaluate();
    assertThat(states()).containsExactly("waiting-1 resolved condition cleared");
  }

  private UUID check(String name, boolean enabled) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "INSERT INTO checks (org_id, name, check_type, config, interval_seconds,"
                        + " selector, enabled) VALUES (:org, :name, 'port', '{\"port\": 22}', 30,"
                        + " '{\"kind\": \"all\"}', :enabled) RETURNING id")
                .bind("org", org)
                .bind("name", name)
                .bind("enabled", enabled)
                .mapTo(UUID.class)
                .one());
  }

  private void checkState(UUID check, UUID host, String status, int failures) {
    jdbi.useHandle(
        h ->
            h.execute(
                "INSERT INTO check_states (check_id, host_id, status, output, duration_ms, ran_at,"
                    + " since, consecutive_failures) VALUES (?, ?, ?, '', 1, now(), now(), ?)"
                    + " ON CONFLICT (check_id, host_id) DO UPDATE SET status = EXCLUDED.status,"
                    + " consecutive_failures = EXCLUDED.consecutive_failures",
                check,
                host,
                status,
                failures));
  }

  @Test
  void checkFailingFiresAfterItsFailuresInARowNotForErrorsNorChecksThatNoLongerApply() {
    UUID web = aHost("web-1").vitals(1f, 1f, 1f).insert(jdbi, org);
    UUID db = aHost("db-1").vitals(1f, 1f, 1f).insert(jdbi, org);
    UUID cache = aHost("cache-1").vitals(1f, 1f, 1f).insert(jdbi, org);
    UUID ssh = check("ssh", true);
    UUID old = check("old", false);
    checkState(ssh, web, "fail", 3);
    checkState(ssh, db, "fail", 2);
    checkState(ssh, cache, "error", 0);
    checkState(old, db, "fail", 9);
    rule(
        "{\"name\": \"ssh down\", \"kind\": \"check_failing\", \"parameters\":"
            + " {\"check_id\": \""
            + ssh
            + "\", \"failures\": 3}}");
    rule("{\"name\": \"any\", \"kind\": \"check_failing\", \"parameters\": {}}");

    evaluator.evaluate();
    assertThat(states())
        .as("3 in a row by default; an error and a disabled check's failures do not count")
        .containsExactly("web-1 firing", "web-1 firing");

    checkState(ssh, db, "fail", 3);
    checkState(ssh, web, "pass", 0);
    clock.advance(Duration.ofSeconds(15));
    evaluator.evaluate();
    assertThat(states())
        .containsExactly(
            "db-1 firing",
            "db-1 firing",
            "web-1 resolved condition cleared",
            "web-1 resolved condition cleared");
  }

  @Test
  void aFiringUnacknowledgedAlertIsNotifiedAgainEveryRepeatInterval() {
    UUID acked = aHost("acked-1").status("online").vitals(99f, 10f, 10f).insert(jdbi, org);
    aHost("loud-1").status("online").vitals(99f, 10f, 10f).insert(jdbi, org);
    UUID hook = channel();
    rule(
        """
        {"name": "cpu", "kind": "metric_threshold", "repeat_every_hours": 2,
         "channel_ids": ["%s"],
         "parameters": {"metric": "cpu", "operator": ">", "threshold": 90}}"""
            .formatted(hook));
    evaluator.evaluate();
    jdbi.useHandle(
        h ->
            h.execute(
                "UPDATE alert_instances SET acknowledged_at = now() WHERE host_id = ?", acked));

    clock.advance(Duration.ofMinutes(119));
    evaluator.evaluate();
    assertThat(notices()).containsExactlyInAnyOrder("acked-1 firing", "loud-1 firing");
    clock.advance(Duration.ofMinutes(2));
    evaluator.evaluate();
    assertThat(notices())
        .containsExactlyInAnyOrder("acked-1 firing", "loud-1 firing", "loud-1 repeat");
  }

  @Test
  void aSilencedAlertFiresAndShowsSilencedButQueuesNoNoticeUntilTheSilenceEnds() {
    UUID quiet = aHost("quiet-1").status("online").vitals(99f, 10f, 10f).insert(jdbi, org);
    aHost("loud-1").status("online").vitals(99f, 10f, 10f).insert(jdbi, org);
    UUID hook = channel();
    UUID rule =
        rule(
            """
            {"name": "cpu", "kind": "metric_threshold", "channel_ids": ["%s"],
             "parameters": {"metric": "cpu", "operator": ">", "threshold": 90}}"""
                .formatted(hook));
    jdbi.useTransaction(
        h ->
            Silences.create(
                h,
                org,
                ADMIN,
                new Silences.SilenceSpec(
                    Optional.of(rule),
                    Optional.of(new io.ctops.server.groups.HostSelector.OneHost(quiet)),
                    "fan replacement",
                    clock.instant().minusSeconds(1),
                    clock.instant().plus(Duration.ofMinutes(30)))));

    evaluator.evaluate();

    assertThat(states()).containsExactly("loud-1 firing", "quiet-1 firing");
    assertThat(notices()).containsExactly("loud-1 firing");
    assertThat(
            Sql.strings(
                jdbi,
                "SELECT h.hostname FROM alert_instances i JOIN hosts h ON h.id = i.host_id"
                    + " WHERE i.silenced_until IS NOT NULL"))
        .containsExactly("quiet-1");

    // the silence ends by itself: the alert is no longer marked, and its recovery is told
    clock.advance(Duration.ofMinutes(31));
    evaluator.evaluate();
    assertThat(
            Sql.number(
                jdbi, "SELECT count(*) FROM alert_instances WHERE silenced_until IS NOT NULL"))
        .isZero();
    cpu(quiet, 10f);
    clock.advance(Duration.ofSeconds(15));
    evaluator.evaluate();
    assertThat(notices()).containsExactly("loud-1 firing", "quiet-1 resolved");
  }

  @Test
  void aSilenceOfEveryHostOfARuleCoversItsNewAlertsToo() {
    aHost("a-1").status("online").vitals(99f, 10f, 10f).insert(jdbi, org);
    UUID hook = channel();
    UUID rule =
        rule(
            """
            {"name": "cpu", "kind": "metric_threshold", "channel_ids": ["%s"],
             "parameters": {"metric": "cpu", "operator": ">", "threshold": 90}}"""
                .formatted(hook));
    jdbi.useTransaction(
        h ->
            Silences.create(
                h,
                org,
                ADMIN,
                new Silences.SilenceSpec(
                    Optional.of(rule),
                    Optional.empty(),
                    "migration",
                    clock.instant().minusSeconds(1),
                    clock.instant().plus(Duration.ofHours(2)))));
    evaluator.evaluate();
    aHost("b-1").status("online").vitals(99f, 10f, 10f).insert(jdbi, org);
    clock.advance(Duration.ofSeconds(15));
    evaluator.evaluate();

    assertThat(states()).containsExactly("a-1 firing", "b-1 firing");
    assertThat(notices()).isEmpty();
    assertThat(
            Sql.number(jdbi, "SELECT count(*) FROM alert_instances WHERE silenced_until IS NULL"))
        .isZero();
  }
}
