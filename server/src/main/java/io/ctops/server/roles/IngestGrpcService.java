package io.ctops.server.roles;

import io.ctops.protocol.v1.CertificateScanAck;
import io.ctops.protocol.v1.CertificateScanChunk;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.RegisterRequest;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.protocol.v1.RenewCertificateRequest;
import io.ctops.protocol.v1.RenewCertificateResponse;
import io.ctops.protocol.v1.SoftwareInventoryAck;
import io.ctops.protocol.v1.SoftwareInventoryChunk;
import io.ctops.protocol.v1.TerminalAgentMessage;
import io.ctops.protocol.v1.TerminalServerMessage;
import io.ctops.server.certificates.CertificateUploads;
import io.ctops.server.enrolment.CertificateRenewal;
import io.ctops.server.enrolment.RegisterHandler;
import io.ctops.server.heartbeat.ConnectedAgents;
import io.ctops.server.inventory.InventoryUploads;
import io.ctops.server.terminal.AgentTerminals;
import io.grpc.stub.StreamObserver;

/** The {@code agent.v1.IngestService} endpoint: each RPC is handed to its feature. */
final class IngestGrpcService extends IngestServiceGrpc.IngestServiceImplBase {
  private final RegisterHandler registration;
  private final ConnectedAgents agents;
  private final CertificateRenewal renewal;
  private final InventoryUploads inventory;
  private final AgentTerminals terminals;
  private final CertificateUploads certificates;

  IngestGrpcService(
      RegisterHandler registration,
      ConnectedAgents agents,
      CertificateRenewal renewal,
      InventoryUploads inventory,
      AgentTerminals terminals,
      CertificateUploads certificates) {
    this.registration = registration;
    this.agents = agents;
    this.renewal = renewal;
    this.inventory = inventory;
    this.terminals = terminals;
    this.certificates = certificates;
  }

  @Override
  public void register(RegisterRequest request, StreamObserver<RegisterResponse> responses) {
    registration.register(request, responses);
  }

  @Override
  public StreamObserver<HeartbeatRequest> heartbeat(StreamObserver<HeartbeatResponse> responses) {
    return agents.open(responses);
  }

  @Override
  public void renewCertificate(
      RenewCertificateRequest request, StreamObserver<RenewCertificateResponse> responses) {
    renewal.renew(request, responses);
  }

  @Override
  public StreamObserver<TerminalAgentMessage> terminal(
      StreamObserver<TerminalServerMessage> responses) {
    return terminals.open(responses);
  }

  @Override
  public StreamObserver<SoftwareInventoryChunk> submitSoftwareInventory(
      StreamObserver<SoftwareInventoryAck> responses) {
    return inventory.open(responses);
  }

  @Override
  public StreamObserver<CertificateScanChunk> submitCertificates(
      StreamObserver<CertificateScanAck> responses) {
    return certificates.open(responses);
  }
}
