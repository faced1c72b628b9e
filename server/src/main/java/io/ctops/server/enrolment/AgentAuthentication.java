package io.ctops.server.enrolment;

import io.ctops.server.agentca.AgentCertificateAuthority;
import io.ctops.server.platform.jwt.AgentTokens;
import io.grpc.Status;
import io.grpc.StatusException;
import java.security.cert.X509Certificate;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Who is calling: an agent proves itself with its JWT and, once it has one, its client certificate;
 * both must name the same agent, and the agent must still exist and be approved. Every
 * authenticated RPC goes through here, so the status codes are the same everywhere: bad or missing
 * JWT {@code UNAUTHENTICATED}, not active {@code PERMISSION_DENIED}, deleted {@code NOT_FOUND}.
 */
public final class AgentAuthentication {
  private final Jdbi jdbi;
  private final AgentTokens tokens;

  public AgentAuthentication(Jdbi jdbi, AgentTokens tokens) {
    this.jdbi = jdbi;
    this.tokens = tokens;
  }

  /** The authenticated agent and the host it reports for. */
  public record AuthenticatedAgent(
      UUID agentId,
      UUID orgId,
      UUID hostId,
      String status,
      AgentPublicKey publicKey,
      boolean hasClientCertificate,
      Optional<byte[]> pendingCsr) {}

  /**
   * @param jwt the token from metadata, or from a first heartbeat's {@code agent_id}
   * @param claimedAgentId a plain agent id the caller also named, if any
   */
  public AuthenticatedAgent authenticate(
      Optional<String> jwt, Optional<String> claimedAgentId, Optional<X509Certificate> certificate)
      throws StatusException {
    if (jwt.isEmpty()) {
      throw Status.UNAUTHENTICATED
          .withDescription("missing JWT: send 'authorization: Bearer <jwt>' (from Register)")
          .asException();
    }
    UUID agentId =
        switch (tokens.verify(jwt.get())) {
          case AgentTokens.Verification.Valid valid -> valid.agentId();
          case AgentTokens.Verification.Invalid invalid ->
              throw Status.UNAUTHENTICATED.withDescription(invalid.reason()).asException();
        };
    if (claimedAgentId.isPresent() && !claimedAgentId.get().equals(agentId.toString())) {
      throw Status.PERMISSION_DENIED
          .withDescription("the JWT was issued for another agent than " + claimedAgentId.get())
          .asException();
    }
    if (certificate.isPresent()) {
      Optional<UUID> named = AgentCertificateAuthority.agentIdOf(certificate.get());
      if (named.isEmpty() || !named.get().equals(agentId)) {
        throw Status.PERMISSION_DENIED
            .withDescription(
                "the client certificate names agent "
                    + named.map(UUID::toString).orElse("(none)")
                    + " but the JWT names agent "
                    + agentId)
            .asException();
      }
    }
    Optional<AuthenticatedAgent> agent = load(agentId);
    if (agent.isEmpty()) {
      throw Status.NOT_FOUND
          .withDescription("agent " + agentId + " no longer exists; it must register again")
          .asException();
    }
    requireAllowed(agent.get());
    return agent.get();
  }

  /** Re-reads an agent, e.g. to notice a revocation while its stream is open. */
  public Optional<AuthenticatedAgent> load(UUID agentId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    """
                    SELECT a.id, a.org_id, a.status, a.public_key, a.client_cert_pem IS NOT NULL
                           AS has_certificate, a.csr_der, h.id AS host_id, h.deleted_at
                    FROM agents a
                    LEFT JOIN hosts h ON h.agent_id = a.id
                    WHERE a.id = :id
                    """)
                .bind("id", agentId)
                .map(
                    (rs, ctx) -> {
                      if (rs.getObject("host_id") == null
                          || rs.getTimestamp("deleted_at") != null) {
                        return null;
                      }
                      try {
                        return new AuthenticatedAgent(
                            rs.getObject("id", UUID.class),
                            rs.getObject("org_id", UUID.class),
                            rs.getObject("host_id", UUID.class),
                            rs.getString("status"),
                            AgentPublicKey.parse(rs.getString("public_key")),
                            rs.getBoolean("has_certificate"),
                            Optional.ofNullable(rs.getBytes("csr_der")));
                      } catch (AgentPublicKey.InvalidKeyException e) {
                        throw new IllegalStateException("stored public key of " + agentId, e);
                      }
                    })
                .findOne());
  }

  /**
   * Agents revoked, or whose host was deleted, at or after {@code since}: what a recheck must act
   * on at once, whatever part of the connected agents it looks at in full. Two small index reads.
   */
  public List<UUID> disallowedSince(Instant since) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    """
                    SELECT id FROM agents WHERE status = 'revoked' AND updated_at >= :since
                    UNION
                    SELECT agent_id FROM hosts
                     WHERE deleted_at >= :since AND agent_id IS NOT NULL
                    """)
                .bind("since", Timestamp.from(since))
                .mapTo(UUID.class)
                .list());
  }

  /**
   * Of {@code agentIds}, those that may no longer heartbeat: unknown, without a live host, or in a
   * status other than active or offline. One query for many agents (the streams an ingest holds are
   * rechecked every few seconds, and it may hold 100,000 of them).
   */
  public List<UUID> notAllowed(Collection<UUID> agentIds) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    """
                    SELECT c.id
                      FROM unnest(:ids) AS c(id)
                      LEFT JOIN agents a ON a.id = c.id
                      LEFT JOIN hosts h ON h.agent_id = a.id
                     WHERE a.id IS NULL OR h.id IS NULL OR h.deleted_at IS NOT NULL
                        OR a.status NOT IN ('active', 'offline')
                    """)
                .bindArray("ids", UUID.class, agentIds)
                .mapTo(UUID.class)
                .list());
  }

  /** Throws the status an agent in this state gets. */
  public static void requireAllowed(AuthenticatedAgent agent) throws StatusException {
    switch (agent.status()) {
      case "active", "offline" -> {}
      case "revoked" ->
          throw Status.PERMISSION_DENIED
              .withDescription("agent " + agent.agentId() + " has been revoked")
              .asException();
      default ->
          throw Status.PERMISSION_DENIED
              .withDescription("agent " + agent.agentId() + " is not approved yet")
              .asException();
    }
  }
}
