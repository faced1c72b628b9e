package io.ctops.loadtest;

import io.ctops.server.checks.CheckResultWriter;
import io.ctops.server.checks.IncomingResult;
import io.ctops.server.metrics.MetricPartitions;
import io.ctops.server.platform.config.DatabaseSettings;
import io.ctops.server.platform.database.Database;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;

/**
 * What storing check results costs: seeds HOSTS hosts (the host list benchmark's fleet) and CHECKS
 * checks on every host into a throw-away embedded PostgreSQL, then feeds the ingest's check result
 * writer as heartbeats would bring results (each host's results of a minute in two heartbeats,
 * about 1 % failing) as fast as it stores them, and prints for each measured window the results
 * stored per second and the CPU they took: the writer's threads and every PostgreSQL process, in
 * milliseconds per 1,000 results. The capacity target (100,000 agents running 5 checks a minute)
 * needs 8,333 results a second besides everything else the box does.
 *
 * <p>Usage: {@code CheckResultsBench [hosts] [checks] [seconds measured]}.
 */
public final class CheckResultsBench {
  private CheckResultsBench() {}

  public static void main(String[] args) throws Exception {
    int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int checks = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
    Path dataDir = Files.createTempDirectory("ctops-check-results-bench-");
    DatabaseSettings dbSettings =
        new DatabaseSettings(dataDir, Optional.empty(), dataDir.resolve("pg").resolve("runtime"));
    try (Database database = Database.open(dbSettings, Database.Access.EXCLUSIVE, "bench")) {
      Jdbi jdbi = database.jdbi();
      UUID org =
          jdbi.withHandle(
              h -> h.createQuery("SELECT id FROM organisations").mapTo(UUID.class).one());
      HostListBench.seed(database, org, hosts);
      new MetricPartitions(jdbi, "check_results", 7, Clock.systemUTC()).maintain();
      List<UUID> hostIds =
          jdbi.withHandle(h -> h.createQuery("SELECT id FROM hosts").mapTo(UUID.class).list());
      List<UUID> checkIds = new ArrayList<>();
      for (int i = 0; i < checks; i++) {
        int n = i;
        checkIds.add(
            jdbi.withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO checks (org_id, name, check_type, config,"
                                + " interval_seconds, selector) VALUES (:org, :name, 'port',"
                                + " '{\"port\": 22}', 60, '{\"kind\": \"all\"}') RETURNING id")
                        .bind("org", org)
                        .bind("name", "check " + n)
                        .mapTo(UUID.class)
                        .one()));
      }
      System.out.printf(
          "%,d hosts, %d checks on each; feeding the check result writer as heartbeats do%n",
          hosts, checks);
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      try (CheckResultWriter writer =
          new CheckResultWriter(jdbi, registry, 200_000, 5_000, Duration.ofMillis(5)).start()) {
        Feeder feeder = new Feeder(writer, org, hostIds, checkIds);
        Thread feeding = Thread.ofPlatform().name("feeder").daemon().start(feeder::run);
        // the first window fills check_states (inserts); the next ones are the steady state
        window("first results (every state inserted)", feeder, hosts * checks, 600);
        for (int i = 1; i <= 3; i++) {
          window("steady, window " + i, feeder, -1, seconds);
        }
        feeder.stop();
        feeding.join();
      }
    }
  }

  private static void window(String name, Feeder feeder, long untilStored, int seconds)
      throws IOException, InterruptedException {
    long storedBefore = feeder.stored.get();
    long writerCpuBefore = writerCpuNanos();
    long pgCpuBefore = postgresCpuTicks();
    long start = System.nanoTime();
    long deadline = start + Duration.ofSeconds(seconds).toNanos();
    while (System.nanoTime() < deadline
        && (untilStored < 0 || feeder.stored.get() - storedBefore < untilStored)) {
      Thread.sleep(200);
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long stored = feeder.stored.get() - storedBefore;
    double writerMs = (writerCpuNanos() - writerCpuBefore) / 1e6;
    double pgMs = (postgresCpuTicks() - pgCpuBefore) * 10.0;
    System.out.printf(
        "%-38s %,9d results in %5.1f s = %,7.0f/s; CPU per 1,000 results: writer %5.1f ms,"
            + " PostgreSQL %5.1f ms%n",
        name,
        stored,
        elapsed,
        stored / elapsed,
        writerMs * 1000 / Math.max(1, stored),
        pgMs * 1000 / Math.max(1, stored));
  }

  /** CPU time of the writer's threads in this JVM. */
  private static long writerCpuNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("check-result-")) {
        total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return total;
  }

  /** CPU ticks (1/100 s) of every PostgreSQL process on the machine: only ours runs here. */
  private static long postgresCpuTicks() throws IOException {
    long ticks = 0;
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String stat = Files.readString(proc.resolve("stat"));
          int close = stat.lastIndexOf(')');
          String comm = stat.substring(stat.indexOf('(') + 1, close);
          if (!comm.startsWith("postgres")) {
            continue;
          }
          String[] fields = stat.substring(close + 2).split(" ");
          ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException gone) {
          // the process ended meanwhile
        }
      }
    }
    return ticks;
  }

  /** Heartbeats' worth of results, each host's minute in two, sent as the writer takes them. */
  private static final class Feeder {
    private final CheckResultWriter writer;
    private final UUID org;
    private final List<UUID> hosts;
    private final List<UUID> checks;
    private final Random random = new Random(7);
    private final Semaphore inFlight = new Semaphore(20_000);
    private final AtomicLong stored = new AtomicLong();
    private volatile boolean running = true;

    Feeder(CheckResultWriter writer, UUID org, List<UUID> hosts, List<UUID> checks) {
      this.writer = writer;
      this.org = org;
      this.hosts = hosts;
      this.checks = checks;
    }

    void stop() {
      running = false;
    }

    void run() {
      Instant minute = Instant.now();
      while (running) {
        int half = checks.size() / 2;
        for (int part = 0; part < 2 && running; part++) {
          for (UUID host : hosts) {
            if (!running) {
              return;
            }
            List<IncomingResult> results = new ArrayList<>();
            for (int c = part == 0 ? 0 : half; c < (part == 0 ? half : checks.size()); c++) {
              boolean fails = random.nextInt(100) == 0;
              results.add(
                  new IncomingResult(
                      org,
                      host,
                      checks.get(c),
                      fails ? "fail" : "pass",
                      fails ? "connection refused" : "connected in " + random.nextInt(20) + " ms",
                      random.nextInt(20),
                      minute.plusMillis(c * 1000L + random.nextInt(500))));
            }
            send(results);
          }
        }
        minute = minute.plus(Duration.ofMinutes(1));
      }
    }

    private void send(List<IncomingResult> results) {
      inFlight.acquireUninterruptibly(results.size());
      CompletableFuture<Void> done = writer.offer(results).stored();
      done.whenComplete(
          (ok, error) -> {
            inFlight.release(results.size());
            if (error == null) {
              stored.addAndGet(results.size());
            }
          });
    }
  }
}
