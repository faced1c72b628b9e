package io.ctops.server.alerts.notify;

import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Rules, firing instances, notices and channels written with plain SQL, as the evaluator and the
 * channels' pages would leave them, for the delivery tests.
 */
final class AlertSeed {
  private final Jdbi jdbi;
  final UUID orgId;

  AlertSeed(Jdbi jdbi) {
    this.jdbi = jdbi;
    this.orgId =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "WITH s AS (SELECT 'notify-' || substr(md5(random()::text), 1, 10) AS n)"
                            + " INSERT INTO organisations (name, slug) SELECT n, n FROM s"
                            + " RETURNING id")
                    .mapTo(UUID.class)
                    .one());
  }

  UUID rule(String name) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    INSERT INTO alert_rules (org_id, name, description, runbook_url, kind,
                                             severity, selector)
                    VALUES (:org, :name, 'Hosts stopped sending heartbeats.',
                            'https://runbooks.example.com/offline', 'host_offline', 'critical',
                            '{"kind": "all"}')
                    RETURNING id
                    """)
                .bind("org", orgId)
                .bind("name", name)
                .mapTo(UUID.class)
                .one());
  }

  /** {@code count} hosts named {@code prefix-00001}… with a firing instance of the rule each. */
  List<UUID> firingHosts(UUID rule, String prefix, int count) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    WITH new_hosts AS (
                        INSERT INTO hosts (org_id, hostname, status)
                        SELECT :org, :prefix || '-' || lpad(n::text, 5, '0'), 'offline'
                        FROM generate_series(1, :count) AS n
                        RETURNING id)
                    INSERT INTO alert_instances (org_id, rule_id, host_id, state, severity, value,
                                                 fired_value, pending_since, firing_since)
                    SELECT :org, :rule, id, 'firing', 'critical', 42.5, 42.5, now(), now()
                    FROM new_hosts
                    RETURNING id
                    """)
                .bind("org", orgId)
                .bind("rule", rule)
                .bind("prefix", prefix)
                .bind("count", count)
                .mapTo(UUID.class)
                .list());
  }

  /** A notice per instance, as the evaluator writes them, {@code ageSeconds} old. */
  void notices(UUID rule, List<UUID> instances, String event, int ageSeconds) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    INSERT INTO alert_notices (org_id, rule_id, instance_id, event, at)
                    SELECT :org, :rule, i, :event, now() - make_interval(secs => :age)
                    FROM unnest(:instances) AS i
                    """)
                .bind("org", orgId)
                .bind("rule", rule)
                .bind("event", event)
                .bind("age", ageSeconds)
                .bindArray("instances", UUID.class, instances.toArray())
                .execute());
  }

  UUID webhook(String name, String url, String secret) {
    return channel(name, "webhook", "{\"url\": \"" + url + "\", \"secret\": \"" + secret + "\"}");
  }

  UUID slack(String name, String url) {
    return channel(name, "slack", "{\"url\": \"" + url + "\"}");
  }

  UUID email(String name, String... recipients) {
    return channel(
        name, "email", "{\"recipients\": [\"" + String.join("\", \"", recipients) + "\"]}");
  }

  private UUID channel(String name, String kind, String config) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    INSERT INTO notification_channels (org_id, name, kind, config)
                    VALUES (:org, :name, :kind, CAST(:config AS jsonb)) RETURNING id
                    """)
                .bind("org", orgId)
                .bind("name", name)
                .bind("kind", kind)
                .bind("config", config)
                .mapTo(UUID.class)
                .one());
  }

  void route(UUID rule, UUID channel) {
    jdbi.useHandle(
        h ->
            h.createUpdate("INSERT INTO alert_rule_channels (rule_id, channel_id) VALUES (:r, :c)")
                .bind("r", rule)
                .bind("c", channel)
                .execute());
  }

  int count(String sql) {
    return jdbi.withHandle(h -> h.createQuery(sql).mapTo(Integer.class).one());
  }
}
