package io.ctops.server.testing;

import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.server.enrolment.EnrolmentTokens;
import io.ctops.server.metrics.MetricPartitions;
import io.ctops.server.orgs.Organisations;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.platform.config.IngestSettings;
import io.ctops.server.platform.database.Database;
import io.ctops.server.platform.pki.DevelopmentCertificate;
import io.ctops.server.platform.pki.Pem;
import io.ctops.server.roles.IngestRole;
import io.ctops.server.roles.TaskTypesOfThisRelease;
import io.ctops.server.tasks.TaskTypes;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import io.grpc.stub.MetadataUtils;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.jdbi.v3.core.Jdbi;

/**
 * A real ingest (gRPC over TLS, HTTP) on loopback, on a test's database (its own pool on it, closed
 * with the fixture), with short upkeep intervals; and TLS clients for it.
 */
public final class IngestFixture implements AutoCloseable {
  public static final IngestRole.Tuning FAST =
      new IngestRole.Tuning(
          Duration.ofMillis(50),
          Duration.ofMillis(5),
          Duration.ofSeconds(2),
          Duration.ofMillis(500),
          Duration.ofMillis(300),
          Duration.ofSeconds(5),
          200_000);

  public final Path dir;
  public final Database database;
  public IngestRole ingest;
  public final IngestSettings settings;
  public final Path serverCertificate;
  private final List<ManagedChannel> channels = new ArrayList<>();

  private IngestFixture(
      Path dir, Database database, IngestRole ingest, IngestSettings settings, Path certificate) {
    this.dir = dir;
    this.database = database;
    this.ingest = ingest;
    this.settings = settings;
    this.serverCertificate = certificate;
  }

  /** An ingest on {@code database} (a {@link FreshDatabase}'s), with its own keys. */
  public static IngestFixture start(DatabaseUrl database) {
    return start(database, FAST, 0);
  }

  public static IngestFixture start(
      DatabaseUrl database, IngestRole.Tuning tuning, int registerRatePerSecond) {
    return start(database, tempDir(), tuning, registerRatePerSecond, TaskTypesOfThisRelease.all());
  }

  /** With these task types instead of the release's (tests add types of their own). */
  public static IngestFixture withTaskTypes(DatabaseUrl database, TaskTypes taskTypes) {
    return start(database, tempDir(), FAST, 0, taskTypes);
  }

  /** Another instance on the same database and key files. */
  public static IngestFixture sharing(IngestFixture other) {
    return sharing(other, FAST);
  }

  /** Another instance on the same database and key files, tuned otherwise. */
  public static IngestFixture sharing(IngestFixture other, IngestRole.Tuning tuning) {
    return start(other.databaseUrl, other.dir, tuning, 0, TaskTypesOfThisRelease.all());
  }

  private DatabaseUrl databaseUrl;

  private static IngestFixture start(
      DatabaseUrl url,
      Path dir,
      IngestRole.Tuning tuning,
      int registerRatePerSecond,
      TaskTypes taskTypes) {
    try {
      Path certificate = dir.resolve("server.crt");
      Path key = dir.resolve("server.key");
      if (!Files.exists(certificate)) {
        DevelopmentCertificate.create(Set.of("localhost")).writeTo(certificate, key);
      }
      Database database = Database.connect(url, "ingest-test", List.of());
      new MetricPartitions(database.jdbi(), 30, Clock.systemUTC()).maintain();
      new MetricPartitions(database.jdbi(), "check_results", 7, Clock.systemUTC()).maintain();
      IngestSettings settings =
          new IngestSettings(
              "127.0.0.1",
              0,
              0,
              Optional.of(new IngestSettings.TlsFiles(certificate, key)),
              dir.resolve("jwt_key.pem"),
              dir.resolve("agent_ca.kek"),
              "http://localhost:3000",
              256 * 1024,
              registerRatePerSecond,
              "localhost",
              Duration.ofSeconds(20),
              Duration.ofMinutes(30),
              50L * 1024 * 1024,
              Duration.ofDays(90));
      IngestRole ingest =
          IngestRole.start(
              settings,
              settings.tls().orElseThrow(),
              database,
              new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
              Clock.systemUTC(),
              tuning,
              taskTypes);
      IngestFixture fixture = new IngestFixture(dir, database, ingest, settings, certificate);
      fixture.databaseUrl = url;
      return fixture;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("ctops-ingest-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops ingest, waits, and starts it again on the same ports, database and keys. */
  public void restartAfter(Duration down) throws InterruptedException {
    IngestSettings samePorts =
        new IngestSettings(
            settings.listenAddress(),
            ingest.grpcPort(),
            ingest.httpPort(),
            settings.tls(),
            settings.jwtKeyFile(),
            settings.caKekFile(),
            settings.agentDownloadBaseUrl(),
            settings.maxMessageBytes(),
            settings.registerRatePerSecond(),
            settings.relayHost(),
            settings.terminalGrace(),
            settings.terminalIdle(),
            settings.terminalRecordingMaxBytes(),
            settings.terminalRecordingRetention());
    ingest.close();
    Thread.sleep(down.toMillis());
    ingest =
        IngestRole.start(
            samePorts,
            samePorts.tls().orElseThrow(),
            database,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            Clock.systemUTC(),
            FAST);
  }

  public Jdbi jdbi() {
    return database.jdbi();
  }

  /** A TLS channel that trusts the server's certificate and presents no client certificate. */
  public ManagedChannel channel() {
    return channel(null, null);
  }

  /** A TLS channel presenting {@code clientCertificatePem} signed for {@code agent}'s key. */
  public ManagedChannel channel(String clientCertificatePem, TestAgent agent) {
    try {
      SslContextBuilder tls =
          GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
              .trustManager(serverCertificate.toFile());
      if (clientCertificatePem != null) {
        tls.keyManager(
            new ByteArrayInputStream(clientCertificatePem.getBytes(StandardCharsets.US_ASCII)),
            new ByteArrayInputStream(
                Pem.encodePrivateKey(agent.keys.getPrivate()).getBytes(StandardCharsets.US_ASCII)));
      }
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("localhost", ingest.grpcPort())
              .sslContext(tls.build())
              .maxInboundMessageSize(8 * 1024 * 1024)
              .build();
      channels.add(channel);
      return channel;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A TLS channel that always presents {@code certificatePem}, whoever the server says it trusts (a
   * JDK client would otherwise withhold a certificate the server's CA list does not name).
   */
  public ManagedChannel channelInsisting(String certificatePem, PrivateKey key) {
    try {
      var certificate =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(
                      new ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)));
      var keyManager =
          new X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String type, Principal[] issuers) {
              return new String[] {"agent"};
            }

            @Override
            public String chooseClientAlias(String[] types, Principal[] issuers, Socket socket) {
              return "agent";
            }

            @Override
            public String chooseEngineClientAlias(
                String[] types, Principal[] issuers, SSLEngine engine) {
              return "agent";
            }

            @Override
            public String[] getServerAliases(String type, Principal[] issuers) {
              return null;
            }

            @Override
            public String chooseServerAlias(String type, Principal[] issuers, Socket socket) {
              return null;
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
              return new X509Certificate[] {certificate};
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
              return key;
            }
          };
      SslContextBuilder tls =
          GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
              .trustManager(serverCertificate.toFile())
              .keyManager(new KeyManagerFactoryWrapper(keyManager));
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("localhost", ingest.grpcPort())
              .sslContext(tls.build())
              .build();
      channels.add(channel);
      return channel;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public IngestServiceGrpc.IngestServiceBlockingStub blocking() {
    return IngestServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public IngestServiceGrpc.IngestServiceStub withJwt(ManagedChannel channel, String jwt) {
    Metadata metadata = new Metadata();
    metadata.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + jwt);
    return IngestServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata));
  }

  /** Creates a token in the default organisation and returns its plain text. */
  public String token(boolean autoApprove) {
    return token(autoApprove, Optional.empty(), Optional.empty());
  }

  public String token(boolean autoApprove, Optional<Instant> expiresAt, Optional<Integer> maxUses) {
    var org = new Organisations(jdbi()).resolve(Optional.empty());
    return new EnrolmentTokens(jdbi(), Clock.systemUTC())
        .create(
            new EnrolmentTokens.TokenRequest(
                org.id(), "test-" + System.nanoTime(), autoApprove, expiresAt, maxUses))
        .plainToken();
  }

  /** Registers {@code agent} with a fresh auto-approve token and returns the answer. */
  public RegisterResponse registerActive(TestAgent agent) {
    return blocking().register(agent.request(token(true)).build());
  }

  /** The highest use count of any token, as the token list shows it. */
  public long tokenUses() {
    return count(
        "SELECT max(t.use_count + coalesce((SELECT sum(u.uses) FROM enrolment_token_uses u"
            + " WHERE u.token_id = t.id), 0)) FROM enrolment_tokens t");
  }

  /** The status of the only host, or null while there is none yet. */
  public String hostStatus() {
    return count("SELECT count(*) FROM hosts") == 0 ? null : string("SELECT status FROM hosts");
  }

  public long count(String sql) {
    return jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }

  /** What the ingest's /metrics answers now (Prometheus text). */
  public String metrics() {
    try {
      return java.net.http.HttpClient.newHttpClient()
          .send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create("http://127.0.0.1:" + ingest.httpPort() + "/metrics"))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String string(String sql) {
    return jdbi().withHandle(h -> h.createQuery(sql).mapTo(String.class).one());
  }

  @Override
  public void close() {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow();
    }
    ingest.close();
    database.close();
  }
}
