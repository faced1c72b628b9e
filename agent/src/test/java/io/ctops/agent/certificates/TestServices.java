package io.ctops.agent.certificates;

import io.ctops.agent.testing.TestCertificates.Issued;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/** Servers on 127.0.0.1 that a test starts for the agent to probe: TLS ones and plain TCP ones. */
final class TestServices implements AutoCloseable {
  private final ServerSocket server;
  private final Thread acceptor;
  private final List<String> serverNames;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger mostOpenAtOnce = new AtomicInteger();
  private final AtomicInteger accepted = new AtomicInteger();

  private interface Conversation {
    void hold(Socket socket) throws IOException;
  }

  private TestServices(ServerSocket server, List<String> serverNames, Conversation conversation) {
    this.server = server;
    this.serverNames = serverNames;
    this.acceptor =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  while (!server.isClosed()) {
                    try {
                      Socket socket = server.accept();
                      accepted.incrementAndGet();
                      mostOpenAtOnce.accumulateAndGet(open.incrementAndGet(), Math::max);
                      Thread.ofPlatform()
                          .daemon()
                          .start(
                              () -> {
                                try (socket) {
                                  conversation.hold(socket);
                                } catch (IOException e) {
                                  // the prober gave up or hung up
                                } finally {
                                  open.decrementAndGet();
                                }
                              });
                    } catch (IOException closed) {
                      return;
                    }
                  }
                });
  }

  /** A TLS server presenting {@code leaf} and the rest of {@code chain}. */
  static TestServices tls(Issued leaf, Issued... chain) throws Exception {
    Certificate[] certificates = new Certificate[chain.length + 1];
    certificates[0] = leaf.certificate();
    for (int i = 0; i < chain.length; i++) {
      certificates[i + 1] = chain[i].certificate();
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("site", leaf.keys().getPrivate(), "pw".toCharArray(), certificates);
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, "pw".toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    SSLServerSocket server =
        (SSLServerSocket)
            context
                .getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    List<String> names = new CopyOnWriteArrayList<>();
    return new TestServices(
        server,
        names,
        socket -> {
          SSLSocket tls = (SSLSocket) socket;
          tls.startHandshake();
          for (SNIServerName name :
              ((ExtendedSSLSession) tls.getSession()).getRequestedServerNames()) {
            names.add(((SNIHostName) name).getAsciiName());
          }
        });
  }

  /** A server that speaks first and not TLS, as SSH does. */
  static TestServices banner() throws IOException {
    return new TestServices(
        new ServerSocket(0, 50, InetAddress.getLoopbackAddress()),
        List.of(),
        socket -> {
          OutputStream out = socket.getOutputStream();
          out.write("SSH-2.0-OpenSSH_9.6\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          drain(socket.getInputStream());
        });
  }

  /** A server that accepts and then never says a word. */
  static TestServices silent() throws IOException {
    return new TestServices(
        new ServerSocket(0, 50, InetAddress.getLoopbackAddress()),
        List.of(),
        socket -> drain(socket.getInputStream()));
  }

  private static void drain(InputStream in) throws IOException {
    byte[] buffer = new byte[4096];
    while (in.read(buffer) >= 0) {
      // until the prober hangs up
    }
  }

  int port() {
    return server.getLocalPort();
  }

  /** The SNI names TLS clients sent, in order. */
  List<String> serverNames() {
    return serverNames;
  }

  /** How many connections were open at the same time at most. */
  int mostOpenAtOnce() {
    return mostOpenAtOnce.get();
  }

  int accepted() {
    return accepted.get();
  }

  @Override
  public void close() throws IOException {
    server.close();
    try {
      acceptor.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
