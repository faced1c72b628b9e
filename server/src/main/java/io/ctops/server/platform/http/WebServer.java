package io.ctops.server.platform.http;

import io.ctops.server.platform.config.IngestSettings;
import io.ctops.server.platform.config.WebSettings;
import io.ctops.server.platform.pki.Pem;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.function.Consumer;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The browser-facing HTTP server (Javalin on Jetty): plain HTTP, or HTTPS only when a certificate
 * is configured. Static assets come from the classpath ({@code /assets}, and {@code /favicon.ico})
 * and from WebJars ({@code /webjars}); features add their routes through the given configurer.
 */
public final class WebServer implements AutoCloseable {
  /**
   * A WebSocket with no frame either way for this long is closed. Open terminals are pinged every
   * 30 s, so only a dead connection gets here; Jetty's own default (30 s) closed a terminal whose
   * command ran quietly for half a minute.
   */
  static final Duration WEBSOCKET_IDLE = Duration.ofMinutes(2);

  private final Javalin app;

  private WebServer(Javalin app) {
    this.app = app;
  }

  public static WebServer start(WebSettings settings, Consumer<JavalinConfig> features) {
    Javalin app =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.startup.showOldJavalinVersionWarning = false;
              config.http.maxRequestSize = 1024 * 1024;
              config.jetty.modifyWebSocketServletFactory(
                  factory -> factory.setIdleTimeout(WEBSOCKET_IDLE));
              config.staticFiles.enableWebjars();
              config.staticFiles.add(
                  files -> {
                    files.hostedPath = "/assets";
                    files.directory = "/web/assets";
                    files.location = Location.CLASSPATH;
                  });
              // browsers ask for /favicon.ico on every site, whatever the page links
              byte[] favicon = classpathBytes("/web/assets/favicon.ico");
              config.routes.get(
                  "/favicon.ico",
                  ctx ->
                      ctx.contentType("image/x-icon")
                          .header("Cache-Control", "max-age=86400")
                          .result(favicon));
              settings.tls().ifPresent(tls -> httpsOnly(config, settings, tls));
              config.routes.before(ctx -> ClientAddress.resolve(ctx, settings.trustedProxies()));
              boolean tls = settings.tls().isPresent();
              config.routes.before(ctx -> SecurityHeaders.apply(ctx, tls));
              // before routes and access checks: none of them sees text the application cannot hold
              config.routes.before(RequestText::check);
              features.accept(config);
            });
    try {
      // with TLS the HTTPS connector is the only one: Javalin adds its plain one only when none
      // exists
      app.start(settings.listenAddress(), settings.httpPort());
    } catch (RuntimeException e) {
      app.stop();
      throw new IllegalStateException(
          "cannot serve the web app on port " + settings.httpPort() + ": " + rootMessage(e), e);
    }
    return new WebServer(app);
  }

  private static void httpsOnly(
      JavalinConfig config, WebSettings settings, IngestSettings.TlsFiles tls) {
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(keyStore(tls));
    ssl.setKeyStorePassword("");
    config.jetty.modifyHttpConfiguration(
        http -> http.addCustomizer(new SecureRequestCustomizer(false)));
    config.jetty.addConnector(
        (server, http) -> {
          ServerConnector connector =
              new ServerConnector(
                  server,
                  new SslConnectionFactory(ssl, "http/1.1"),
                  new HttpConnectionFactory(http));
          connector.setHost(settings.listenAddress());
          connector.setPort(settings.httpPort());
          return connector;
        });
  }

  private static KeyStore keyStore(IngestSettings.TlsFiles tls) {
    try {
      PrivateKeyInfo info = Pem.requirePrivateKey(WebSettings.TLS_KEY, tls.privateKey());
      String algorithm =
          switch (info.getPrivateKeyAlgorithm().getAlgorithm().getId()) {
            case "1.2.840.10045.2.1" -> "EC";
            case "1.3.101.112" -> "Ed25519";
            default -> "RSA";
          };
      PrivateKey key =
          KeyFactory.getInstance(algorithm)
              .generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
      Certificate[] chain;
      try (var in = Files.newInputStream(tls.certificate())) {
        chain =
            CertificateFactory.getInstance("X.509")
                .generateCertificates(in)
                .toArray(Certificate[]::new);
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("web", key, new char[0], chain);
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot use the web TLS key and certificate: " + e, e);
    }
  }

  private static byte[] classpathBytes(String name) {
    try (var in = WebServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }

  /** The port browsers reach. */
  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
