package io.ctops.loadtest;

import io.ctops.agent.Agent;
import io.ctops.agent.config.AgentConfig;
import io.ctops.agent.tasks.TaskTypes;
import io.ctops.loadtest.run.LoadSettings;
import io.ctops.loadtest.run.LoadTest;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.PasswordHashing;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.Sessions;
import io.ctops.server.auth.Users;
import io.ctops.server.enrolment.EnrolmentTokens;
import io.ctops.server.metrics.PartitionMaintenance;
import io.ctops.server.orgs.Organisations;
import io.ctops.server.platform.config.DatabaseSettings;
import io.ctops.server.platform.config.IngestSettings;
import io.ctops.server.platform.config.WebSettings;
import io.ctops.server.platform.database.Database;
import io.ctops.server.platform.pki.DevelopmentCertificate;
import io.ctops.server.roles.IngestRole;
import io.ctops.server.roles.WebRole;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Terminals end to end on this machine, through their real path: a WebSocket client where the
 * browser would be → the web role → gRPC/TLS relay → the ingest role → the real agent's {@code
 * Terminal} stream → a shell on a pseudo-terminal, and back. Prints the keystroke round trip
 * (p50/p99 over KEYS keystrokes echoed by the shell), the output throughput of {@code cat} of a 50
 * MiB log and of 50 MiB of random base64 (recorded and not) with the heap used meanwhile, and how
 * long 100 concurrent sessions take to each answer a command, with the load tester's virtual agents
 * (default 10,000) heartbeating to the same ingest meanwhile. Everything runs in one JVM on a
 * throw-away embedded PostgreSQL.
 *
 * <p>Usage: {@code TerminalBench [keys] [sessions] [background agents]}.
 */
public final class TerminalBench {
  private static final Actor BENCH = Actor.system("terminal benchmark");
  private static final Pattern SESSION = Pattern.compile("\"session_id\":\"([^\"]+)\"");
  private static final Pattern TICKET = Pattern.compile("\"ticket\":\"([^\"]+)\"");

  private TerminalBench() {}

  public static void main(String[] args) throws Exception {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    int sessions = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int background = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
    Path dir = Files.createTempDirectory("ctops-terminal-bench-");
    Clock clock = Clock.systemUTC();
    DatabaseSettings dbSettings =
        new DatabaseSettings(dir, Optional.empty(), dir.resolve("pg").resolve("runtime"));
    Path certificate = dir.resolve("server.crt");
    Path key = dir.resolve("server.key");
    DevelopmentCertificate.create(Set.of("localhost")).writeTo(certificate, key);
    try (Database database = Database.open(dbSettings, Database.Access.EXCLUSIVE, "bench")) {
      UUID org = new Organisations(database.jdbi()).resolve(Optional.empty()).id();
      IngestSettings ingestSettings =
          new IngestSettings(
              "127.0.0.1",
              0,
              0,
              Optional.of(new IngestSettings.TlsFiles(certificate, key)),
              dir.resolve("jwt_key.pem"),
              dir.resolve("agent_ca.kek"),
              "http://localhost:3000",
              4 * 1024 * 1024,
              0,
              "localhost",
              Duration.ofMinutes(5),
              Duration.ofMinutes(30),
              50L * 1024 * 1024,
              Duration.ofDays(90));
      try (PartitionMaintenance partitions = PartitionMaintenance.start(database.jdbi(), 7, clock);
          IngestRole ingest =
              IngestRole.start(
                  ingestSettings,
                  ingestSettings.tls().orElseThrow(),
                  database,
                  new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                  clock,
                  IngestRole.Tuning.DEFAULT);
          WebRole web =
              WebRole.start(
                  new WebSettings(
                      "127.0.0.1",
                      0,
                      Optional.empty(),
                      Duration.ofHours(1),
                      "localhost:" + ingest.grpcPort(),
                      Optional.empty()),
                  database,
                  clock)) {
        String token =
            new EnrolmentTokens(database.jdbi(), clock)
                .create(
                    new EnrolmentTokens.TokenRequest(
                        org, "bench", true, Optional.empty(), Optional.empty()))
                .plainToken();
        AgentConfig loaded =
            AgentConfig.load(
                Optional.empty(),
                java.util.Map.of(
                    "CT_OPS_INGEST_ADDRESS",
                    "localhost:" + ingest.grpcPort(),
                    "CT_OPS_INGEST_CA_CERT",
                    certificate.toString(),
                    "CT_OPS_ORG_TOKEN",
                    token,
                    "CT_OPS_DATA_DIR",
                    dir.resolve("agent").toString(),
                    "CT_OPS_TERMINAL_ALLOW_ROOT",
                    "true"));
        Agent agent = new Agent(loaded, clock, "bench", TaskTypes.standard());
        Thread.ofPlatform().daemon().start(agent::run);
        UUID host = awaitOnline(database);
        UUID admin =
            ((Users.Creation.Created)
                    new Users(database.jdbi(), new PasswordHashing(), clock)
                        .create(
                            org,
                            new Users.NewUser(
                                "admin@example.com", null, "benchmark password", Role.ORG_ADMIN),
                            BENCH))
                .user()
                .id();
        String cookie =
            new Sessions(database.jdbi(), clock, Duration.ofHours(1)).start(admin, "127.0.0.1");
        String csrf =
            new Sessions(database.jdbi(), clock, Duration.ofHours(1))
                .find(cookie)
                .orElseThrow()
                .csrfToken();
        Client client = new Client("127.0.0.1:" + web.port(), host, cookie, csrf);
        LoadTest load =
            background > 0 ? background(ingest.grpcPort(), certificate, token, background) : null;
        if (load != null) {
          awaitOnline(database, background + 1);
          System.out.printf("%,d load tester agents heartbeating in the background%n", background);
        }

        roundTrips(client, keys);
        Path log = fiftyMiBOfLog(dir);
        Path random = fiftyMiB(dir);
        throughputs(client, database, log, random);
        concurrent(client, sessions);
        System.out.println("done");
        if (load != null) {
          load.stopAndAwaitSummary(Duration.ofSeconds(30));
        }
        agent.close();
      }
    }
  }

  /** The load tester's virtual agents, heartbeating every 30 s until stopped. */
  private static LoadTest background(int port, Path certificate, String token, int agents) {
    LoadTest load =
        new LoadTest(
            new LoadSettings(
                "localhost",
                port,
                token,
                agents,
                Duration.ofSeconds(Math.max(10, agents / 500)),
                Duration.ZERO,
                Duration.ofSeconds(30),
                Optional.of(certificate),
                false,
                50,
                32,
                "terminal",
                "background",
                0.1,
                Optional.empty(),
                Duration.ofMinutes(10),
                10,
                16,
                Optional.empty(),
                Optional.empty()),
            new PrintWriter(OutputStream.nullOutputStream(), true));
    Thread.ofPlatform()
        .daemon()
        .name("background-agents")
        .start(
            () -> {
              try {
                load.run();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    return load;
  }

  private static void awaitOnline(Database database, int hosts) throws InterruptedException {
    for (int i = 0; i < 6000; i++) {
      int online =
          database
              .jdbi()
              .withHandle(
                  h ->
                      h.createQuery("SELECT count(*) FROM hosts WHERE status = 'online'")
                          .mapTo(Integer.class)
                          .one());
      if (online >= hosts) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("fewer than " + hosts + " hosts came online");
  }

  private static UUID awaitOnline(Database database) throws InterruptedException {
    for (int i = 0; i < 600; i++) {
      Optional<UUID> host =
          database
              .jdbi()
              .withHandle(
                  h ->
                      h.createQuery("SELECT id FROM hosts WHERE status = 'online'")
                          .mapTo(UUID.class)
                          .findFirst());
      if (host.isPresent()) {
        return host.get();
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the agent did not come online");
  }

  private static void roundTrips(Client client, int keys) throws Exception {
    Terminal term = client.open();
    term.awaitOutput("#", Duration.ofSeconds(10));
    // warm up, then one keystroke at a time: each waits for the shell's echo of it
    List<Long> nanos = new ArrayList<>();
    for (int i = 0; i < keys + 50; i++) {
      int before = term.size();
      long start = System.nanoTime();
      term.send("x");
      term.awaitSize(before + 1, Duration.ofSeconds(5));
      if (i >= 50) {
        nanos.add(System.nanoTime() - start);
      }
      if (i % 50 == 49) {
        term.send("\u0015"); // Ctrl-U: the line starts again
        Thread.sleep(50);
      }
    }
    nanos.sort(Long::compare);
    System.out.printf(
        "keystroke round trip (%d keys): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
        nanos.size(),
        nanos.get(nanos.size() / 2) / 1e6,
        nanos.get((int) (nanos.size() * 0.99)) / 1e6,
        nanos.getLast() / 1e6);
    term.close();
  }

  /** A 50 MiB text file: lines of base64 of random bytes. */
  private static Path fiftyMiB(Path dir) throws Exception {
    Path file = dir.resolve("fifty.txt");
    byte[] random = new byte[3 * 1024 * 1024 / 4 * 3];
    new Random(42).nextBytes(random);
    String line = Base64.getMimeEncoder().encodeToString(random) + "\n";
    try (var out = Files.newBufferedWriter(file)) {
      long written = 0;
      while (written < 50L * 1024 * 1024) {
        out.write(line);
        written += line.length();
      }
    }
    return file;
  }

  /**
   * A 50 MiB log as a user would cat one: syslog-like lines whose times, hosts, processes, users,
   * addresses and key fingerprints vary (deflate takes it to about a sixth; random base64 is the
   * worst case for the recording).
   */
  private static Path fiftyMiBOfLog(Path dir) throws Exception {
    Path file = dir.resolve("fifty.log");
    Random random = new Random(7);
    String[] programs = {"sshd", "cron", "kernel", "systemd", "nginx", "postgres"};
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    long micros = 1_764_633_600_000_000L;
    try (var out = Files.newBufferedWriter(file)) {
      long written = 0;
      StringBuilder line = new StringBuilder(200);
      while (written < 50L * 1024 * 1024) {
        micros += random.nextInt(20_000);
        line.setLength(0);
        line.append(java.time.Instant.ofEpochSecond(micros / 1_000_000, micros % 1_000_000 * 1000))
            .append(" web-")
            .append(String.format("%03d", random.nextInt(200)))
            .append(' ')
            .append(programs[random.nextInt(programs.length)])
            .append('[')
            .append(1000 + random.nextInt(60_000))
            .append("]: Accepted publickey for user")
            .append(random.nextInt(50))
            .append(" from 10.")
            .append(random.nextInt(256))
            .append('.')
            .append(random.nextInt(256))
            .append('.')
            .append(random.nextInt(256))
            .append(" port ")
            .append(1024 + random.nextInt(64_000))
            .append(" ssh2: ED25519 SHA256:");
        for (int i = 0; i < 43; i++) {
          line.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        line.append('\n');
        out.append(line);
        written += line.length();
      }
    }
    return file;
  }

  /** How many times each cat is measured; the medians are reported. */
  private static final int ROUNDS = 3;

  /**
   * Each file recorded and not, in alternating rounds after one unmeasured cat that compiles the
   * path (the first cat of a run was the slowest whichever came first), and the medians: the shared
   * machine's noise spreads over all four rather than landing on one.
   */
  private static void throughputs(Client client, Database database, Path log, Path random)
      throws Exception {
    throughput(client, random, "warm-up, not counted");
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    for (int round = 1; round <= ROUNDS; round++) {
      for (boolean recorded : new boolean[] {true, false}) {
        database
            .jdbi()
            .useHandle(
                h ->
                    h.createUpdate("UPDATE organisations SET terminal_recording = :on")
                        .bind("on", recorded)
                        .execute());
        String how = recorded ? "recorded" : "not recorded";
        rates
            .computeIfAbsent("log lines, " + how, k -> new ArrayList<>())
            .add(throughput(client, log, "log lines, " + how + ", round " + round));
        rates
            .computeIfAbsent("base64 of random bytes, " + how, k -> new ArrayList<>())
            .add(throughput(client, random, "base64 of random bytes, " + how + ", round " + round));
      }
    }
    System.out.printf("cat throughput, median of %d rounds:%n", ROUNDS);
    rates.forEach((what, list) -> System.out.printf("  %-38s %5.1f MiB/s%n", what, median(list)));
    for (String file : List.of("log lines", "base64 of random bytes")) {
      System.out.printf(
          "  %-38s %5.2f%n",
          file + ": recorded / not recorded",
          median(rates.get(file + ", recorded")) / median(rates.get(file + ", not recorded")));
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** One cat of the file; returns MiB per second received. */
  private static double throughput(Client client, Path file, String recording) throws Exception {
    long size = Files.size(file);
    Terminal term = client.open();
    term.awaitOutput("#", Duration.ofSeconds(10));
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long heapBefore = memory.getHeapMemoryUsage().getUsed();
    term.countOnly();
    int before = term.size();
    long start = System.nanoTime();
    term.send("cat " + file + "; echo DONE-\"MARK\"\n");
    long maxHeap = 0;
    long liveBefore = liveHeap();
    long maxLive = liveBefore;
    while (!term.tailContains("DONE-MARK")) {
      maxHeap = Math.max(maxHeap, memory.getHeapMemoryUsage().getUsed());
      maxLive = Math.max(maxLive, liveHeap());
      Thread.sleep(20);
      if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(5)) {
        throw new IllegalStateException("cat did not finish within 5 minutes");
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long received = term.size() - before;
    System.out.printf(
        "cat of %.1f MiB (%s): %.1f MiB received in %.2f s = %.1f MiB/s;"
            + " heap used %d MiB before, at most %d MiB during;"
            + " live after GC %d MiB before, at most %d MiB during%n",
        size / 1048576.0,
        recording,
        received / 1048576.0,
        seconds,
        received / 1048576.0 / seconds,
        heapBefore / 1048576,
        maxHeap / 1048576,
        liveBefore / 1048576,
        maxLive / 1048576);
    term.close();
    return received / 1048576.0 / seconds;
  }

  /** The heap in use after the last collection: what is live, not garbage awaiting the next. */
  private static long liveHeap() {
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
        used += pool.getCollectionUsage().getUsed();
      }
    }
    return used;
  }

  private static void concurrent(Client client, int count) throws Exception {
    long start = System.nanoTime();
    List<Terminal> terms = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      terms.add(client.open());
    }
    int answered = 0;
    List<String> ended = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      try {
        terms.get(i).send("echo ready-$((" + i + "+1000))\n");
      } catch (RuntimeException closed) {
        // the server ended this session before the command: counted, with its reason, below
      }
    }
    for (int i = 0; i < count; i++) {
      if (terms.get(i).awaitOutput("ready-" + (i + 1000), Duration.ofSeconds(60))) {
        answered++;
      } else {
        ended.add(terms.get(i).closeReason());
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "%d concurrent sessions: %d answered their command, all within %.2f s of opening%s%n",
        count, answered, seconds, ended.isEmpty() ? "" : "; the others ended: " + ended);
    for (Terminal term : terms) {
      try {
        term.close();
      } catch (RuntimeException alreadyClosed) {
        // ended by the server
      }
    }
  }

  /** A browser's part: opens sessions through the web role's page routes and WebSocket. */
  private record Client(String authority, UUID host, String cookie, String csrf) {
    Terminal open() throws Exception {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> opened =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://"
                              + authority
                              + "/hosts/"
                              + host
                              + "/terminal/sessions"
                              + "?cols=200&rows=50"))
                  .header("Cookie", "ctops_session=" + cookie)
                  .header("X-CSRF-Token", csrf)
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (opened.statusCode() != 201) {
        throw new IllegalStateException("opening a session: " + opened.body());
      }
      Matcher session = SESSION.matcher(opened.body());
      Matcher ticket = TICKET.matcher(opened.body());
      if (!session.find() || !ticket.find()) {
        throw new IllegalStateException("unexpected answer: " + opened.body());
      }
      Terminal term = new Terminal();
      term.socket =
          http.newWebSocketBuilder()
              .header("Cookie", "ctops_session=" + cookie)
              .header("Origin", "http://" + authority)
              .buildAsync(
                  URI.create(
                      "ws://"
                          + authority
                          + "/hosts/"
                          + host
                          + "/terminal/ws?session="
                          + session.group(1)
                          + "&ticket="
                          + ticket.group(1)
                          + "&cols=200&rows=50"),
                  term)
              .get(30, TimeUnit.SECONDS);
      return term;
    }
  }

  /** One session's WebSocket: what it received (the bytes, or only how many), sends keys. */
  private static final class Terminal implements WebSocket.Listener {
    WebSocket socket;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private byte[] tail = new byte[0];
    private long count;
    private boolean countOnly;
    private final CountDownLatch closed = new CountDownLatch(1);

    synchronized int size() {
      return (int) count;
    }

    synchronized void countOnly() {
      countOnly = true;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      synchronized (this) {
        count += bytes.length;
        if (!countOnly) {
          output.writeBytes(bytes);
        }
        byte[] joined = new byte[Math.min(256, tail.length + bytes.length)];
        byte[] all = new byte[tail.length + bytes.length];
        System.arraycopy(tail, 0, all, 0, tail.length);
        System.arraycopy(bytes, 0, all, tail.length, bytes.length);
        System.arraycopy(all, all.length - joined.length, joined, 0, joined.length);
        tail = joined;
        notifyAll();
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      lastText = data.toString();
      webSocket.request(1);
      return null;
    }

    private volatile String closeReason = "still open";
    // the last status message of the server's (JSON), shown with a session that did not answer
    private volatile String lastText = "";

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closeReason = statusCode + " " + reason;
      closed.countDown();
      synchronized (this) {
        notifyAll();
      }
      return null;
    }

    String closeReason() {
      return closeReason + (lastText.isEmpty() ? "" : " (last message: " + lastText + ")");
    }

    synchronized boolean tailContains(String text) {
      return new String(tail, StandardCharsets.UTF_8).contains(text);
    }

    void send(String keys) {
      socket.sendBinary(ByteBuffer.wrap(keys.getBytes(StandardCharsets.UTF_8)), true).join();
    }

    synchronized void awaitSize(int size, Duration timeout) throws InterruptedException {
      long until = System.nanoTime() + timeout.toNanos();
      while (count < size) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("no echo within " + timeout);
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    synchronized boolean awaitOutput(String text, Duration timeout) throws InterruptedException {
      long until = System.nanoTime() + timeout.toNanos();
      while (!output.toString(StandardCharsets.UTF_8).contains(text)) {
        long left = until - System.nanoTime();
        if (left <= 0 || closed.getCount() == 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }

    void close() throws InterruptedException {
      socket.sendText("{\"close\": true}", true).join();
      closed.await(10, TimeUnit.SECONDS);
    }
  }
}
