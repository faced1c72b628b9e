package io.ctops.agent.certificates;

import io.ctops.protocol.v1.DiscoveredCertificate;
import io.ctops.protocol.v1.PortInfo;
import io.ctops.protocol.v1.PrivateKeyMatch;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The chains TLS services on this host serve: a handshake with each listening TCP port (or each
 * configured one) that accepts any certificate, since the point is to read the chain, not to trust
 * it. A port that does not speak TLS fails its handshake and is counted as probed. Connecting and
 * the handshake have {@link #TIMEOUT} each, {@link #PARALLEL} ports at a time, so a host with many
 * ports is done in seconds and a service that never answers holds up nothing.
 */
final class TlsServices {
  static final Duration TIMEOUT = Duration.ofSeconds(3);
  static final int PARALLEL = 8;

  private static final String IPV4_ANY = "0.0.0.0";
  private static final String IPV6_ANY = "::";
  private static final String IPV4_MAPPED = "::ffff:";

  /** Where to connect: an address of this host and a port. */
  record Target(String address, int port) {
    /** {@code 127.0.0.1:443}, {@code [::1]:8443}: the certificate's location. */
    String location() {
      return address.contains(":") ? "[" + address + "]:" + port : address + ":" + port;
    }
  }

  private TlsServices() {}

  /**
   * The targets for {@code listening} sockets, each port once, in port order: a port bound to any
   * address is reached on loopback (127.0.0.1, or ::1 when only IPv6 listens), a port bound to
   * given addresses on each of them (they may serve different certificates). With {@code
   * configured} ports only those, on loopback when the kernel's tables do not show them.
   */
  static List<Target> targets(List<PortInfo> listening, List<Integer> configured) {
    TreeMap<Integer, Set<String>> addresses = new TreeMap<>();
    for (PortInfo socket : listening) {
      if (socket.getProtocol().startsWith("tcp")
          && (configured.isEmpty() || configured.contains(socket.getPort()))) {
        addresses
            .computeIfAbsent(socket.getPort(), port -> new TreeSet<>())
            .add(
                socket.getAddress().startsWith(IPV4_MAPPED)
                    ? socket.getAddress().substring(IPV4_MAPPED.length())
                    : socket.getAddress());
      }
    }
    for (int port : configured) {
      addresses.computeIfAbsent(port, unseen -> new TreeSet<>(Set.of(IPV4_ANY)));
    }
    List<Target> targets = new ArrayList<>();
    addresses.forEach(
        (port, bound) -> {
          if (bound.contains(IPV4_ANY)) {
            targets.add(new Target("127.0.0.1", port));
          } else if (bound.contains(IPV6_ANY)) {
            targets.add(new Target("::1", port));
          } else {
            bound.forEach(address -> targets.add(new Target(address, port)));
          }
        });
    return targets;
  }

  /**
   * Probes every target into {@code findings}, each served certificate at its position in the
   * chain; {@code serverName} goes out as SNI when it is a valid host name.
   */
  static void probe(List<Target> targets, Optional<String> serverName, Findings findings)
      throws InterruptedException {
    if (targets.isEmpty() || findings.isTruncated()) {
      return;
    }
    Optional<SNIHostName> sni = sni(serverName);
    ExecutorService probes =
        Executors.newFixedThreadPool(
            Math.min(PARALLEL, targets.size()),
            Thread.ofPlatform().name("certificate-probe-", 1).daemon().factory());
    try {
      List<Future<List<X509Certificate>>> chains = new ArrayList<>();
      for (Target target : targets) {
        chains.add(probes.submit(() -> chain(target, sni)));
      }
      for (int i = 0; i < targets.size(); i++) {
        List<X509Certificate> chain = chains.get(i).get();
        findings.serviceProbed(!chain.isEmpty());
        if (!add(targets.get(i), chain, findings)) {
          return;
        }
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("a TLS probe failed unexpectedly", e.getCause());
    } finally {
      probes.shutdownNow();
    }
  }

  private static boolean add(Target target, List<X509Certificate> chain, Findings findings) {
    for (int position = 0; position < chain.size(); position++) {
      Optional<DiscoveredCertificate> certificate =
          Discovered.of(
              chain.get(position),
              Discovered.TLS,
              target.location(),
              position,
              PrivateKeyMatch.PRIVATE_KEY_NOT_FOUND);
      if (certificate.isPresent() && !findings.add(certificate.get())) {
        return false;
      }
    }
    return true;
  }

  private static Optional<SNIHostName> sni(Optional<String> serverName) {
    try {
      return serverName.map(SNIHostName::new);
    } catch (IllegalArgumentException notAHostName) {
      // e.g. a host name with "_": the handshake goes without SNI
      return Optional.empty();
    }
  }

  /**
   * The chain {@code target} presents; empty when it does not speak TLS or does not answer. The
   * chain is taken when the server sends it, so a handshake that fails afterwards (the server wants
   * a client certificate, no cipher in common) still yields it.
   */
  static List<X509Certificate> chain(Target target, Optional<SNIHostName> sni) {
    AcceptingTrust trust = new AcceptingTrust();
    SSLContext context;
    try {
      context = SSLContext.getInstance("TLS");
      context.init(null, new AcceptingTrust[] {trust}, null);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("TLS is part of every JDK", e);
    }
    try (Socket plain = new Socket()) {
      plain.connect(
          new InetSocketAddress(InetAddress.getByName(target.address()), target.port()),
          (int) TIMEOUT.toMillis());
      plain.setSoTimeout((int) TIMEOUT.toMillis());
      // The read timeout bounds each wait; closing the socket bounds a server that drips bytes.
      CompletableFuture.delayedExecutor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .execute(() -> close(plain));
      try (SSLSocket tls =
          (SSLSocket)
              context
                  .getSocketFactory()
                  .createSocket(plain, target.address(), target.port(), true)) {
        SSLParameters parameters = tls.getSSLParameters();
        sni.ifPresent(name -> parameters.setServerNames(List.of(name)));
        tls.setSSLParameters(parameters);
        tls.startHandshake();
      }
    } catch (IOException | RuntimeException notTlsOrGone) {
      // what was received before the failure, if anything, is below
    }
    return trust.chain();
  }

  private static void close(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closed already
    }
  }
}
