package io.ctops.server.alerts.notify;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * Whether a URL points at this web app (its own port on one of this machine's addresses): a webhook
 * there would post alerts into the app's own routes, so such a channel is refused. Names are
 * resolved only when the port is the app's, so checking an ordinary URL costs no lookup.
 */
final class SelfAddress {
  private final String listenAddress;
  private final IntSupplier port;

  /** {@code port}: the port the web app listens on (known once it has started). */
  SelfAddress(String listenAddress, IntSupplier port) {
    this.listenAddress = listenAddress;
    this.port = port;
  }

  boolean isSelf(URI url) {
    int urlPort = url.getPort() != -1 ? url.getPort() : url.getScheme().equals("https") ? 443 : 80;
    if (urlPort != port.getAsInt()) {
      return false;
    }
    String host = url.getHost().toLowerCase(Locale.ROOT);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.equals("localhost") || host.endsWith(".localhost") || host.equals(listenAddress)) {
      return true;
    }
    try {
      for (InetAddress address : InetAddress.getAllByName(host)) {
        if (address.isLoopbackAddress()
            || address.isAnyLocalAddress()
            || NetworkInterface.getByInetAddress(address) != null) {
          return true;
        }
      }
    } catch (UnknownHostException | SocketException e) {
      return false; // a name that does not resolve here is not this machine
    }
    return false;
  }
}
