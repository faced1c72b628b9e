package io.ctops.server.directory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * TLS sockets that check, during the handshake, that the server's certificate names the host we
 * asked for (the JDK's LDAPS rules: subject alternative names, IP addresses included). A trusted CA
 * alone is not enough: it may have signed certificates for other machines too. This applies to
 * StartTLS as well, where the LDAP library's own host name check does not run. Every socket also
 * gets a read timeout, so a server that accepts the connection but never answers the handshake
 * fails in seconds instead of holding the caller forever.
 */
final class NameCheckingSockets extends SSLSocketFactory {
  private final SSLSocketFactory sockets;
  private final int readTimeoutMillis;

  NameCheckingSockets(SSLSocketFactory sockets, Duration readTimeout) {
    this.sockets = sockets;
    this.readTimeoutMillis = (int) readTimeout.toMillis();
  }

  private Socket checked(Socket socket) throws SocketException {
    socket.setSoTimeout(readTimeoutMillis);
    if (socket instanceof SSLSocket tls) {
      SSLParameters parameters = tls.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("LDAPS");
      tls.setSSLParameters(parameters);
    }
    return socket;
  }

  @Override
  public Socket createSocket() throws IOException {
    return checked(sockets.createSocket());
  }

  @Override
  public Socket createSocket(Socket socket, String host, int port, boolean autoClose)
      throws IOException {
    return checked(sockets.createSocket(socket, host, port, autoClose));
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return checked(sockets.createSocket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return checked(sockets.createSocket(host, port, localHost, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return checked(sockets.createSocket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return checked(sockets.createSocket(address, port, localAddress, localPort));
  }

  @Override
  public String[] getDefaultCipherSuites() {
    return sockets.getDefaultCipherSuites();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return sockets.getSupportedCipherSuites();
  }
}
