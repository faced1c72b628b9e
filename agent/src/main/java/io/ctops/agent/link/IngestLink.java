package io.ctops.agent.link;

import io.ctops.agent.config.AgentConfig;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The agent's TLS connection to ingest: trusts {@code ca_cert_file} (or the system's CAs when it is
 * empty) and, once the agent holds a client certificate, presents it (mTLS). The JDK's TLS is used
 * because the client key is Ed25519.
 */
public final class IngestLink implements AutoCloseable {
  private final ManagedChannel channel;
  private final boolean mutual;

  private IngestLink(ManagedChannel channel, boolean mutual) {
    this.channel = channel;
    this.mutual = mutual;
  }

  public static IngestLink open(
      AgentConfig config, Optional<String> clientCertificatePem, PrivateKey key) {
    try {
      SslContextBuilder tls =
          GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK);
      if (config.caCertFile().isPresent()) {
        tls.trustManager(config.caCertFile().get().toFile());
      }
      if (clientCertificatePem.isPresent()) {
        tls.keyManager(
            new ByteArrayInputStream(
                clientCertificatePem.get().getBytes(StandardCharsets.US_ASCII)),
            new ByteArrayInputStream(privateKeyPem(key).getBytes(StandardCharsets.US_ASCII)));
      }
      ManagedChannel channel =
          NettyChannelBuilder.forAddress(config.ingestHost(), config.ingestPort())
              .sslContext(tls.build())
              .keepAliveTime(60, TimeUnit.SECONDS)
              .keepAliveTimeout(20, TimeUnit.SECONDS)
              .maxInboundMessageSize(16 * 1024 * 1024)
              .build();
      return new IngestLink(channel, clientCertificatePem.isPresent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set up TLS to " + config.ingestHost(), e);
    }
  }

  public boolean isMutual() {
    return mutual;
  }

  public IngestServiceGrpc.IngestServiceBlockingStub blocking() {
    return IngestServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public IngestServiceGrpc.IngestServiceStub authenticated(String jwt) {
    Metadata metadata = new Metadata();
    metadata.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + jwt);
    return IngestServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata));
  }

  public IngestServiceGrpc.IngestServiceBlockingStub authenticatedBlocking(String jwt) {
    Metadata metadata = new Metadata();
    metadata.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + jwt);
    return IngestServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static String privateKeyPem(PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
