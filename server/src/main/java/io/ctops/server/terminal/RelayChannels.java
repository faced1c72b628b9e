package io.ctops.server.terminal;

import io.ctops.protocol.internal.v1.TerminalRelayGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The web instance's channels to ingest instances' relays, one per address and certificate: the
 * certificate an ingest instance wrote when it claimed a session is the only one trusted for it.
 */
public final class RelayChannels implements AutoCloseable {
  private record Key(String address, String certificatePem) {}

  private final Map<Key, ManagedChannel> channels = new ConcurrentHashMap<>();

  public TerminalRelayGrpc.TerminalRelayStub stub(TerminalSessions.Relay relay) {
    ManagedChannel channel =
        channels.computeIfAbsent(new Key(relay.address(), relay.certificatePem()), this::open);
    return TerminalRelayGrpc.newStub(channel);
  }

  private ManagedChannel open(Key key) {
    int colon = key.address().lastIndexOf(':');
    try {
      return NettyChannelBuilder.forAddress(
              key.address().substring(0, colon),
              Integer.parseInt(key.address().substring(colon + 1)))
          .sslContext(
              GrpcSslContexts.forClient()
                  .trustManager(
                      new ByteArrayInputStream(
                          key.certificatePem().getBytes(StandardCharsets.US_ASCII)))
                  .build())
          .keepAliveTime(30, TimeUnit.SECONDS)
          .build();
    } catch (SSLException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot reach the terminal relay at " + key.address() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}
