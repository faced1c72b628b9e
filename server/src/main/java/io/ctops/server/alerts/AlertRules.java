package io.ctops.server.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import io.ctops.server.auth.HostScope;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.groups.HostSelectors;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * An organisation's alert rules: create, change, delete, read. Every change is audited in its own
 * transaction; disabling or narrowing a rule leaves its open alerts to the next evaluation, except
 * that a disabled rule's alerts resolve at once ("rule disabled").
 */
public final class AlertRules {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AlertRules() {}

  /** A rule as saved, with how many of its alerts are open now. */
  public record AlertRule(UUID id, RuleSpec spec, long firing, long pending) {}

  /** The rule's name is taken in the organisation. */
  public static final class DuplicateNameException extends RuntimeException {
    DuplicateNameException() {
      super("another rule has this name already");
    }
  }

  private static final String SELECT =
      """
      SELECT r.*,
             ARRAY(SELECT c.channel_id FROM alert_rule_channels c WHERE c.rule_id = r.id
                    ORDER BY c.channel_id) AS channel_ids,
             (SELECT count(*) FROM alert_instances i
               WHERE i.rule_id = r.id AND i.state = 'firing') AS firing,
             (SELECT count(*) FROM alert_instances i
               WHERE i.rule_id = r.id AND i.state = 'pending') AS pending
        FROM alert_rules r
      """;

  public static List<AlertRule> list(Handle handle, UUID orgId) {
    return handle
        .createQuery(SELECT + " WHERE r.org_id = :org ORDER BY lower(r.name)")
        .bind("org", orgId)
        .map((rs, ctx) -> rule(rs))
        .list();
  }

  public static Optional<AlertRule> find(Handle handle, UUID orgId, UUID id) {
    return handle
        .createQuery(SELECT + " WHERE r.org_id = :org AND r.id = :id")
        .bind("org", orgId)
        .bind("id", id)
        .map((rs, ctx) -> rule(rs))
        .findOne();
  }

  /** Saves a new rule; what it refers to (group, host, channels) must be the organisation's. */
  public static UUID create(Handle handle, UUID orgId, Actor actor, RuleSpec spec) {
    requireKnown(handle, orgId, spec);
    UUID id;
    try {
      id =
          bind(
                  handle.createQuery(
                      """
                      INSERT INTO alert_rules (org_id, name, description, runbook_url, kind,
                          parameters, severity, selector, for_seconds, resolve_after_seconds,
                          notify_resolved, repeat_every_seconds, enabled, created_by)
                      VALUES (:org, :name, :description, :runbook, :kind,
                          CAST(:parameters AS jsonb), :severity, CAST(:selector AS jsonb),
                          :forSeconds, :resolveAfter, :notifyResolved, :repeatSeconds, :enabled,
                          :createdBy)
                      RETURNING id
                      """),
                  spec)
              .bind("org", orgId)
              .bind("createdBy", actor.userId().orElse(null))
              .mapTo(UUID.class)
              .one();
    } catch (UnableToExecuteStatementException e) {
      throw duplicateOr(e);
    }
    setChannels(handle, id, spec.channelIds());
    AuditLog.record(
        handle,
        AuditEntry.of(orgId, actor, AuditAction.ALERT_RULE_CREATE)
            .target(Target.alertRule(id, spec.name()))
            .param("kind", spec.kind().name())
            .param("condition", spec.conditionText())
            .param("severity", spec.severity().dbName()));
    return id;
  }

  /** Replaces a rule; false when it is not the organisation's. */
  public static boolean update(
      Handle handle, UUID orgId, Actor actor, UUID id, RuleSpec spec, Instant now) {
    requireKnown(handle, orgId, spec);
    int changed;
    try {
      changed =
          bind(
                  handle.createUpdate(
                      """
                      UPDATE alert_rules SET name = :name, description = :description,
                          runbook_url = :runbook, kind = :kind,
                          parameters = CAST(:parameters AS jsonb), severity = :severity,
                          selector = CAST(:selector AS jsonb), for_seconds = :forSeconds,
                          resolve_after_seconds = :resolveAfter,
                          notify_resolved = :notifyResolved,
                          repeat_every_seconds = :repeatSeconds, enabled = :enabled,
                          updated_at = now()
                       WHERE id = :id AND org_id = :org
                      """),
                  spec)
              .bind("id", id)
              .bind("org", orgId)
              .execute();
    } catch (UnableToExecuteStatementException e) {
      throw duplicateOr(e);
    }
    if (changed == 0) {
      return false;
    }
    setChannels(handle, id, spec.channelIds());
    if (!spec.enabled()) {
      AlertEvaluator.resolveAll(handle, id, "rule disabled", now);
    }
    AuditLog.record(
        handle,
        AuditEntry.of(orgId, actor, AuditAction.ALERT_RULE_UPDATE)
            .target(Target.alertRule(id, spec.name()))
            .param("condition", spec.conditionText())
            .param("severity", spec.severity().dbName())
            .param("enabled", spec.enabled()));
    return true;
  }

  /** Deletes a rule with its alerts and their history; false when unknown. */
  public static boolean delete(Handle handle, UUID orgId, Actor actor, UUID id) {
    Optional<String> name =
        handle
            .createQuery("DELETE FROM alert_rules WHERE id = :id AND org_id = :org RETURNING name")
            .bind("id", id)
            .bind("org", orgId)
            .mapTo(String.class)
            .findOne();
    name.ifPresent(
        n ->
            AuditLog.record(
                handle,
                AuditEntry.of(orgId, actor, AuditAction.ALERT_RULE_DELETE)
                    .target(Target.alertRule(id, n))));
    return name.isPresent();
  }

  private static void requireKnown(Handle handle, UUID orgId, RuleSpec spec) {
    HostSelectors.requireKnown(handle, orgId, HostScope.ORGANISATION, spec.selector());
    if (spec.channelIds().isEmpty()) {
      return;
    }
    long known =
        handle
            .createQuery(
                "SELECT count(*) FROM notification_channels WHERE org_id = :org"
                    + " AND id = ANY(:ids)")
            .bind("org", orgId)
            .bindArray("ids", UUID.class, spec.channelIds())
            .mapTo(Long.class)
            .one();
    if (known != spec.channelIds().size()) {
      throw new InvalidRuleException("no such notification channel among channel_ids");
    }
  }

  private static void setChannels(Handle handle, UUID ruleId, List<UUID> channels) {
    handle
        .createUpdate(
            """
            WITH gone AS (DELETE FROM alert_rule_channels WHERE rule_id = :rule
                           AND NOT (channel_id = ANY(:channels)))
            INSERT INTO alert_rule_channels (rule_id, channel_id)
            SELECT :rule, c FROM unnest(CAST(:channels AS uuid[])) AS c
            ON CONFLICT DO NOTHING
            """)
        .bind("rule", ruleId)
        .bindArray("channels", UUID.class, channels)
        .execute();
  }

  private static <T extends SqlStatement<T>> T bind(T statement, RuleSpec spec) {
    return statement
        .bind("name", spec.name())
        .bind("description", spec.description())
        .bind("runbook", spec.runbookUrl().orElse(null))
        .bind("kind", spec.kind().name())
        .bind("parameters", spec.parameters().toString())
        .bind("severity", spec.severity().dbName())
        .bind("selector", spec.selector().toJson().toString())
        .bind("forSeconds", spec.forSeconds())
        .bind("resolveAfter", spec.resolveAfterSeconds())
        .bind("notifyResolved", spec.notifyResolved())
        .bind(
            "repeatSeconds",
            spec.repeatEveryHours().isPresent() ? spec.repeatEveryHours().getAsInt() * 3600 : null)
        .bind("enabled", spec.enabled());
  }

  private static RuntimeException duplicateOr(UnableToExecuteStatementException e) {
    return e.getCause() instanceof SQLException sql
            && "23505".equals(sql.getSQLState())
            && sql.getMessage().contains("alert_rules_org_id_name_key")
        ? new DuplicateNameException()
        : e;
  }

  static AlertRule rule(ResultSet rs) throws SQLException {
    AlertKind kind =
        AlertKind.named(rs.getString("kind"))
            .orElseThrow(() -> new IllegalStateException("unknown alert kind in the database"));
    int repeat = rs.getInt("repeat_every_seconds");
    OptionalInt repeatHours = rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(repeat / 3600);
    RuleSpec spec =
        new RuleSpec(
            rs.getString("name"),
            rs.getString("description"),
            Optional.ofNullable(rs.getString("runbook_url")),
            kind,
            (ObjectNode) json(rs.getString("parameters")),
            Severity.fromDb(rs.getString("severity")),
            HostSelector.fromJson(json(rs.getString("selector"))),
            rs.getInt("for_seconds"),
            rs.getInt("resolve_after_seconds"),
            rs.getBoolean("notify_resolved"),
            repeatHours,
            rs.getBoolean("enabled"),
            uuids(rs.getArray("channel_ids")));
    return new AlertRule(
        rs.getObject("id", UUID.class), spec, rs.getLong("firing"), rs.getLong("pending"));
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the database holds JSON", e);
    }
  }

  private static List<UUID> uuids(Array array) throws SQLException {
    return array == null ? List.of() : Arrays.asList((UUID[]) array.getArray());
  }
}
