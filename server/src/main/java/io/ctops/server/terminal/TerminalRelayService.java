package io.ctops.server.terminal;

import io.ctops.protocol.internal.v1.HostMessage;
import io.ctops.protocol.internal.v1.TerminalRelayGrpc;
import io.ctops.protocol.internal.v1.ViewerMessage;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * The ingest's end of the relay from web instances: each call is one viewer of a session this
 * instance claimed, attached with the session's relay token (checked by the hub).
 */
public final class TerminalRelayService extends TerminalRelayGrpc.TerminalRelayImplBase {
  private final TerminalHub hub;

  public TerminalRelayService(TerminalHub hub) {
    this.hub = hub;
  }

  @Override
  public StreamObserver<ViewerMessage> relay(StreamObserver<HostMessage> responses) {
    return hub.viewerStream((ServerCallStreamObserver<HostMessage>) responses);
  }
}
