package io.ctops.server.directory;

import com.unboundid.ldap.sdk.ExtendedResult;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.extensions.StartTLSExtendedRequest;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import io.ctops.server.directory.DirectoryFailure.Stage;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Opens a connection to the first of the directory's servers that answers, always encrypted
 * (StartTLS on {@code ldap://}, TLS on {@code ldaps://}) with the server's certificate checked
 * against the configured CA and its name against the URL's host, and turns every failure into
 * words: which stage, which server, why. The caller closes what it gets.
 */
final class DirectoryConnector {
  /** An open connection and the server it reached. */
  record Opened(LDAPConnection connection, ServerUrl server) implements AutoCloseable {
    @Override
    public void close() {
      connection.close();
    }
  }

  private final List<ServerUrl> servers;
  private final NameCheckingSockets tls;
  private final Duration connectTimeout;

  /** How long a TLS handshake may wait for the server's next message. */
  private final Duration readTimeout;

  private final Duration operationTimeout;

  DirectoryConnector(
      List<ServerUrl> servers,
      Optional<List<X509Certificate>> trustedCas,
      Duration connectTimeout,
      Duration operationTimeout) {
    this.servers = List.copyOf(servers);
    this.readTimeout = connectTimeout;
    this.tls = new NameCheckingSockets(sslContext(trustedCas).getSocketFactory(), readTimeout);
    this.connectTimeout = connectTimeout;
    this.operationTimeout = operationTimeout;
  }

  /**
   * A connection to the first server that answers, encryption in place, not yet bound. When none
   * does, the failure names each server's reason; its stage is TLS when any server was reached.
   */
  Opened open() throws DirectoryFailure {
    List<DirectoryFailure> failures = new ArrayList<>();
    for (ServerUrl server : servers) {
      try {
        return new Opened(open(server), server);
      } catch (DirectoryFailure failure) {
        failures.add(failure);
      }
    }
    if (failures.size() == 1) {
      throw failures.get(0);
    }
    Stage stage =
        failures.stream().anyMatch(f -> f.stage() == Stage.TLS) ? Stage.TLS : Stage.CONNECT;
    throw new DirectoryFailure(
        stage,
        failures.stream().map(DirectoryFailure::getMessage).collect(Collectors.joining("; ")));
  }

  private LDAPConnection open(ServerUrl server) throws DirectoryFailure {
    LDAPConnectionOptions options = new LDAPConnectionOptions();
    options.setConnectTimeoutMillis((int) connectTimeout.toMillis());
    options.setResponseTimeoutMillis(operationTimeout.toMillis());
    options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true));
    // a DN with an empty password is an "unauthenticated bind" that many servers accept
    options.setBindWithDNRequiresPassword(true);
    LDAPConnection connection =
        server.isLdaps() ? new LDAPConnection(tls, options) : new LDAPConnection(options);
    try {
      connection.connect(server.host(), server.port(), (int) connectTimeout.toMillis());
    } catch (LDAPException e) {
      connection.close();
      throw isTls(e) ? tlsFailure(server, e) : connectFailure(server, e);
    }
    if (!server.isLdaps()) {
      try {
        ExtendedResult result =
            connection.processExtendedOperation(new StartTLSExtendedRequest(tls));
        if (result.getResultCode() != ResultCode.SUCCESS) {
          connection.close();
          throw new DirectoryFailure(
              Stage.TLS,
              server.address()
                  + " refused StartTLS ("
                  + describe(result.getResultCode(), result.getDiagnosticMessage())
                  + ")");
        }
      } catch (LDAPException e) {
        connection.close();
        if (e.getResultCode() == ResultCode.TIMEOUT) {
          throw new DirectoryFailure(
              Stage.CONNECT,
              "no answer from "
                  + server.address()
                  + " within "
                  + operationTimeout.toSeconds()
                  + " s");
        }
        throw tlsFailure(server, e);
      }
    }
    return connection;
  }

  /** Binds as the server's own account; a refusal is a failure at the bind stage. */
  static void bindAsService(Opened opened, String dn, String password) throws DirectoryFailure {
    try {
      opened.connection().bind(new SimpleBindRequest(dn, password));
    } catch (LDAPException e) {
      if (e.getResultCode() == ResultCode.INVALID_CREDENTIALS) {
        throw new DirectoryFailure(
            Stage.BIND, "invalid credentials for " + dn + " (check the bind DN and password)");
      }
      throw failure(Stage.BIND, opened.server(), e);
    }
  }

  /** A failure of an operation on an open connection, in words. */
  static DirectoryFailure failure(Stage stage, ServerUrl server, LDAPException e) {
    ResultCode code = e.getResultCode();
    if (code == ResultCode.SERVER_DOWN
        || code == ResultCode.CONNECT_ERROR
        || code == ResultCode.TIMEOUT) {
      return new DirectoryFailure(
          stage,
          server.address()
              + " stopped answering ("
              + describe(code, e.getDiagnosticMessage())
              + ")");
    }
    return new DirectoryFailure(stage, describe(code, e.getDiagnosticMessage()));
  }

  static String describe(ResultCode code, String diagnostic) {
    String name = code.getName();
    return diagnostic == null || diagnostic.isBlank() ? name : name + ": " + diagnostic;
  }

  private DirectoryFailure connectFailure(ServerUrl server, LDAPException e) {
    Throwable root = rootCause(e);
    String reason;
    if (root instanceof ConnectException) {
      reason = "connection refused to " + server.address();
    } else if (root instanceof UnknownHostException) {
      reason = "unknown host " + server.host();
    } else if (root instanceof NoRouteToHostException) {
      reason = "no route to " + server.address();
    } else if (root instanceof SocketTimeoutException || e.getResultCode() == ResultCode.TIMEOUT) {
      reason =
          "no answer from " + server.address() + " within " + connectTimeout.toSeconds() + " s";
    } else {
      reason = "cannot reach " + server.address() + " (" + message(root) + ")";
    }
    return new DirectoryFailure(Stage.CONNECT, reason);
  }

  private DirectoryFailure tlsFailure(ServerUrl server, LDAPException e) {
    String reason;
    if (hasCause(e, CertificateExpiredException.class)) {
      reason = "certificate of " + server.address() + " has expired";
    } else if (isNameMismatch(e)) {
      reason = "certificate of " + server.address() + " does not name the host " + server.host();
    } else if (hasCause(e, CertPathBuilderException.class)
        || hasCause(e, CertPathValidatorException.class)) {
      reason =
          "certificate not trusted: "
              + server.address()
              + " presents a certificate that the configured CA certificate did not sign";
    } else if (hasCause(e, SSLPeerUnverifiedException.class)) {
      // the handshake never finished: the read timeout ended it, or the server hung up
      reason =
          "handshake with "
              + server.address()
              + " did not complete (no TLS answer within "
              + readTimeout.toSeconds()
              + " s, or the connection was closed)";
    } else {
      reason = "handshake with " + server.address() + " failed (" + message(rootCause(e)) + ")";
    }
    return new DirectoryFailure(Stage.TLS, reason);
  }

  private static boolean isTls(LDAPException e) {
    return hasCause(e, SSLException.class)
        || hasCause(e, GeneralSecurityException.class)
        || isNameMismatch(e);
  }

  /** The JDK's host name check and the LDAP library's say so only in words. */
  private static boolean isNameMismatch(Throwable e) {
    return mentions(e, "no subject alternative")
        || mentions(e, "no name matching")
        || mentions(e, "hostname verification");
  }

  /** Whether the exception or any cause says {@code words} (the host name check says so only). */
  private static boolean mentions(Throwable e, String words) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String text = t.getMessage();
      if (text != null && text.toLowerCase(Locale.ROOT).contains(words)) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static Throwable rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  private static String message(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private static SSLContext sslContext(Optional<List<X509Certificate>> trustedCas) {
    try {
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (trustedCas.isPresent()) {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        for (X509Certificate ca : trustedCas.get()) {
          store.setCertificateEntry("ca-" + i++, ca);
        }
        trust.init(store);
      } else {
        trust.init((KeyStore) null);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot set up TLS for the directory", e);
    }
  }
}
