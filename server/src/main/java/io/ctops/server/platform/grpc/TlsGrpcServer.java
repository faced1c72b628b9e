package io.ctops.server.platform.grpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC server that speaks TLS only. Client certificates are optional at the handshake (an agent
 * registers before it has one) but, when presented, must chain to the agent CA. Every service is
 * behind a {@link RequestGuard}: a request that does not parse is refused as {@code
 * INVALID_ARGUMENT}.
 */
public final class TlsGrpcServer implements AutoCloseable {
  private final Server server;

  private TlsGrpcServer(Server server) {
    this.server = server;
  }

  /** Listening address, certificate files, the CA for client certificates and limits. */
  public record Options(
      String host,
      int port,
      Path certificateChain,
      Path privateKey,
      X509Certificate clientCa,
      int maxInboundMessageBytes) {}

  public static TlsGrpcServer start(Options options, List<BindableService> services) {
    try {
      // The JDK's TLS, not BoringSSL: agents' client certificates carry Ed25519 keys, and
      // BoringSSL does not accept Ed25519 signatures from TLS peers by default.
      SslContext tls =
          GrpcSslContexts.configure(
                  SslContextBuilder.forServer(
                      options.certificateChain().toFile(), options.privateKey().toFile()),
                  SslProvider.JDK)
              .trustManager(options.clientCa())
              .clientAuth(ClientAuth.OPTIONAL)
              .build();
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(new InetSocketAddress(options.host(), options.port()))
              .sslContext(tls)
              .maxInboundMessageSize(options.maxInboundMessageBytes())
              .maxInboundMetadataSize(16 * 1024)
              .permitKeepAliveTime(10, TimeUnit.SECONDS)
              .permitKeepAliveWithoutCalls(true)
              .keepAliveTime(60, TimeUnit.SECONDS)
              .keepAliveTimeout(20, TimeUnit.SECONDS);
      CallIdentity identity = new CallIdentity();
      for (BindableService service : services) {
        builder.addService(
            ServerInterceptors.intercept(RequestGuard.guard(service.bindService()), identity));
      }
      return new TlsGrpcServer(builder.build().start());
    } catch (IOException e) {
      if (e.getCause() instanceof BindException || e instanceof BindException) {
        throw new IllegalStateException(
            "cannot listen on port " + options.port() + ": it is in use by another process");
      }
      throw new UncheckedIOException("cannot start the gRPC server", e);
    }
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
