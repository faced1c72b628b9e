package io.ctops.server.alerts;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import io.ctops.server.auth.HostScope;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.groups.HostSelectors;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Silences: a rule, some hosts (a host selector) or a rule on some hosts, muted for a while with a
 * reason — a maintenance window. The alerts a silence covers still fire and show as silenced, but
 * the evaluator queues no notice for them. A silence ends by itself at its end time; ending it
 * early moves the end to now.
 */
public final class Silences {
  /** The longest silence: a maintenance window, not a way to switch a rule off (disable it). */
  static final Duration LONGEST = Duration.ofDays(90);

  private Silences() {}

  /** A silence as saved; {@code rule} and {@code selector} empty mean every rule, every host. */
  public record Silence(
      UUID id,
      Optional<UUID> ruleId,
      Optional<String> ruleName,
      Optional<HostSelector> selector,
      String reason,
      Instant startsAt,
      Instant endsAt,
      String createdBy) {
    public boolean isActive(Instant now) {
      return !startsAt.isAfter(now) && endsAt.isAfter(now);
    }
  }

  /** What an operator asks to silence; checked here. */
  public record SilenceSpec(
      Optional<UUID> ruleId,
      Optional<HostSelector> selector,
      String reason,
      Instant startsAt,
      Instant endsAt) {
    public SilenceSpec {
      reason = reason == null ? "" : reason.strip();
      if (ruleId.isEmpty() && selector.isEmpty()) {
        throw new InvalidRuleException("a silence names a rule, some hosts, or both");
      }
      if (reason.isEmpty()) {
        throw new InvalidRuleException("a silence needs a reason (what is going on)");
      }
      if (reason.length() > 2000) {
        throw new InvalidRuleException("a reason is limited to 2,000 characters");
      }
      if (!endsAt.isAfter(startsAt)) {
        throw new InvalidRuleException("a silence ends after it starts");
      }
      if (Duration.between(startsAt, endsAt).compareTo(LONGEST) > 0) {
        throw new InvalidRuleException(
            "a silence lasts at most 90 days; disable the rule to switch it off");
      }
    }
  }

  private static final String SELECT =
      """
      SELECT s.*, r.name AS rule_name FROM alert_silences s
        LEFT JOIN alert_rules r ON r.id = s.rule_id
      """;

  /** The organisation's silences: active and future first, then the ended, newest first. */
  public static List<Silence> list(Handle handle, UUID orgId, Instant now) {
    return handle
        .createQuery(
            SELECT
                + " WHERE s.org_id = :org"
                + " ORDER BY (s.ends_at > :now) DESC, s.ends_at DESC LIMIT 500")
        .bind("org", orgId)
        .bind("now", Timestamp.from(now))
        .map((rs, ctx) -> silence(rs))
        .list();
  }

  public static Optional<Silence> find(Handle handle, UUID orgId, UUID id) {
    return handle
        .createQuery(SELECT + " WHERE s.org_id = :org AND s.id = :id")
        .bind("org", orgId)
        .bind("id", id)
        .map((rs, ctx) -> silence(rs))
        .findOne();
  }

  public static UUID create(Handle handle, UUID orgId, Actor actor, SilenceSpec spec) {
    requireKnown(handle, orgId, spec);
    UUID id =
        handle
            .createQuery(
                """
                INSERT INTO alert_silences (org_id, rule_id, selector, reason, starts_at, ends_at,
                                            created_by, created_by_name)
                VALUES (:org, :rule, CAST(:selector AS jsonb), :reason, :starts, :ends, :user,
                        :name)
                RETURNING id
                """)
            .bind("org", orgId)
            .bind("rule", spec.ruleId().orElse(null))
            .bind("selector", spec.selector().map(s -> s.toJson().toString()).orElse(null))
            .bind("reason", spec.reason())
            .bind("starts", Timestamp.from(spec.startsAt()))
            .bind("ends", Timestamp.from(spec.endsAt()))
            .bind("user", actor.userId().orElse(null))
            .bind("name", actor.name())
            .mapTo(UUID.class)
            .one();
    AuditLog.record(
        handle,
        AuditEntry.of(orgId, actor, AuditAction.ALERT_SILENCE_CREATE)
            .target(Target.silence(id, spec.reason()))
            .param("ends_at", spec.endsAt().toString()));
    return id;
  }

  /** Changes a silence's reason and times (an end in the past ends it); false when unknown. */
  public static boolean update(Handle handle, UUID orgId, Actor actor, UUID id, SilenceSpec spec) {
    requireKnown(handle, orgId, spec);
    int changed =
        handle
            .createUpdate(
                """
                UPDATE alert_silences SET rule_id = :rule, selector = CAST(:selector AS jsonb),
                       reason = :reason, starts_at = :starts, ends_at = :ends
                 WHERE id = :id AND org_id = :org
                """)
            .bind("rule", spec.ruleId().orElse(null))
            .bind("selector", spec.selector().map(s -> s.toJson().toString()).orElse(null))
            .bind("reason", spec.reason())
            .bind("starts", Timestamp.from(spec.startsAt()))
            .bind("ends", Timestamp.from(spec.endsAt()))
            .bind("id", id)
            .bind("org", orgId)
            .execute();
    if (changed > 0) {
      AuditLog.record(
          handle,
          AuditEntry.of(orgId, actor, AuditAction.ALERT_SILENCE_UPDATE)
              .target(Target.silence(id, spec.reason()))
              .param("ends_at", spec.endsAt().toString()));
    }
    return changed > 0;
  }

  /** Ends a silence now (it stays listed as ended); false when unknown or already ended. */
  public static boolean end(Handle handle, UUID orgId, Actor actor, UUID id, Instant now) {
    Optional<String> reason =
        handle
            .createQuery(
                "UPDATE alert_silences SET ends_at = greatest(:now, starts_at + interval '1 ms')"
                    + " WHERE id = :id AND org_id = :org AND ends_at > :now RETURNING reason")
            .bind("now", Timestamp.from(now))
            .bind("id", id)
            .bind("org", orgId)
            .mapTo(String.class)
            .findOne();
    reason.ifPresent(
        r ->
            AuditLog.record(
                handle,
                AuditEntry.of(orgId, actor, AuditAction.ALERT_SILENCE_END)
                    .target(Target.silence(id, r))));
    return reason.isPresent();
  }

  private static void requireKnown(Handle handle, UUID orgId, SilenceSpec spec) {
    spec.selector()
        .ifPresent(s -> HostSelectors.requireKnown(handle, orgId, HostScope.ORGANISATION, s));
    spec.ruleId()
        .ifPresent(
            rule -> {
              if (AlertRules.find(handle, orgId, rule).isEmpty()) {
                throw new InvalidRuleException("no such alert rule: " + rule);
              }
            });
  }

  /**
   * Which of a rule's hosts the active silences cover now, and until when: {@code all} when a
   * silence covers every host of the rule, else per host. Each silence's hosts are its selector's,
   * resolved by {@link HostSelectors} (one query per silence; there are few at a time).
   */
  record Covered(Optional<Instant> all, Map<UUID, Instant> hosts) {
    static final Covered NOTHING = new Covered(Optional.empty(), Map.of());

    boolean isEmpty() {
      return all.isEmpty() && hosts.isEmpty();
    }
  }

  /** The silences active now, of every organisation, for one evaluation. */
  static List<ActiveSilence> active(Handle handle, Instant now) {
    return handle
        .createQuery("SELECT * FROM alert_silences WHERE starts_at <= :now AND ends_at > :now")
        .bind("now", Timestamp.from(now))
        .map(
            (rs, ctx) ->
                new ActiveSilence(
                    rs.getObject("org_id", UUID.class),
                    Optional.ofNullable(rs.getObject("rule_id", UUID.class)),
                    Optional.ofNullable(rs.getString("selector"))
                        .map(AlertRules::json)
                        .map(HostSelector::fromJson),
                    rs.getTimestamp("ends_at").toInstant()))
        .list();
  }

  /** A silence in force during an evaluation. */
  record ActiveSilence(
      UUID orgId, Optional<UUID> ruleId, Optional<HostSelector> selector, Instant endsAt) {}

  /** What the active silences cover of one rule's hosts. */
  static Covered covered(Handle handle, UUID orgId, UUID ruleId, List<ActiveSilence> active) {
    Optional<Instant> all = Optional.empty();
    Map<UUID, Instant> hosts = new HashMap<>();
    for (ActiveSilence s : active) {
      if (!s.orgId().equals(orgId) || s.ruleId().filter(r -> !r.equals(ruleId)).isPresent()) {
        continue;
      }
      if (s.selector().isEmpty() || s.selector().get() instanceof HostSelector.AllHosts) {
        all = Optional.of(all.filter(a -> a.isAfter(s.endsAt())).orElse(s.endsAt()));
        continue;
      }
      for (UUID host :
          HostSelectors.resolve(handle, orgId, HostScope.ORGANISATION, s.selector().get())) {
        hosts.merge(host, s.endsAt(), (a, b) -> a.isAfter(b) ? a : b);
      }
    }
    return all.isEmpty() && hosts.isEmpty() ? Covered.NOTHING : new Covered(all, hosts);
  }

  private static Silence silence(ResultSet rs) throws SQLException {
    return new Silence(
        rs.getObject("id", UUID.class),
        Optional.ofNullable(rs.getObject("rule_id", UUID.class)),
        Optional.ofNullable(rs.getString("rule_name")),
        Optional.ofNullable(rs.getString("selector"))
            .map(AlertRules::json)
            .map(HostSelector::fromJson),
        rs.getString("reason"),
        rs.getTimestamp("starts_at").toInstant(),
        rs.getTimestamp("ends_at").toInstant(),
        rs.getString("created_by_name"));
  }
}
