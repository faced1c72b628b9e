package io.ctops.server.terminal;

import io.ctops.protocol.v1.TerminalAgentMessage;
import io.ctops.protocol.v1.TerminalServerMessage;
import io.ctops.server.enrolment.AgentAuthentication;
import io.ctops.server.platform.grpc.CallIdentity;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/**
 * The agents' side of the {@code Terminal} RPC: authenticated like a heartbeat stream (the JWT in
 * the call's metadata, and the client certificate when the agent presents one), then handed to the
 * hub, which accepts it only for a session announced to that agent's host.
 */
public final class AgentTerminals {
  private final AgentAuthentication authentication;
  private final TerminalHub hub;

  public AgentTerminals(AgentAuthentication authentication, TerminalHub hub) {
    this.authentication = authentication;
    this.hub = hub;
  }

  public StreamObserver<TerminalAgentMessage> open(StreamObserver<TerminalServerMessage> out) {
    AgentAuthentication.AuthenticatedAgent agent;
    try {
      agent =
          authentication.authenticate(
              CallIdentity.bearerToken(), Optional.empty(), CallIdentity.clientCertificate());
    } catch (StatusException e) {
      out.onError(e);
      return new Ignored();
    }
    return hub.agentStream(agent.hostId(), (ServerCallStreamObserver<TerminalServerMessage>) out);
  }

  /** What a refused call receives: nothing is read. */
  private static final class Ignored implements StreamObserver<TerminalAgentMessage> {
    @Override
    public void onNext(TerminalAgentMessage value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
