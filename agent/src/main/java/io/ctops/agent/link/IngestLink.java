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
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
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
        // The key as an object: Netty's own PEM reading knows RSA, DSA and EC keys, not Ed25519.
        tls.keyManager(key, certificateChain(clientCertificatePem.get()));
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

  private static X509Certificate[] certificateChain(String pem) throws IOException {
    try {
      return CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
          .toArray(X509Certificate[]::new);
    } catch (CertificateException e) {
      throw new IOException("the stored client certificate cannot be read", e);
    }
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
