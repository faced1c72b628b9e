package io.ctops.agent.checks;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Locale;

/** TCP connections as the port and certificate checks open them, and their failures in words. */
final class Connections {
  private Connections() {}

  /** A connected socket, or {@link UnknownHostException} when the name does not resolve. */
  static Socket open(String host, int port, Duration timeout) throws IOException {
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new UnknownHostException(host);
    }
    Socket socket = new Socket();
    try {
      socket.connect(address, (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      return socket;
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** {@code host:port}, an IPv6 address in brackets. */
  static String address(String host, int port) {
    return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }

  /** Why a connection failed, as the result's output says it. */
  static String failure(Throwable error, String host, Duration timeout) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
        return "unknown host " + host;
      }
      if (cause instanceof SocketTimeoutException || cause instanceof HttpTimeoutException) {
        return timedOut(timeout);
      }
      if (cause instanceof NoRouteToHostException) {
        return "no route to host";
      }
      if (cause instanceof ConnectException && cause.getMessage() != null) {
        return lowerFirst(cause.getMessage());
      }
    }
    return error.getMessage() == null ? error.toString() : lowerFirst(error.getMessage());
  }

  static String timedOut(Duration timeout) {
    return "timed out after " + timeout.toSeconds() + " s";
  }

  private static String lowerFirst(String text) {
    return text.isEmpty()
        ? text
        : text.substring(0, 1).toLowerCase(Locale.ROOT) + text.substring(1);
  }
}
