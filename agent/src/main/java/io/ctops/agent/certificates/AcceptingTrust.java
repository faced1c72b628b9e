package io.ctops.agent.certificates;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts whatever chain a server presents and keeps it: discovery reads certificates, it does not
 * judge them (expired, self-signed and wrongly named ones are exactly what operators want to see).
 * One per handshake. Never used for a connection that carries data.
 */
final class AcceptingTrust extends X509ExtendedTrustManager {
  private volatile List<X509Certificate> chain = List.of();

  /** The chain the server sent, leaf first; empty when none arrived. */
  List<X509Certificate> chain() {
    return chain;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] served, String authType, Socket socket) {
    chain = List.of(served);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] served, String authType, SSLEngine engine) {
    chain = List.of(served);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] served, String authType) {
    chain = List.of(served);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("discovery only connects; it accepts no clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("discovery only connects; it accepts no clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("discovery only connects; it accepts no clients");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
