package io.ctops.agent.identity;

import com.google.protobuf.ByteString;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc.IngestServiceBlockingStub;
import io.ctops.protocol.v1.RenewCertificateRequest;
import io.ctops.protocol.v1.RenewCertificateResponse;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the agent's client certificate current: asks for a new one ({@code RenewCertificate}, a
 * fresh CSR signed by the agent's key) once a third of its validity is left, and stores one the
 * server pushes on the heartbeat stream. Each new certificate is saved before it is used, so a
 * restart presents the same one.
 */
public final class CertificateRenewal {
  private static final Logger log = LoggerFactory.getLogger("agent");

  private final AgentIdentity identity;
  private final Path dataDir;
  private final Clock clock;

  public CertificateRenewal(AgentIdentity identity, Path dataDir, Clock clock) {
    this.identity = identity;
    this.dataDir = dataDir;
    this.clock = clock;
  }

  /**
   * Renews the certificate if it is due. Returns the new state, already saved; empty when nothing
   * was due or the server could not renew it now (tried again before the next stream).
   *
   * @param ingest asked for only when renewal is due (the connection may be rebuilt for it)
   */
  public Optional<AgentState> renewIfDue(
      AgentState state, Supplier<IngestServiceBlockingStub> ingest) {
    if (!state.certificateNeedsRenewal(clock.instant())) {
      return Optional.empty();
    }
    try {
      RenewCertificateResponse renewed =
          ingest
              .get()
              .renewCertificate(
                  RenewCertificateRequest.newBuilder()
                      .setAgentId(state.agentId())
                      .setCsrDer(ByteString.copyFrom(identity.certificateRequest(state.agentId())))
                      .build());
      AgentState next =
          state.withCertificate(
              renewed.getClientCertPem(),
              renewed.getAgentCaCertPem(),
              renewed.getClientCertNotAfterUnix(),
              clock.instant());
      next.save(dataDir);
      log.info(
          "event=client_certificate_renewed not_after={}", renewed.getClientCertNotAfterUnix());
      return Optional.of(next);
    } catch (StatusRuntimeException e) {
      log.warn(
          "event=certificate_renewal_failed status={} reason=\"{}\"",
          e.getStatus().getCode(),
          e.getStatus().getDescription());
      return Optional.empty();
    }
  }

  /** Stores the certificate the server pushed in a heartbeat answer; returns the saved state. */
  public AgentState received(AgentState state, HeartbeatResponse pushed) {
    AgentState next =
        state.withCertificate(
            pushed.getPendingClientCertPem(),
            pushed.getAgentCaCertPem(),
            pushed.getPendingClientCertNotAfterUnix(),
            clock.instant());
    next.save(dataDir);
    log.info("event=client_certificate_received reason=\"reconnecting with mTLS\"");
    return next;
  }
}
