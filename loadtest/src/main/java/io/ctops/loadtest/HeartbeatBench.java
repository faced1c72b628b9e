package io.ctops.loadtest;

import io.ctops.protocol.v1.AgentInfo;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.PlatformInfo;
import io.ctops.protocol.v1.RegisterRequest;
import io.ctops.protocol.v1.RegisterResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A first heartbeat benchmark: registers N agents with an auto-approve token, opens one heartbeat
 * stream each over TLS, sends a heartbeat per agent every interval, and reports heartbeats per
 * second and the time from sending a heartbeat to receiving its acknowledgement (which ingest sends
 * once the sample is committed).
 *
 * <p>Usage: {@code HeartbeatBench --address host:port --ca-cert FILE --token TOKEN [--agents 100]
 * [--interval 1s] [--duration 30s] [--warmup 5s] [--agents-per-connection 50]}
 */
public final class HeartbeatBench {
  private final Map<String, String> options;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final ConcurrentLinkedQueue<Long> latenciesNanos = new ConcurrentLinkedQueue<>();
  private volatile boolean measuring;

  private HeartbeatBench(Map<String, String> options) {
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    for (String required : List.of("address", "ca-cert", "token")) {
      if (!options.containsKey(required)) {
        System.err.println("missing --" + required);
        System.exit(2);
      }
    }
    new HeartbeatBench(options).run();
    System.exit(0);
  }

  private void run() throws Exception {
    int agents = Integer.parseInt(options.getOrDefault("agents", "100"));
    Duration interval = duration(options.getOrDefault("interval", "1s"));
    Duration duration = duration(options.getOrDefault("duration", "30s"));
    Duration warmup = duration(options.getOrDefault("warmup", "5s"));
    int perConnection = Integer.parseInt(options.getOrDefault("agents-per-connection", "50"));
    String[] address = options.get("address").split(":");
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < (agents + perConnection - 1) / perConnection; i++) {
      channels.add(
          NettyChannelBuilder.forAddress(address[0], Integer.parseInt(address[1]))
              .sslContext(
                  GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                      .trustManager(new File(options.get("ca-cert")))
                      .build())
              .build());
    }
    String run = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    List<String> jwts = register(agents, channels, run);
    ScheduledExecutorService ticker = Executors.newScheduledThreadPool(2);
    List<Agent> streams = new ArrayList<>();
    for (int i = 0; i < agents; i++) {
      Agent agent = new Agent(channels.get(i / perConnection), jwts.get(i));
      streams.add(agent);
      long offset = ThreadLocalRandom.current().nextLong(interval.toMillis());
      ticker.scheduleAtFixedRate(agent::beat, offset, interval.toMillis(), TimeUnit.MILLISECONDS);
    }
    Thread.sleep(warmup.toMillis());
    long sentBefore = sent.get();
    long ackedBefore = acknowledged.get();
    long failuresBefore = failures.get();
    latenciesNanos.clear();
    measuring = true;
    long started = System.nanoTime();
    Thread.sleep(duration.toMillis());
    measuring = false;
    double seconds = (System.nanoTime() - started) / 1e9;
    ticker.shutdownNow();
    streams.forEach(Agent::close);
    long[] latencies = latenciesNanos.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf(
        "agents=%d interval=%s duration=%.0fs sent=%d acknowledged=%d failures=%d"
            + " heartbeats_per_s=%.0f ack_p50_ms=%.1f ack_p90_ms=%.1f ack_p99_ms=%.1f"
            + " ack_max_ms=%.1f%n",
        agents,
        options.getOrDefault("interval", "1s"),
        seconds,
        sent.get() - sentBefore,
        acknowledged.get() - ackedBefore,
        failures.get() - failuresBefore,
        (acknowledged.get() - ackedBefore) / seconds,
        percentile(latencies, 0.50),
        percentile(latencies, 0.90),
        percentile(latencies, 0.99),
        latencies.length == 0 ? 0 : latencies[latencies.length - 1] / 1e6);
    channels.forEach(ManagedChannel::shutdownNow);
  }

  private List<String> register(int agents, List<ManagedChannel> channels, String run)
      throws Exception {
    String[] jwts = new String[agents];
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch done = new CountDownLatch(agents);
    KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
    for (int i = 0; i < agents; i++) {
      int n = i;
      byte[] publicKey = generator.generateKeyPair().getPublic().getEncoded();
      pool.execute(
          () -> {
            try {
              RegisterResponse response =
                  IngestServiceGrpc.newBlockingStub(channels.get(n % channels.size()))
                      .withDeadlineAfter(60, TimeUnit.SECONDS)
                      .register(
                          RegisterRequest.newBuilder()
                              .setOrgToken(options.get("token"))
                              .setPublicKey(pem(publicKey))
                              .setPlatformInfo(
                                  PlatformInfo.newBuilder().setOs("linux").setArch("amd64"))
                              .setAgentInfo(
                                  AgentInfo.newBuilder()
                                      .setHostname("bench-" + run + "-" + n)
                                      .setVersion("0.0.0-bench"))
                              .build());
              if (!response.getStatus().equals("active")) {
                throw new IllegalStateException(
                    "agent is " + response.getStatus() + ": the token must be auto-approve");
              }
              jwts[n] = response.getJwtToken();
            } catch (RuntimeException e) {
              System.err.println("registration failed: " + e.getMessage());
              System.exit(1);
            } finally {
              done.countDown();
            }
          });
    }
    done.await();
    pool.shutdown();
    return Arrays.asList(jwts);
  }

  private static String pem(byte[] subjectPublicKeyInfo) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(subjectPublicKeyInfo)
        + "\n-----END PUBLIC KEY-----\n";
  }

  private static double percentile(long[] sorted, double quantile) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }

  private static Duration duration(String text) {
    String number = text.replaceAll("[a-z]+$", "");
    return switch (text.substring(number.length())) {
      case "ms" -> Duration.ofMillis(Long.parseLong(number));
      case "s" -> Duration.ofSeconds(Long.parseLong(number));
      case "m" -> Duration.ofMinutes(Long.parseLong(number));
      default -> throw new IllegalArgumentException("bad duration " + text);
    };
  }

  /** One virtual agent: a stream, and the send times of heartbeats not yet acknowledged. */
  private final class Agent {
    private final StreamObserver<HeartbeatRequest> requests;
    private final ArrayDeque<Long> inFlight = new ArrayDeque<>();
    private long timestamp = Instant.now().getEpochSecond() - 86_000;

    Agent(ManagedChannel channel, String jwt) {
      Metadata metadata = new Metadata();
      metadata.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + jwt);
      requests =
          IngestServiceGrpc.newStub(channel)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
              .heartbeat(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(HeartbeatResponse response) {
                      Long sentAt;
                      synchronized (Agent.this) {
                        sentAt = inFlight.poll();
                      }
                      if (sentAt != null) {
                        acknowledged.incrementAndGet();
                        if (measuring) {
                          latenciesNanos.add(System.nanoTime() - sentAt);
                        }
                      }
                    }

                    @Override
                    public void onError(Throwable error) {
                      failures.incrementAndGet();
                    }

                    @Override
                    public void onCompleted() {}
                  });
    }

    void beat() {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      HeartbeatRequest request =
          HeartbeatRequest.newBuilder()
              .setCpuPercent(random.nextFloat() * 100)
              .setMemoryPercent(random.nextFloat() * 100)
              .setDiskPercent(random.nextFloat() * 100)
              .setUptimeSeconds(1000)
              .setTimestampUnix(++timestamp)
              .setAgentVersion("0.0.0-bench")
              .build();
      synchronized (this) {
        inFlight.add(System.nanoTime());
      }
      sent.incrementAndGet();
      requests.onNext(request);
    }

    void close() {
      try {
        requests.onCompleted();
      } catch (RuntimeException ignored) {
        // already ended
      }
    }
  }
}
