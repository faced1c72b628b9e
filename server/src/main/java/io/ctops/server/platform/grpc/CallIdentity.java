package io.ctops.server.platform.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What the transport knows about a call before any message arrives: the bearer token from the
 * {@code authorization} metadata, the TLS client certificate (verified against the agent CA by the
 * handshake), and the peer's address. Handlers read them from the gRPC {@link Context}.
 */
public final class CallIdentity implements ServerInterceptor {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<Optional<String>> BEARER = Context.key("ctops-bearer");
  private static final Context.Key<Optional<X509Certificate>> CLIENT_CERTIFICATE =
      Context.key("ctops-client-certificate");
  private static final Context.Key<String> REMOTE_ADDRESS = Context.key("ctops-remote-address");

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Optional<String> bearer =
        Optional.ofNullable(headers.get(AUTHORIZATION))
            .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
            .map(value -> value.substring(7).strip())
            .filter(value -> !value.isEmpty());
    Context context =
        Context.current()
            .withValue(BEARER, bearer)
            .withValue(CLIENT_CERTIFICATE, clientCertificate(call))
            .withValue(REMOTE_ADDRESS, remoteAddress(call));
    return Contexts.interceptCall(context, call, headers, next);
  }

  public static Optional<String> bearerToken() {
    Optional<String> value = BEARER.get();
    return value == null ? Optional.empty() : value;
  }

  public static Optional<X509Certificate> clientCertificate() {
    Optional<X509Certificate> value = CLIENT_CERTIFICATE.get();
    return value == null ? Optional.empty() : value;
  }

  public static String remoteAddress() {
    String value = REMOTE_ADDRESS.get();
    return value == null ? "unknown" : value;
  }

  private static Optional<X509Certificate> clientCertificate(ServerCall<?, ?> call) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return Optional.empty();
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate leaf
          ? Optional.of(leaf)
          : Optional.empty();
    } catch (SSLPeerUnverifiedException noClientCertificate) {
      return Optional.empty();
    }
  }

  private static String remoteAddress(ServerCall<?, ?> call) {
    SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return inet.getAddress().getHostAddress();
    }
    return String.valueOf(address);
  }
}
