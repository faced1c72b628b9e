package io.ctops.server.enrolment;

import io.ctops.protocol.v1.RenewCertificateRequest;
import io.ctops.protocol.v1.RenewCertificateResponse;
import io.ctops.server.agentca.AgentCertificateAuthority;
import io.ctops.server.enrolment.AgentAuthentication.AuthenticatedAgent;
import io.ctops.server.platform.grpc.AgentText;
import io.ctops.server.platform.grpc.CallIdentity;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * The {@code RenewCertificate} RPC: an authenticated agent sends a fresh CSR for its registered key
 * before its client certificate expires and gets a new one (30 days).
 */
public final class CertificateRenewal {
  private final Jdbi jdbi;
  private final AgentAuthentication authentication;
  private final AgentCertificateAuthority authority;

  public CertificateRenewal(
      Jdbi jdbi, AgentAuthentication authentication, AgentCertificateAuthority authority) {
    this.jdbi = jdbi;
    this.authentication = authentication;
    this.authority = authority;
  }

  public void renew(
      RenewCertificateRequest request, StreamObserver<RenewCertificateResponse> responses) {
    try {
      Optional<String> nul = AgentText.nulIn(request, Set.of());
      if (nul.isPresent()) {
        throw Status.INVALID_ARGUMENT.withDescription(nul.get()).asException();
      }
      AuthenticatedAgent agent =
          authentication.authenticate(
              CallIdentity.bearerToken(),
              request.getAgentId().isEmpty() ? Optional.empty() : Optional.of(request.getAgentId()),
              CallIdentity.clientCertificate());
      if (request.getCsrDer().isEmpty()) {
        throw Status.INVALID_ARGUMENT.withDescription("csr_der is empty").asException();
      }
      AgentCertificateAuthority.IssuedCertificate issued;
      try {
        issued =
            authority.sign(
                agent.agentId(), request.getCsrDer().toByteArray(), agent.publicKey().key());
      } catch (AgentCertificateAuthority.InvalidCsrException e) {
        throw Status.INVALID_ARGUMENT.withDescription("csr_der: " + e.getMessage()).asException();
      }
      jdbi.useHandle(handle -> ClientCertificates.store(handle, agent.agentId(), issued));
      responses.onNext(
          RenewCertificateResponse.newBuilder()
              .setClientCertPem(issued.pem())
              .setClientCertNotAfterUnix(issued.notAfter().getEpochSecond())
              .setAgentCaCertPem(authority.certificatePem())
              .build());
      responses.onCompleted();
    } catch (StatusException e) {
      responses.onError(e);
    }
  }
}
