package io.ctops.server.enrolment;

import io.ctops.server.agentca.AgentCertificateAuthority.IssuedCertificate;
import java.util.Optional;
import java.util.UUID;

/** What a {@code Register} call comes to. The gRPC mapping of each case lives in one place. */
public sealed interface Registration {

  /** Approved: the agent gets its JWT, and a client certificate when it sent a CSR. */
  record Active(UUID agentId, String jwt, Optional<IssuedCertificate> certificate, String message)
      implements Registration {}

  /** Registered, waiting for an administrator; the agent polls again. */
  record Pending(UUID agentId, String message) implements Registration {}

  /** The agent was revoked; it must not retry with this identity. */
  record Revoked(UUID agentId, String message) implements Registration {}

  /** Nothing was written; {@code reason} picks the gRPC status. */
  record Rejected(Reason reason, String message) implements Registration {}

  /** Why a registration is rejected. */
  enum Reason {
    /** Token missing, unknown, expired, revoked or used up. */
    BAD_TOKEN,
    /** The request itself is malformed. */
    INVALID,
    /**
     * A live host has this hostname or IP and cannot be adopted: it is online, or its agent
     * revoked.
     */
    DUPLICATE_HOST,
    /** Too many registrations from one address. */
    RATE_LIMITED
  }
}
