package io.ctops.server.platform.config;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The reverse proxies whose {@code X-Forwarded-For} is believed ({@code WEB_TRUSTED_PROXIES}). Any
 * client can send that header, so it says who the client is only when the socket peer is one of our
 * own proxies; the client is then the right-most address in it that is not a trusted proxy (the
 * entries further left were written by whoever sent the request and prove nothing).
 */
public final class TrustedProxies {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  private final List<Cidr> ranges;

  private TrustedProxies(List<Cidr> ranges) {
    this.ranges = List.copyOf(ranges);
  }

  /** Believes no forwarded header: the client is the socket peer. */
  public static TrustedProxies none() {
    return new TrustedProxies(List.of());
  }

  /**
   * Parses comma-separated CIDRs ({@code 10.0.0.0/8, 192.168.1.7, fd00::/8}); a bare address is a
   * single host.
   *
   * @throws IllegalArgumentException naming the first entry that is not one
   */
  public static TrustedProxies parse(String text) {
    List<Cidr> ranges = new ArrayList<>();
    for (String entry : text.split(",", -1)) {
      String cidr = entry.strip();
      if (cidr.isEmpty()) {
        continue;
      }
      ranges.add(
          Cidr.parse(cidr)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "must be comma-separated CIDRs like 10.0.0.0/8 or 192.168.1.7,"
                              + " got '"
                              + cidr
                              + "'")));
    }
    return new TrustedProxies(ranges);
  }

  public boolean isEmpty() {
    return ranges.isEmpty();
  }

  /**
   * The client's address: the socket peer's, or, when the peer is a trusted proxy, the right-most
   * {@code X-Forwarded-For} entry that is not itself a trusted proxy. An entry that is not an IP
   * address stops the walk at the last trusted hop: nothing left of it can be believed either.
   *
   * @param peer the socket peer's address (an IP literal)
   * @param forwardedFor every {@code X-Forwarded-For} header of the request, in order
   */
  public String clientAddress(String peer, List<String> forwardedFor) {
    Optional<InetAddress> socket = literal(peer);
    String client = socket.map(InetAddress::getHostAddress).orElse(peer);
    if (socket.isEmpty() || !trusts(socket.get())) {
      return client;
    }
    List<String> hops = new ArrayList<>();
    for (String header : forwardedFor) {
      for (String hop : header.split(",")) {
        hops.add(hop.strip());
      }
    }
    for (int i = hops.size() - 1; i >= 0; i--) {
      Optional<InetAddress> hop = literal(hops.get(i));
      if (hop.isEmpty()) {
        return client;
      }
      client = hop.get().getHostAddress();
      if (!trusts(hop.get())) {
        return client;
      }
    }
    return client;
  }

  private boolean trusts(InetAddress address) {
    return ranges.stream().anyMatch(range -> range.contains(address));
  }

  /**
   * An IP literal as proxies and servers write it ({@code 1.2.3.4}, {@code 1.2.3.4:5678}, {@code
   * ::1}, {@code [::1]:80}).
   */
  static Optional<InetAddress> literal(String text) {
    String value = text.strip();
    if (value.startsWith("[")) {
      int end = value.indexOf(']');
      return end < 0 ? Optional.empty() : plainLiteral(value.substring(1, end));
    }
    if (value.indexOf(':') > 0 && value.indexOf(':') == value.lastIndexOf(':')) {
      return plainLiteral(value.substring(0, value.indexOf(':'))); // IPv4 with a port
    }
    return plainLiteral(value);
  }

  /** A bare IPv4 or IPv6 address; never a name, so nothing here asks DNS. */
  private static Optional<InetAddress> plainLiteral(String value) {
    try {
      if (IPV4.matcher(value).matches()) {
        String[] parts = value.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
          int part = Integer.parseInt(parts[i]);
          if (part > 255) {
            return Optional.empty();
          }
          bytes[i] = (byte) part;
        }
        return Optional.of(InetAddress.getByAddress(bytes));
      }
      if (IPV6.matcher(value).matches()) {
        // in brackets the JDK parses an IPv6 literal or fails; it never falls back to DNS
        return Optional.of(InetAddress.getByName("[" + value + "]"));
      }
    } catch (UnknownHostException e) {
      // not an address
    }
    return Optional.empty();
  }

  /** One range of addresses: a network address and how many leading bits are fixed. */
  private record Cidr(byte[] network, int prefix) {
    static Optional<Cidr> parse(String text) {
      int slash = text.indexOf('/');
      Optional<InetAddress> address = plainLiteral(slash < 0 ? text : text.substring(0, slash));
      if (address.isEmpty()) {
        return Optional.empty();
      }
      byte[] bytes = address.get().getAddress();
      int prefix = bytes.length * 8;
      if (slash >= 0) {
        String length = text.substring(slash + 1);
        if (!length.matches("\\d{1,3}") || Integer.parseInt(length) > prefix) {
          return Optional.empty();
        }
        prefix = Integer.parseInt(length);
      }
      return Optional.of(new Cidr(bytes, prefix));
    }

    boolean contains(InetAddress address) {
      byte[] bytes = address.getAddress();
      if (bytes.length != network.length) {
        return false;
      }
      BigInteger mask =
          BigInteger.ONE
              .shiftLeft(bytes.length * 8)
              .subtract(BigInteger.ONE)
              .shiftRight(prefix)
              .not();
      return new BigInteger(1, bytes).and(mask).equals(new BigInteger(1, network).and(mask));
    }
  }
}
