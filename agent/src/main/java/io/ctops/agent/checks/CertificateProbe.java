package io.ctops.agent.checks;

import io.ctops.agent.certificates.CertificateFacts;
import io.ctops.protocol.checks.CheckConfig.Certificate;
import java.io.IOException;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The certificate chain a TLS server presents: a handshake that trusts anything (the chain is read,
 * not judged), with SNI {@code server_name}, else the host when it is a name. Passes while the leaf
 * is within its validity period; the output is the chain as {@link CertificateFacts} JSON. A server
 * that cannot be reached fails with the reason in words.
 */
final class CertificateProbe {
  private final Clock clock;

  CertificateProbe(Clock clock) {
    this.clock = clock;
  }

  Outcome run(Certificate check) {
    Optional<String> serverName =
        check.serverName().or(() -> Optional.of(check.host()).filter(CertificateProbe::isName));
    SNIHostName sni;
    try {
      sni = serverName.map(SNIHostName::new).orElse(null);
    } catch (IllegalArgumentException e) {
      return Outcome.error("server_name \"" + serverName.get() + "\" is not a host name for SNI");
    }
    List<X509Certificate> chain = new ArrayList<>();
    try (Socket plain = Connections.open(check.host(), check.port(), check.timeout());
        SSLSocket tls =
            (SSLSocket)
                TrustAll.context()
                    .getSocketFactory()
                    .createSocket(plain, serverName.orElse(check.host()), check.port(), true)) {
      SSLParameters parameters = tls.getSSLParameters();
      parameters.setServerNames(sni == null ? List.of() : List.of(sni));
      tls.setSSLParameters(parameters);
      tls.startHandshake();
      for (java.security.cert.Certificate presented : tls.getSession().getPeerCertificates()) {
        if (presented instanceof X509Certificate x509) {
          chain.add(x509);
        }
      }
    } catch (SSLException e) {
      return Outcome.fail("TLS handshake failed: " + e.getMessage());
    } catch (IOException e) {
      return Outcome.fail(Connections.failure(e, check.host(), check.timeout()));
    }
    if (chain.isEmpty()) {
      return Outcome.fail("the server presented no X.509 certificate");
    }
    Map<String, Object> context = new LinkedHashMap<>();
    context.put("host", check.host());
    context.put("port", check.port());
    context.put("server_name", serverName.orElse(""));
    return Certificates.outcome(chain, context, clock.instant());
  }

  /** Whether {@code host} is a name rather than an IPv4 or IPv6 address (SNI carries names). */
  static boolean isName(String host) {
    return !host.contains(":") && !host.matches("[0-9.]+");
  }
}
