package io.ctops.server.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.BufferedSample;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.server.enrolment.EnrolmentTokens;
import io.ctops.server.metrics.MetricPartitions;
import io.ctops.server.orgs.Organisations;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.platform.database.Database;
import io.ctops.server.platform.database.EmbeddedPostgres;
import io.ctops.server.platform.database.Migrations;
import io.ctops.server.platform.pki.DevelopmentCertificate;
import io.ctops.server.testing.TestAgent;
import io.ctops.server.testing.TestPostgres;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing acknowledged is lost and nothing is stored twice: an agent that keeps its unacknowledged
 * samples and re-sends them survives {@code kill -9} of the ingest process and a PostgreSQL
 * restart, and afterwards every sample it produced is in {@code host_metrics} exactly once.
 */
class DurabilityTest {
  @TempDir Path dir;

  @Test
  void everySampleLandsExactlyOnceThroughAServerKillAndADatabaseRestart() throws Exception {
    int dbPort = freePort();
    EmbeddedPostgres postgres = startDatabase(dbPort);
    try {
      DatabaseUrl url =
          new DatabaseUrl(
              postgres.jdbcUrl("postgres"), EmbeddedPostgres.SUPERUSER, postgres.password());
      String token;
      try (Database database = Database.connect(url, "durability", List.of())) {
        Migrations.migrate(database.dataSource());
        new MetricPartitions(database.jdbi(), 30, Clock.systemUTC()).maintain();
        var org = new Organisations(database.jdbi()).resolve(Optional.empty());
        token =
            new EnrolmentTokens(database.jdbi(), Clock.systemUTC())
                .create(
                    new EnrolmentTokens.TokenRequest(
                        org.id(), "durability", true, Optional.empty(), Optional.empty()))
                .plainToken();
      }
      DevelopmentCertificate.create(Set.of("localhost"))
          .writeTo(dir.resolve("server.crt"), dir.resolve("server.key"));
      int grpcPort = freePort();
      Map<String, String> env =
          Map.of(
              "DATABASE_URL",
                  postgres.jdbcUrl("postgres") + "?user=postgres&password=" + postgres.password(),
              "INGEST_TLS_CERT", dir.resolve("server.crt").toString(),
              "INGEST_TLS_KEY", dir.resolve("server.key").toString(),
              "INGEST_GRPC_PORT", Integer.toString(grpcPort),
              "INGEST_HTTP_PORT", Integer.toString(freePort()),
              "WEB_HTTP_PORT", Integer.toString(freePort()),
              "INGEST_LISTEN_ADDRESS", "127.0.0.1",
              "CT_OPS_DATA_DIR", dir.resolve("data").toString());

      Process ingest = startIngest(env, "first");
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("localhost", grpcPort)
              .sslContext(
                  GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                      .trustManager(dir.resolve("server.crt").toFile())
                      .build())
              .build();
      RegisterResponse registered =
          IngestServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .register(new TestAgent("durable-01", "10.0.9.1").request(token).build());
      ResendingAgent agent = new ResendingAgent(channel, registered.getJwtToken());
      Thread producer = Thread.ofPlatform().start(agent::run);

      Thread.sleep(3000);
      ingest.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // kill -9
      Thread.sleep(1500);
      ingest = startIngest(env, "second");
      Thread.sleep(3000);
      postgres.close();
      Thread.sleep(2000);
      postgres = startDatabase(dbPort);
      Thread.sleep(4000);

      agent.stopProducing();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (agent.unacknowledged() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      agent.stop();
      producer.join(10_000);
      ingest.destroy();
      ingest.waitFor(20, TimeUnit.SECONDS);
      channel.shutdownNow();

      assertThat(agent.unacknowledged()).as("samples still unacknowledged").isZero();
      assertThat(agent.produced()).as("samples produced").isGreaterThan(100);
      assertThat(agent.reconnects()).as("the agent had to reconnect").isGreaterThan(1);
      try (Database database = Database.connect(url, "durability-check", List.of())) {
        List<Long> stored =
            database
                .jdbi()
                .withHandle(
                    h ->
                        h.createQuery(
                                "SELECT extract(epoch FROM ts)::bigint FROM host_metrics ORDER BY ts")
                            .mapTo(Long.class)
                            .list());
        assertThat(stored)
            .as("every produced sample, exactly once")
            .containsExactlyElementsOf(agent.producedTimestamps());
      }
    } finally {
      postgres.close();
    }
  }

  private EmbeddedPostgres startDatabase(int port) {
    return EmbeddedPostgres.start(
        dir.resolve("pg"),
        TestPostgres.RUNTIME_DIR,
        EmbeddedPostgres.Durability.DURABLE,
        true,
        port);
  }

  private Process startIngest(Map<String, String> env, String name) throws Exception {
    // Kept under target/ so a failure can be read after the temporary directory is gone.
    Path logs = Files.createDirectories(Path.of("target", "durability-test"));
    Path log = logs.resolve("ingest-" + name + ".log");
    Files.deleteIfExists(log);
    ProcessBuilder builder =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                System.getProperty("java.class.path"),
                "io.ctops.server.cli.Main",
                "ingest")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().remove("DATABASE_URL");
    builder.environment().putAll(env);
    Process process = builder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains("event=ingest_ready")) {
        return process;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("ingest exited: " + Files.readString(log));
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("ingest did not start: " + Files.readString(log));
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * Behaves as the agent must: one sample per tick, kept until acknowledged, the backlog re-sent
   * with every heartbeat, reconnecting whenever the stream breaks.
   */
  private static final class ResendingAgent {
    private final ManagedChannel channel;
    private final String jwt;
    private final TreeMap<Long, BufferedSample> buffer = new TreeMap<>();
    private final List<Long> produced = new ArrayList<>();
    private final AtomicBoolean producing = new AtomicBoolean(true);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<StreamObserver<HeartbeatRequest>> stream =
        new AtomicReference<>();
    private int reconnects;
    private long next = Instant.now().getEpochSecond() - 3000;

    ResendingAgent(ManagedChannel channel, String jwt) {
      this.channel = channel;
      this.jwt = jwt;
    }

    void run() {
      while (running.get()) {
        try {
          StreamObserver<HeartbeatRequest> requests = stream.get();
          if (requests == null) {
            requests = connect();
            if (requests == null) {
              continue;
            }
          }
          HeartbeatRequest request;
          synchronized (this) {
            if (producing.get()) {
              long timestamp = next++;
              produced.add(timestamp);
              buffer.put(
                  timestamp,
                  BufferedSample.newBuilder()
                      .setTimestampUnix(timestamp)
                      .setCpuPercent(timestamp % 100)
                      .setMemoryPercent(50)
                      .setDiskPercent(60)
                      .build());
            }
            if (buffer.isEmpty()) {
              Thread.sleep(50);
              continue;
            }
            BufferedSample newest = buffer.lastEntry().getValue();
            request =
                HeartbeatRequest.newBuilder()
                    .setCpuPercent(newest.getCpuPercent())
                    .setMemoryPercent(50)
                    .setDiskPercent(60)
                    .setTimestampUnix(newest.getTimestampUnix())
                    .addAllSamples(
                        buffer.headMap(newest.getTimestampUnix()).values().stream()
                            .limit(2000)
                            .toList())
                    .build();
          }
          requests.onNext(request);
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          dropStream();
        }
      }
    }

    private StreamObserver<HeartbeatRequest> connect() throws InterruptedException {
      Metadata metadata = new Metadata();
      metadata.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + jwt);
      // The call may fail before heartbeat() even returns; whichever happens last clears it.
      AtomicBoolean ended = new AtomicBoolean();
      AtomicReference<StreamObserver<HeartbeatRequest>> self = new AtomicReference<>();
      StreamObserver<HeartbeatRequest> requests =
          IngestServiceGrpc.newStub(channel)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
              .heartbeat(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(HeartbeatResponse response) {
                      synchronized (ResendingAgent.this) {
                        buffer.headMap(response.getAckedThroughUnix(), true).clear();
                      }
                    }

                    @Override
                    public void onError(Throwable error) {
                      ended();
                    }

                    @Override
                    public void onCompleted() {
                      ended();
                    }

                    private void ended() {
                      ended.set(true);
                      StreamObserver<HeartbeatRequest> mine = self.get();
                      if (mine != null) {
                        stream.compareAndSet(mine, null);
                      }
                    }
                  });
      self.set(requests);
      synchronized (this) {
        reconnects++;
      }
      if (ended.get()) {
        Thread.sleep(200);
        return null;
      }
      stream.set(requests);
      return requests;
    }

    private void dropStream() {
      stream.set(null);
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void stopProducing() {
      producing.set(false);
    }

    void stop() {
      running.set(false);
      StreamObserver<HeartbeatRequest> requests = stream.getAndSet(null);
      if (requests != null) {
        requests.onCompleted();
      }
    }

    synchronized int unacknowledged() {
      return buffer.size();
    }

    synchronized int produced() {
      return produced.size();
    }

    synchronized List<Long> producedTimestamps() {
      return List.copyOf(produced);
    }

    synchronized int reconnects() {
      return reconnects;
    }
  }
}
