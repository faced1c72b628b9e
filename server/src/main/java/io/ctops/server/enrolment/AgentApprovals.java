package io.ctops.server.enrolment;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import java.sql.Array;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * An administrator's decisions on agents: approve a pending one (after the duplicate-host check
 * runs again, as a conflicting host may have registered while it waited) or revoke one. Each
 * decision is recorded in the agent's status history and announced with {@code NOTIFY
 * agent_status}, which wakes whichever ingest instance holds the agent's stream, and in the audit
 * log; so is a refusal (a revoked agent, a duplicate host, nothing left to do).
 */
public final class AgentApprovals {
  private static final String COMMAND_LINE = "command line";
  private final Jdbi jdbi;
  private final Clock clock;
  private final HostActivation activation;

  public AgentApprovals(Jdbi jdbi, Clock clock, HostActivation activation) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.activation = activation;
  }

  /** Approvals that set nothing else in motion ({@link HostActivation#NONE}). */
  public AgentApprovals(Jdbi jdbi, Clock clock) {
    this(jdbi, clock, HostActivation.NONE);
  }

  /** An agent and the host it reports for (absent until it registered one). */
  public record AgentRow(
      UUID id,
      UUID orgId,
      String orgName,
      String status,
      Optional<String> hostname,
      List<String> ipAddresses,
      Optional<UUID> hostId,
      Optional<String> version,
      Instant createdAt,
      Optional<Instant> approvedAt) {}

  /** Outcome of an approval. */
  public sealed interface Approval {
    record Approved(AgentRow agent) implements Approval {}

    record AlreadyActive(AgentRow agent) implements Approval {}

    record Refused(AgentRow agent, String reason) implements Approval {}

    record NotFound(UUID id) implements Approval {}
  }

  /** Outcome of a revocation. */
  public sealed interface Revocation {
    record Revoked(AgentRow agent) implements Revocation {}

    record AlreadyRevoked(AgentRow agent) implements Revocation {}

    record NotFound(UUID id) implements Revocation {}
  }

  public List<AgentRow> list(Optional<UUID> orgId, Optional<String> status) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    SELECT
                        + """
                         WHERE (CAST(:org AS uuid) IS NULL OR a.org_id = :org)
                           AND (CAST(:status AS text) IS NULL OR a.status = :status)
                         ORDER BY a.created_at DESC, a.id
                        """)
                .bind("org", orgId.orElse(null))
                .bind("status", status.orElse(null))
                .map(MAPPER)
                .list());
  }

  /** An approval with the command line ({@code ctops agent approve}) as the actor. */
  public Approval approve(UUID agentId, String reason) {
    return approve(agentId, reason, Actor.system(COMMAND_LINE));
  }

  public Approval approve(UUID agentId, String reason, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          Optional<AgentRow> found = lockAgent(handle, agentId);
          if (found.isEmpty()) {
            return new Approval.NotFound(agentId);
          }
          AgentRow agent = found.get();
          AuditEntry entry = entry(agent, AuditAction.AGENT_APPROVE, by);
          switch (agent.status()) {
            case "revoked" -> {
              String why =
                  "agent "
                      + agentId
                      + " is revoked; a revoked agent cannot be approved, it must enrol again";
              AuditLog.record(handle, entry.failed(why));
              return new Approval.Refused(agent, why);
            }
            case "active", "offline" -> {
              AuditLog.record(handle, entry.failed("the agent is already approved"));
              return new Approval.AlreadyActive(agent);
            }
            default -> {
              // pending: fall through to the checks below
            }
          }
          if (agent.hostname().isPresent()) {
            List<DuplicateHostCheck.Conflict> conflicts =
                DuplicateHostCheck.conflicts(
                    handle,
                    agent.orgId(),
                    agent.hostId().orElse(null),
                    agent.hostname().get(),
                    agent.ipAddresses());
            if (!conflicts.isEmpty()) {
              AuditLog.record(handle, entry.failed(conflicts.get(0).describe()));
              return new Approval.Refused(agent, conflicts.get(0).describe());
            }
          }
          Timestamp now = Timestamp.from(clock.instant());
          handle
              .createUpdate(
                  "UPDATE agents SET status = 'active', approved_at = :now, updated_at = :now"
                      + " WHERE id = :id")
              .bind("now", now)
              .bind("id", agentId)
              .execute();
          handle
              .createUpdate(
                  "UPDATE hosts SET status = 'unknown' WHERE agent_id = :id AND status = 'pending'")
              .bind("id", agentId)
              .execute();
          AgentHistory.record(handle, agentId, "active", reason, clock);
          agent.hostId().ifPresent(host -> activation.activated(handle, agent.orgId(), host));
          AuditLog.record(handle, entry);
          return new Approval.Approved(lockAgent(handle, agentId).orElseThrow());
        });
  }

  /** A revocation with the command line ({@code ctops agent revoke}) as the actor. */
  public Revocation revoke(UUID agentId, String reason) {
    return revoke(agentId, reason, Actor.system(COMMAND_LINE));
  }

  public Revocation revoke(UUID agentId, String reason, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          Optional<AgentRow> found = lockAgent(handle, agentId);
          if (found.isEmpty()) {
            return new Revocation.NotFound(agentId);
          }
          AuditEntry entry = entry(found.get(), AuditAction.AGENT_REVOKE, by);
          if (found.get().status().equals("revoked")) {
            AuditLog.record(handle, entry.failed("the agent is already revoked"));
            return new Revocation.AlreadyRevoked(found.get());
          }
          Timestamp now = Timestamp.from(clock.instant());
          handle
              .createUpdate(
                  "UPDATE agents SET status = 'revoked', updated_at = :now WHERE id = :id")
              .bind("now", now)
              .bind("id", agentId)
              .execute();
          handle
              .createUpdate("UPDATE hosts SET status = 'revoked' WHERE agent_id = :id")
              .bind("id", agentId)
              .execute();
          AgentHistory.record(handle, agentId, "revoked", reason, clock);
          AuditLog.record(handle, entry.param("reason", reason));
          return new Revocation.Revoked(lockAgent(handle, agentId).orElseThrow());
        });
  }

  private static AuditEntry entry(AgentRow agent, AuditAction action, Actor by) {
    return AuditEntry.of(agent.orgId(), by, action)
        .target(Target.agent(agent.id(), agent.hostId(), agent.hostname()));
  }

  /**
   * Locks the agent's host row before the agent row: the ingest writes hosts then agents (a stream
   * opening, closing or going quiet), and the same order here keeps a revocation or approval from
   * deadlocking with it.
   */
  private static Optional<AgentRow> lockAgent(Handle handle, UUID agentId) {
    handle
        .createQuery("SELECT id FROM hosts WHERE agent_id = :id ORDER BY id FOR NO KEY UPDATE")
        .bind("id", agentId)
        .mapTo(UUID.class)
        .list();
    return handle
        .createQuery(SELECT + " WHERE a.id = :id FOR UPDATE OF a")
        .bind("id", agentId)
        .map(MAPPER)
        .findOne();
  }

  private static final String SELECT =
      """
      SELECT a.id, a.org_id, o.name AS org_name, a.status, a.version, a.created_at,
             a.approved_at, h.id AS host_id, h.hostname, h.ip_addresses
      FROM agents a
      JOIN organisations o ON o.id = a.org_id
      LEFT JOIN hosts h ON h.agent_id = a.id
      """;

  private static final RowMapper<AgentRow> MAPPER =
      (rs, ctx) ->
          new AgentRow(
              rs.getObject("id", UUID.class),
              rs.getObject("org_id", UUID.class),
              rs.getString("org_name"),
              rs.getString("status"),
              Optional.ofNullable(rs.getString("hostname")),
              ips(rs.getArray("ip_addresses")),
              Optional.ofNullable(rs.getObject("host_id", UUID.class)),
              Optional.ofNullable(rs.getString("version")),
              rs.getTimestamp("created_at").toInstant(),
              Optional.ofNullable(rs.getTimestamp("approved_at")).map(Timestamp::toInstant));

  private static List<String> ips(Array array) throws SQLException {
    if (array == null) {
      return List.of();
    }
    Object[] values = (Object[]) array.getArray();
    return Arrays.stream(values).map(value -> value.toString().replaceAll("/\\d+$", "")).toList();
  }
}
