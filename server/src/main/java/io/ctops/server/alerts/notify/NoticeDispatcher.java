package io.ctops.server.alerts.notify;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the evaluator's notices into messages without storms. A rule's notices of one event go out
 * {@link #FIRST_WAIT} after the first of them when the rule has sent no message for that event
 * within the last {@code window}; otherwise they wait until the oldest is {@code window} old. So
 * the first alert is told within seconds, and a storm (10,000 hosts going offline at once, over a
 * few evaluations) makes one message per channel per window. In one transaction the notices are
 * deleted and each of the rule's enabled channels gets ONE outbox row naming the hosts (the first
 * {@link Notification#SHOWN_HOSTS} and how many more). The notices are locked FOR UPDATE SKIP
 * LOCKED, so dispatchers on several instances never take the same notice twice.
 */
final class NoticeDispatcher {
  private static final Logger log = LoggerFactory.getLogger(NoticeDispatcher.class);

  /** How many (rule, event) groups one pass takes at most; the next pass takes the rest. */
  private static final int GROUPS_PER_PASS = 200;

  /**
   * How long a quiet rule's first notices gather before they go out: one evaluation writes all of
   * its notices at once, so this only waits for a burst already under way.
   */
  static final Duration FIRST_WAIT = Duration.ofSeconds(2);

  private final Jdbi jdbi;
  private final Clock clock;
  private final Duration window;
  private final Runnable queued;

  /** {@code queued} runs after a pass that queued messages (it wakes the outbox workers). */
  NoticeDispatcher(Jdbi jdbi, Clock clock, Duration window, Runnable queued) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.window = window;
    this.queued = queued;
  }

  private record Group(UUID ruleId, String event) {}

  private record Notice(long id, UUID instanceId, Instant at) {}

  /** One pass: every group whose notices may go out now; returns the messages queued. */
  int dispatch() {
    Instant cutoff = clock.instant().minus(window);
    Instant firstCutoff =
        clock.instant().minus(FIRST_WAIT.compareTo(window) < 0 ? FIRST_WAIT : window);
    List<Group> due =
        jdbi.withHandle(
            handle ->
                handle
                    .createQuery(
                        """
                        SELECT n.rule_id, n.event FROM alert_notices n
                         GROUP BY n.rule_id, n.event
                        HAVING min(n.at) <= :cutoff
                            OR (min(n.at) <= :firstCutoff
                                AND NOT EXISTS (SELECT 1 FROM notification_outbox o
                                                 WHERE o.rule_id = n.rule_id
                                                   AND o.event = n.event
                                                   AND o.created_at > :cutoff))
                         ORDER BY min(n.at) LIMIT :limit
                        """)
                    .bind("cutoff", Timestamp.from(cutoff))
                    .bind("firstCutoff", Timestamp.from(firstCutoff))
                    .bind("limit", GROUPS_PER_PASS)
                    .map(
                        (rs, ctx) ->
                            new Group(rs.getObject("rule_id", UUID.class), rs.getString("event")))
                    .list());
    int messages = 0;
    for (Group group : due) {
      messages += jdbi.inTransaction(handle -> dispatch(handle, group));
    }
    if (messages > 0) {
      queued.run();
    }
    return messages;
  }

  private int dispatch(Handle handle, Group group) {
    List<Notice> notices =
        handle
            .createQuery(
                """
                SELECT id, instance_id, at FROM alert_notices
                WHERE rule_id = :rule AND event = :event
                ORDER BY id
                FOR UPDATE SKIP LOCKED
                """)
            .bind("rule", group.ruleId())
            .bind("event", group.event())
            .map(
                (rs, ctx) ->
                    new Notice(
                        rs.getLong("id"),
                        rs.getObject("instance_id", UUID.class),
                        rs.getTimestamp("at").toInstant()))
            .list();
    if (notices.isEmpty()) {
      return 0; // another instance holds them
    }
    Optional<RuleRow> rule = RuleRow.find(handle, group.ruleId());
    Set<UUID> instances = new LinkedHashSet<>();
    notices.forEach(n -> instances.add(n.instanceId()));
    UUID[] instanceIds = instances.toArray(UUID[]::new);
    int queuedHere = 0;
    // a rule that does not notify on recovery has its resolved notices dropped unsent
    boolean wanted =
        rule.isPresent() && (rule.get().notifyResolved() || !group.event().equals("resolved"));
    if (wanted) {
      Instant first = notices.stream().map(Notice::at).min(Instant::compareTo).orElseThrow();
      Instant last = notices.stream().map(Notice::at).max(Instant::compareTo).orElseThrow();
      Instant now = clock.instant();
      Notification notification =
          new Notification(
              group.event(),
              rule.get().asNotificationRule(),
              hosts(handle, instanceIds, group.event()),
              instances.size(),
              first,
              last,
              now);
      List<StoredChannel> channels = channels(handle, rule.get());
      for (StoredChannel channel : channels) {
        handle
            .createUpdate(
                """
                INSERT INTO notification_outbox (org_id, channel_id, rule_id, event, host_count,
                                                 payload, created_at, next_attempt_at)
                VALUES (:org, :channel, :rule, :event, :hosts, :payload, :now, :now)
                """)
            .bind("org", rule.get().orgId())
            .bind("channel", channel.id())
            .bind("rule", group.ruleId())
            .bind("event", group.event())
            .bind("hosts", instances.size())
            .bind("payload", channel.channel().render(notification))
            .bind("now", Timestamp.from(now))
            .execute();
        queuedHere++;
      }
      if (!channels.isEmpty()) {
        handle
            .createUpdate(
                """
                INSERT INTO alert_events (instance_id, at, event, detail)
                SELECT i, :now, 'notified', :detail FROM unnest(:instances) AS i
                """)
            .bind("now", Timestamp.from(now))
            .bind("detail", describe(group.event(), channels))
            .bindArray("instances", UUID.class, (Object[]) instanceIds)
            .execute();
      }
    }
    handle
        .createUpdate("DELETE FROM alert_notices WHERE id = ANY(:ids)")
        .bindArray("ids", Long.class, notices.stream().map(Notice::id).toArray(Long[]::new))
        .execute();
    log.info(
        "event=notices_dispatched rule_id={} notice_event={} notices={} hosts={} messages={}",
        group.ruleId(),
        group.event(),
        notices.size(),
        instances.size(),
        queuedHere);
    return queuedHere;
  }

  /** The first hosts by name, with the value their alert saw (the firing value while firing). */
  private static List<Notification.Host> hosts(Handle handle, UUID[] instances, String event) {
    return handle
        .createQuery(
            """
            SELECT h.id, h.hostname,
                   CASE WHEN :event = 'resolved' THEN i.value
                        ELSE coalesce(i.fired_value, i.value) END AS value
            FROM alert_instances i JOIN hosts h ON h.id = i.host_id
            WHERE i.id = ANY(:instances)
            ORDER BY lower(h.hostname), h.id
            LIMIT :limit
            """)
        .bind("event", event)
        .bindArray("instances", UUID.class, (Object[]) instances)
        .bind("limit", Notification.SHOWN_HOSTS)
        .map(
            (rs, ctx) ->
                new Notification.Host(
                    rs.getObject("id", UUID.class),
                    rs.getString("hostname"),
                    (Double) rs.getObject("value")))
        .list();
  }

  private static List<StoredChannel> channels(Handle handle, RuleRow rule) {
    List<StoredChannel> channels = new ArrayList<>();
    handle
        .createQuery(
            """
            SELECT c.id, c.org_id, c.name, c.kind, c.config::text AS config, c.enabled,
                   c.created_at, c.updated_at
            FROM alert_rule_channels rc JOIN notification_channels c ON c.id = rc.channel_id
            WHERE rc.rule_id = :rule AND c.org_id = :org AND c.enabled
            ORDER BY c.id
            """)
        .bind("rule", rule.id())
        .bind("org", rule.orgId())
        .map((rs, ctx) -> StoredChannel.of(rs))
        .forEach(channels::add);
    return channels;
  }

  private static String describe(String event, List<StoredChannel> channels) {
    String names = String.join(", ", channels.stream().map(StoredChannel::name).toList());
    String text = event + " sent to " + names;
    return text.length() > 1000 ? text.substring(0, 999) + "…" : text;
  }

  /** The rule a group of notices belongs to. */
  private record RuleRow(
      UUID id,
      UUID orgId,
      String name,
      String severity,
      String description,
      String runbookUrl,
      boolean notifyResolved) {
    static Optional<RuleRow> find(Handle handle, UUID id) {
      return handle
          .createQuery(
              """
              SELECT id, org_id, name, severity, description, runbook_url, notify_resolved
              FROM alert_rules WHERE id = :id
              """)
          .bind("id", id)
          .map(
              (rs, ctx) ->
                  new RuleRow(
                      rs.getObject("id", UUID.class),
                      rs.getObject("org_id", UUID.class),
                      rs.getString("name"),
                      rs.getString("severity"),
                      rs.getString("description"),
                      rs.getString("runbook_url"),
                      rs.getBoolean("notify_resolved")))
          .findOne();
    }

    Notification.Rule asNotificationRule() {
      return new Notification.Rule(id, name, severity, description, runbookUrl);
    }
  }
}
