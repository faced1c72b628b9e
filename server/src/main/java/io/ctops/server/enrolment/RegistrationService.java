package io.ctops.server.enrolment;

import io.ctops.server.agentca.AgentCertificateAuthority;
import io.ctops.server.agentca.AgentCertificateAuthority.IssuedCertificate;
import io.ctops.server.enrolment.EnrolmentTokens.EnrolmentToken;
import io.ctops.server.enrolment.Registration.Reason;
import io.ctops.server.platform.jwt.AgentTokens;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Enrols agents that present an enrolment token. Registration is idempotent per public key: the
 * same key always gets the same agent and its current status. A new key needs a usable token,
 * passes the duplicate-host check, and either adopts the offline host it matches or creates a new
 * one. All of it happens in one transaction, so a rejected registration writes nothing.
 */
public final class RegistrationService {
  public static final String ADOPTED_REASON =
      "adopted re-registration (keypair rotated; matched by hostname or IP)";

  private final Jdbi jdbi;
  private final AgentTokens tokens;
  private final AgentCertificateAuthority authority;
  private final Clock clock;
  private final HostActivation activation;

  public RegistrationService(
      Jdbi jdbi,
      AgentTokens tokens,
      AgentCertificateAuthority authority,
      Clock clock,
      HostActivation activation) {
    this.jdbi = jdbi;
    this.tokens = tokens;
    this.authority = authority;
    this.clock = clock;
    this.activation = activation;
  }

  /** Thrown inside the transaction to roll it back and answer with a rejection. */
  private static final class Rejection extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Reason reason;

    Rejection(Reason reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }
  }

  public Registration register(RegistrationRequest request) {
    for (int attempt = 0; ; attempt++) {
      try {
        Registration outcome = jdbi.inTransaction(handle -> register(handle, request));
        // The JWT's RSA signature costs milliseconds of CPU: made after the commit, so the token
        // row (locked by the use count) is held only for the transaction's own work.
        if (outcome instanceof Registration.Active active) {
          return new Registration.Active(
              active.agentId(),
              tokens.issue(active.agentId()),
              active.certificate(),
              active.message());
        }
        return outcome;
      } catch (Rejection rejection) {
        return new Registration.Rejected(rejection.reason, rejection.getMessage());
      } catch (UnableToExecuteStatementException e) {
        // Two registrations with one new key raced; the loser retries and finds the winner's row.
        if (attempt == 0 && isUniqueViolation(e)) {
          continue;
        }
        throw e;
      }
    }
  }

  private static UUID hostOf(Handle handle, UUID agentId) {
    return handle
        .createQuery("SELECT id FROM hosts WHERE agent_id = :agent")
        .bind("agent", agentId)
        .mapTo(UUID.class)
        .one();
  }

  private Registration register(Handle handle, RegistrationRequest request) {
    EnrolmentToken token =
        handle
            .createQuery("SELECT id FROM enrolment_tokens WHERE token_hash = :hash")
            .bind("hash", EnrolmentTokens.hash(request.token()))
            .mapTo(UUID.class)
            .findOne()
            .flatMap(id -> EnrolmentTokens.find(handle, id))
            .orElseThrow(
                () ->
                    new Rejection(
                        Reason.BAD_TOKEN,
                        "unknown enrolment token; create one with 'ctops token create'"));
    Optional<KnownAgent> known = KnownAgent.byPublicKey(handle, request.publicKey().pem());
    if (known.isPresent()) {
      return reRegister(handle, request, token, known.get());
    }
    EnrolmentTokens.State state = token.state(clock.instant());
    if (state != EnrolmentTokens.State.ACTIVE) {
      throw new Rejection(Reason.BAD_TOKEN, tokenProblem(state, token));
    }
    List<DuplicateHostCheck.Conflict> conflicts =
        DuplicateHostCheck.conflicts(
            handle, token.orgId(), null, request.hostname(), request.ipAddresses());
    for (DuplicateHostCheck.Conflict conflict : conflicts) {
      if (conflict.blocksAdoption()) {
        throw new Rejection(Reason.DUPLICATE_HOST, conflict.describe());
      }
    }
    String status = token.autoApprove() ? "active" : "pending";
    UUID agentId;
    String reason;
    if (conflicts.isEmpty()) {
      agentId = NewAgent.create(handle, token, request, status, clock);
      reason =
          "registered with token '"
              + token.name()
              + "'"
              + (token.autoApprove() ? " (auto-approved)" : "; awaiting approval");
    } else {
      agentId = NewAgent.adopt(handle, conflicts.get(0).hostId(), token, request, status, clock);
      reason = ADOPTED_REASON;
    }
    AgentHistory.record(handle, agentId, status, reason, clock);
    if (token.autoApprove()) {
      activation.activated(handle, token.orgId(), hostOf(handle, agentId));
    }
    Registration outcome =
        token.autoApprove()
            ? active(handle, agentId, request, "registered and approved")
            : new Registration.Pending(
                agentId, "registered; waiting for an administrator to approve");
    // Last, so that the token's row is locked only for this statement and the commit: with one
    // token rolling out a whole fleet, every registration queues on that row.
    countUse(handle, token);
    return outcome;
  }

  /** Rows a token without a use limit counts its uses into (V5__host_vitals.sql). */
  private static final int USE_SLOTS = 16;

  /**
   * Counts the use on the token, if it can still enrol: re-checked here, at the end of the
   * transaction, so that a revocation, expiry or the last allowed use racing with this registration
   * wins, and a refusal rolls the new agent back. A token with a use limit is counted on its own
   * row, atomically with the check. A token without one is only share-locked (a revocation waits
   * for registrations under way, and they for it) and counted into one of {@link #USE_SLOTS} rows,
   * so registrations with one token (a whole fleet rolling out) do not queue on one row.
   */
  private void countUse(Handle handle, EnrolmentToken token) {
    Timestamp now = Timestamp.from(clock.instant());
    int counted;
    if (token.maxUses().isPresent()) {
      counted =
          handle
              .createUpdate(
                  "UPDATE enrolment_tokens SET use_count = use_count + 1"
                      + " WHERE id = :id AND revoked_at IS NULL"
                      + " AND (expires_at IS NULL OR expires_at > :now)"
                      + " AND (max_uses IS NULL OR use_count < max_uses)")
              .bind("id", token.id())
              .bind("now", now)
              .execute();
    } else {
      counted =
          handle
              .createQuery(
                  "SELECT count(*) FROM (SELECT id FROM enrolment_tokens"
                      + " WHERE id = :id AND revoked_at IS NULL"
                      + " AND (expires_at IS NULL OR expires_at > :now) FOR SHARE) usable")
              .bind("id", token.id())
              .bind("now", now)
              .mapTo(Integer.class)
              .one();
      if (counted > 0) {
        handle
            .createUpdate(
                "INSERT INTO enrolment_token_uses (token_id, slot, uses) VALUES (:id, :slot, 1)"
                    + " ON CONFLICT (token_id, slot)"
                    + " DO UPDATE SET uses = enrolment_token_uses.uses + 1")
            .bind("id", token.id())
            .bind("slot", ThreadLocalRandom.current().nextInt(USE_SLOTS))
            .execute();
      }
    }
    if (counted == 0) {
      EnrolmentToken current = EnrolmentTokens.find(handle, token.id()).orElse(token);
      EnrolmentTokens.State state = current.state(clock.instant());
      throw new Rejection(
          Reason.BAD_TOKEN,
          tokenProblem(
              state == EnrolmentTokens.State.ACTIVE ? EnrolmentTokens.State.EXHAUSTED : state,
              current));
    }
  }

  private Registration reRegister(
      Handle handle, RegistrationRequest request, EnrolmentToken token, KnownAgent agent) {
    if (!agent.orgId().equals(token.orgId())) {
      throw new Rejection(
          Reason.BAD_TOKEN, "the enrolment token belongs to another organisation than this agent");
    }
    handle
        .createUpdate(
            "UPDATE agents SET version = :version, csr_der = coalesce(:csr, csr_der),"
                + " updated_at = now() WHERE id = :id")
        .bind("version", request.version())
        .bind("csr", request.csrDer().orElse(null))
        .bind("id", agent.id())
        .execute();
    if (!agent.status().equals("revoked")) {
      replaceAgentTags(handle, agent.id(), request);
    }
    return switch (agent.status()) {
      case "revoked" ->
          new Registration.Revoked(
              agent.id(), "this agent was revoked; an administrator must delete it to re-enrol");
      case "pending" ->
          new Registration.Pending(agent.id(), "still waiting for an administrator to approve");
      default -> active(handle, agent.id(), request, "already registered");
    };
  }

  /**
   * The agent's tags are what its configuration says now: an agent registering again (at every
   * start) with other tags replaces its old ones; operators' tags are in another column and stay.
   * Unchanged tags write nothing, so dynamic groups' triggers do not run for nothing.
   */
  private static void replaceAgentTags(Handle handle, UUID agentId, RegistrationRequest request) {
    handle
        .createUpdate(
            """
            UPDATE hosts
               SET metadata = metadata || jsonb_build_object('tags', jsonb_object(
                     CAST(:tagKeys AS text[]), CAST(:tagValues AS text[])))
             WHERE agent_id = :id
               AND metadata->'tags' IS DISTINCT FROM jsonb_object(
                     CAST(:tagKeys AS text[]), CAST(:tagValues AS text[]))
            """)
        .bindArray(
            "tagKeys", String.class, (Object[]) request.tags().keySet().toArray(String[]::new))
        .bindArray(
            "tagValues", String.class, (Object[]) request.tags().values().toArray(String[]::new))
        .bind("id", agentId)
        .execute();
  }

  private Registration active(
      Handle handle, UUID agentId, RegistrationRequest request, String message) {
    Optional<IssuedCertificate> certificate = Optional.empty();
    if (request.csrDer().isPresent()) {
      try {
        IssuedCertificate issued =
            authority.sign(agentId, request.csrDer().get(), request.publicKey().key());
        ClientCertificates.store(handle, agentId, issued);
        certificate = Optional.of(issued);
      } catch (AgentCertificateAuthority.InvalidCsrException e) {
        throw new Rejection(Reason.INVALID, "csr_der: " + e.getMessage());
      }
    }
    return new Registration.Active(agentId, null, certificate, message);
  }

  private static String tokenProblem(EnrolmentTokens.State state, EnrolmentToken token) {
    return switch (state) {
      case EXPIRED ->
          "enrolment token '" + token.name() + "' has expired; ask an administrator for a new one";
      case REVOKED -> "enrolment token '" + token.name() + "' has been revoked";
      case EXHAUSTED ->
          "enrolment token '"
              + token.name()
              + "' has been used its maximum number of times ("
              + token.maxUses().orElse(0)
              + ")";
      case ACTIVE -> throw new IllegalArgumentException("an active token has no problem");
    };
  }

  private static boolean isUniqueViolation(UnableToExecuteStatementException e) {
    return e.getCause() instanceof SQLException sql && "23505".equals(sql.getSQLState());
  }

  /** An agent row found by its public key. */
  record KnownAgent(UUID id, UUID orgId, String status) {
    static Optional<KnownAgent> byPublicKey(Handle handle, String pem) {
      return handle
          .createQuery("SELECT id, org_id, status FROM agents WHERE public_key = :key FOR UPDATE")
          .bind("key", pem)
          .map(
              (rs, ctx) ->
                  new KnownAgent(
                      rs.getObject("id", UUID.class),
                      rs.getObject("org_id", UUID.class),
                      rs.getString("status").toLowerCase(Locale.ROOT)))
          .findOne();
    }
  }

  /** Writing a newly enrolled agent and its host, or moving a new key onto an adopted host. */
  static final class NewAgent {
    private NewAgent() {}

    static UUID create(
        Handle handle,
        EnrolmentToken token,
        RegistrationRequest request,
        String status,
        Clock clock) {
      Timestamp now = Timestamp.from(clock.instant());
      UUID agentId =
          handle
              .createQuery(
                  """
                  INSERT INTO agents (org_id, public_key, status, version, enrolment_token_id,
                                      approved_at, csr_der, created_at, updated_at)
                  VALUES (:org, :key, :status, :version, :token,
                          CASE WHEN :status = 'active' THEN CAST(:now AS timestamptz) END,
                          :csr, :now, :now)
                  RETURNING id
                  """)
              .bind("org", token.orgId())
              .bind("key", request.publicKey().pem())
              .bind("status", status)
              .bind("version", request.version())
              .bind("token", token.id())
              .bind("csr", request.csrDer().orElse(null))
              .bind("now", now)
              .mapTo(UUID.class)
              .one();
      handle
          .createUpdate(
              """
              INSERT INTO hosts (org_id, agent_id, hostname, os, os_version, arch, ip_addresses,
                                 status, first_seen, metadata)
              VALUES (:org, :agent, :hostname, :os, :osVersion, :arch, CAST(:ips AS inet[]),
                      :status, :now, jsonb_build_object('tags', jsonb_object(CAST(:tagKeys AS text[]), CAST(:tagValues AS text[]))))
              """)
          .bind("org", token.orgId())
          .bind("agent", agentId)
          .bindMap(hostFields(request))
          .bind("status", status.equals("active") ? "unknown" : "pending")
          .bind("now", now)
          .execute();
      return agentId;
    }

    static UUID adopt(
        Handle handle,
        UUID hostId,
        EnrolmentToken token,
        RegistrationRequest request,
        String status,
        Clock clock) {
      Timestamp now = Timestamp.from(clock.instant());
      Optional<UUID> existingAgent =
          handle
              .createQuery("SELECT agent_id FROM hosts WHERE id = :id FOR UPDATE")
              .bind("id", hostId)
              .map((rs, ctx) -> Optional.ofNullable(rs.getObject(1, UUID.class)))
              .one();
      UUID agentId;
      if (existingAgent.isPresent()) {
        agentId = existingAgent.get();
        handle
            .createUpdate(
                """
                UPDATE agents
                SET public_key = :key, status = :status, version = :version,
                    enrolment_token_id = :token, csr_der = :csr,
                    approved_at = CASE WHEN :status = 'active'
                                       THEN coalesce(approved_at, CAST(:now AS timestamptz)) END,
                    client_cert_serial = NULL, client_cert_pem = NULL, client_cert_not_after = NULL,
                    updated_at = :now
                WHERE id = :id
                """)
            .bind("key", request.publicKey().pem())
            .bind("status", status)
            .bind("version", request.version())
            .bind("token", token.id())
            .bind("csr", request.csrDer().orElse(null))
            .bind("now", now)
            .bind("id", agentId)
            .execute();
      } else {
        agentId = create(handle, token, request, status, clock);
        handle.createUpdate("DELETE FROM hosts WHERE agent_id = :id").bind("id", agentId).execute();
        handle
            .createUpdate("UPDATE hosts SET agent_id = :agent WHERE id = :id")
            .bind("agent", agentId)
            .bind("id", hostId)
            .execute();
      }
      handle
          .createUpdate(
              """
              UPDATE hosts
              SET hostname = :hostname, os = :os, os_version = :osVersion, arch = :arch,
                  ip_addresses = CAST(:ips AS inet[]), status = :status, stream_id = NULL,
                  metadata = metadata || jsonb_build_object('tags', jsonb_object(CAST(:tagKeys AS text[]), CAST(:tagValues AS text[])))
              WHERE id = :id
              """)
          .bindMap(hostFields(request))
          .bind("status", status.equals("active") ? "unknown" : "pending")
          .bind("id", hostId)
          .execute();
      return agentId;
    }

    private static Map<String, Object> hostFields(RegistrationRequest request) {
      return Map.of(
          "hostname", request.hostname(),
          "os", request.os(),
          "osVersion", request.osVersion(),
          "arch", request.arch(),
          "ips", request.ipAddresses().toArray(String[]::new),
          "tagKeys", request.tags().keySet().toArray(String[]::new),
          "tagValues", request.tags().values().toArray(String[]::new));
    }
  }
}
