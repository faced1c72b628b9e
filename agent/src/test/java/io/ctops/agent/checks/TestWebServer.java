package io.ctops.agent.checks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.ctops.agent.testing.TestCertificates.Issued;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.StandardConstants;

/**
 * A web server on 127.0.0.1 for checks to probe, plain or TLS with a test certificate. Paths:
 * {@code /ok} (200, "all systems go"), {@code /down} (503), {@code /moved} (302 to /ok), {@code
 * /big} (2 MiB, "needle" at the very end), {@code /hang} (never answers until the server closes). A
 * TLS server records the SNI names clients sent.
 */
final class TestWebServer implements AutoCloseable {
  static final String BODY = "all systems go";

  private final HttpServer server;
  private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
  private final CountDownLatch closing = new CountDownLatch(1);
  private final List<String> sniNames = new CopyOnWriteArrayList<>();
  private final String scheme;

  private TestWebServer(HttpServer server, String scheme) {
    this.server = server;
    this.scheme = scheme;
    server.setExecutor(handlers);
    server.createContext("/ok", exchange -> answer(exchange, 200, BODY));
    server.createContext("/down", exchange -> answer(exchange, 503, "maintenance"));
    server.createContext(
        "/moved",
        exchange -> {
          exchange.getResponseHeaders().add("Location", "/ok");
          answer(exchange, 302, "");
        });
    server.createContext(
        "/big", exchange -> answer(exchange, 200, "x".repeat(2 * 1024 * 1024) + "needle"));
    server.createContext(
        "/hang",
        exchange -> {
          try {
            closing.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.close();
        });
  }

  static TestWebServer http() throws IOException {
    TestWebServer web = new TestWebServer(HttpServer.create(loopback(), 0), "http");
    web.server.start();
    return web;
  }

  static TestWebServer https(Issued certificate) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    char[] password = "test".toCharArray();
    store.setKeyEntry(
        "server",
        certificate.keys().getPrivate(),
        password,
        new Certificate[] {certificate.certificate()});
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(loopback(), 0);
    TestWebServer web = new TestWebServer(server, "https");
    server.setHttpsConfigurator(
        new HttpsConfigurator(context) {
          @Override
          public void configure(HttpsParameters parameters) {
            SSLParameters ssl = context.getDefaultSSLParameters();
            ssl.setSNIMatchers(List.of(web.recordingSni()));
            parameters.setSSLParameters(ssl);
          }
        });
    server.start();
    return web;
  }

  private SNIMatcher recordingSni() {
    return new SNIMatcher(StandardConstants.SNI_HOST_NAME) {
      @Override
      public boolean matches(SNIServerName name) {
        sniNames.add(((SNIHostName) name).getAsciiName());
        return true;
      }
    };
  }

  URI url(String path) {
    return URI.create(scheme + "://127.0.0.1:" + port() + path);
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** The SNI host names TLS clients sent, in order. */
  List<String> sniNames() {
    return List.copyOf(sniNames);
  }

  private static InetSocketAddress loopback() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
    exchange.close();
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    handlers.shutdownNow();
  }
}
