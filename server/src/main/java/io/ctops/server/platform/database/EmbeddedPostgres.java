package io.ctops.server.platform.database;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the bundled binaries, with its cluster in a directory of ours
 * ({@code <root>/data}) that survives restarts. It listens on 127.0.0.1 only, on a port chosen at
 * start (recorded by PostgreSQL in {@code postmaster.pid}, which is how admin commands find a
 * running server), and requires the superuser password kept in {@code <root>/superuser.password}.
 *
 * <p>PostgreSQL refuses to run as root. When we are root, every PostgreSQL program runs inside a
 * fresh user namespace ({@code unshare --user}): there its uid is the unprivileged overflow uid,
 * yet the kernel still checks file access as the real owner, so the cluster stays in root's data
 * dir with no extra system user and no chown.
 */
public final class EmbeddedPostgres implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  public static final String SUPERUSER = "postgres";

  private final Path installation;
  private final Path dataDir;
  private final Path logFile;
  private final int port;
  private final String password;
  private final boolean stopOnClose;

  private EmbeddedPostgres(
      Path installation,
      Path dataDir,
      Path logFile,
      int port,
      String password,
      boolean stopOnClose) {
    this.installation = installation;
    this.dataDir = dataDir;
    this.logFile = logFile;
    this.port = port;
    this.password = password;
    this.stopOnClose = stopOnClose;
  }

  /** How the cluster is tuned: durable for real data, fast for throw-away test clusters. */
  public enum Durability {
    DURABLE,
    THROWAWAY
  }

  /**
   * Starts the cluster in {@code root} (creating it on first use), or attaches to it when a
   * PostgreSQL from an earlier run of ours is still running there. {@code close()} stops it when
   * {@code stopOnClose} is set, or else only when this call started it.
   *
   * @param runtimeDir where the binaries are unpacked (shared by clusters of the same build)
   */
  public static EmbeddedPostgres start(
      Path root, Path runtimeDir, Durability durability, boolean stopOnClose) {
    return start(root, runtimeDir, durability, stopOnClose, 0);
  }

  /** As {@link #start(Path, Path, Durability, boolean)}, on a given port (0: any free one). */
  public static EmbeddedPostgres start(
      Path root, Path runtimeDir, Durability durability, boolean stopOnClose, int port) {
    try {
      Files.createDirectories(root);
      Path installation = PostgresBinaries.unpackInto(runtimeDir);
      String password = readOrCreatePassword(root.resolve("superuser.password"));
      Path dataDir = root.resolve("data");
      Path logFile = root.resolve("postgres.log");
      if (!Files.exists(dataDir.resolve("PG_VERSION"))) {
        initialise(installation, root, dataDir, durability);
      }
      requireSameMajorVersion(installation, dataDir);
      if (durability == Durability.DURABLE) {
        writeTuning(dataDir, totalMemoryBytes());
      }
      Optional<Integer> running = runningPort(root);
      if (running.isPresent()) {
        log.info("event=embedded_db_attached data_dir={} port={}", dataDir, running.get());
        return new EmbeddedPostgres(
            installation, dataDir, logFile, running.get(), password, stopOnClose);
      }
      int listening = startServer(installation, dataDir, logFile, port);
      log.info("event=embedded_db_started data_dir={} port={}", dataDir, listening);
      return new EmbeddedPostgres(installation, dataDir, logFile, listening, password, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + root, e);
    }
  }

  /**
   * The port of the PostgreSQL running on the cluster in {@code root}, if one is: read from its
   * {@code postmaster.pid} and checked against the live process.
   */
  public static Optional<Integer> runningPort(Path root) {
    Path pidFile = root.resolve("data").resolve("postmaster.pid");
    try {
      if (!Files.exists(pidFile)) {
        return Optional.empty();
      }
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
      if (lines.size() < 4) {
        return Optional.empty();
      }
      long pid = Long.parseLong(lines.get(0).strip());
      boolean alive =
          ProcessHandle.of(pid)
              .filter(ProcessHandle::isAlive)
              // A recycled pid of some other program is not our server.
              .map(
                  process -> process.info().command().map(c -> c.endsWith("postgres")).orElse(true))
              .orElse(false);
      return alive ? Optional.of(Integer.parseInt(lines.get(3).strip())) : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The superuser password of the cluster in {@code root}. */
  public static String readPassword(Path root) {
    try {
      return Files.readString(root.resolve("superuser.password"), StandardCharsets.US_ASCII)
          .strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the embedded database password in " + root, e);
    }
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  public int port() {
    return port;
  }

  public String password() {
    return password;
  }

  public Path dataDir() {
    return dataDir;
  }

  @Override
  public void close() {
    if (!stopOnClose) {
      return;
    }
    try {
      run(
          List.of(bin("pg_ctl"), "stop", "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "60"),
          Duration.ofSeconds(75));
      log.info("event=embedded_db_stopped data_dir={}", dataDir);
    } catch (RuntimeException e) {
      log.warn("event=embedded_db_stop_failed data_dir={} error={}", dataDir, e.getMessage());
    }
  }

  private String bin(String program) {
    return installation.resolve("bin").resolve(program).toString();
  }

  private static void initialise(Path installation, Path root, Path dataDir, Durability durability)
      throws IOException {
    // initdb into a scratch directory and rename, so a crash mid-way never leaves a half cluster
    // that the next start would mistake for a real one.
    Path scratch = root.resolve("data.initdb");
    PostgresBinaries.deleteTree(scratch);
    Path passwordFile = root.resolve("superuser.password");
    List<String> command =
        new ArrayList<>(
            List.of(
                installation.resolve("bin/initdb").toString(),
                "-D",
                scratch.toString(),
                "-U",
                SUPERUSER,
                "--auth=scram-sha-256",
                "--pwfile=" + passwordFile,
                "--encoding=UTF8",
                "--no-locale"));
    if (durability == Durability.THROWAWAY) {
      command.add("--no-sync");
    }
    run(command, Duration.ofMinutes(3));
    String settings =
        """

        # CT-Ops embedded cluster: loopback TCP only, no Unix socket.
        listen_addresses = '127.0.0.1'
        unix_socket_directories = ''
        max_connections = 200
        shared_buffers = 128MB
        """;
    if (durability == Durability.THROWAWAY) {
      settings +=
          """
          # Throw-away test cluster: durability traded for speed.
          fsync = off
          synchronous_commit = off
          full_page_writes = off
          """;
    }
    Files.writeString(
        scratch.resolve("postgresql.conf"),
        settings,
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    Files.move(scratch, dataDir);
  }

  /** The file, beside {@code postgresql.conf}, with the settings we size from this machine. */
  static final String TUNING_FILE = "ctops-tuning.conf";

  /**
   * Writes the settings sized from this machine into {@link #TUNING_FILE} and includes it from
   * {@code postgresql.conf} (once), so clusters created by earlier versions get them on their next
   * start too. {@code ALTER SYSTEM} still overrides them: PostgreSQL reads its auto file last.
   *
   * <p>Heartbeats rewrite every host's vitals row at a steady rate. With the defaults (128 MB of
   * buffers, 1 GB of WAL between checkpoints) a fleet of 100,000 hosts forced a checkpoint every
   * ~30 s, each rewriting full pages of the same hot tables into the WAL, and acknowledgement times
   * went from tens of milliseconds to seconds during them.
   */
  static void writeTuning(Path dataDir, long totalMemoryBytes) throws IOException {
    Files.writeString(
        dataDir.resolve(TUNING_FILE), tuning(totalMemoryBytes), StandardCharsets.UTF_8);
    Path conf = dataDir.resolve("postgresql.conf");
    String include = "include_if_exists = '" + TUNING_FILE + "'";
    if (!Files.readString(conf, StandardCharsets.UTF_8).contains(include)) {
      Files.writeString(
          conf,
          "\n# Sized by CT-Ops from this machine at every start (override with ALTER SYSTEM).\n"
              + include
              + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
    }
  }

  /** The tuning for a machine with this much memory: an eighth of it for buffers, 128 MB–2 GB. */
  static String tuning(long totalMemoryBytes) {
    long mebibyte = 1024L * 1024;
    long buffers = Math.clamp(totalMemoryBytes / 8 / mebibyte, 128, 2048);
    return String.format(
        """
        # Written by CT-Ops at every start; edits here are lost. Override with ALTER SYSTEM.
        shared_buffers = %dMB
        max_wal_size = 4GB
        min_wal_size = 256MB
        checkpoint_timeout = 15min
        """,
        buffers);
  }

  private static long totalMemoryBytes() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return 0;
  }

  private static void requireSameMajorVersion(Path installation, Path dataDir) throws IOException {
    String cluster = Files.readString(dataDir.resolve("PG_VERSION")).strip();
    String output = run(List.of(installation.resolve("bin/postgres").toString(), "-V"), null);
    // "postgres (PostgreSQL) 17.6"
    String version = output.strip().replaceAll("^.*\\) ", "");
    String major = version.split("\\.")[0];
    if (!major.equals(cluster)) {
      throw new IllegalStateException(
          "the database in "
              + dataDir
              + " was created by PostgreSQL "
              + cluster
              + " but this build ships PostgreSQL "
              + version
              + "; use a matching ctops version or migrate the data with pg_upgrade");
    }
  }

  private static int startServer(Path installation, Path dataDir, Path logFile, int wanted) {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < (wanted == 0 ? 3 : 1); attempt++) {
      int port = wanted == 0 ? freePort() : wanted;
      try {
        run(
            List.of(
                installation.resolve("bin/pg_ctl").toString(),
                "start",
                "-D",
                dataDir.toString(),
                "-l",
                logFile.toString(),
                "-w",
                "-t",
                Long.toString(START_TIMEOUT.toSeconds()),
                "-o",
                "-p " + port),
            START_TIMEOUT.plusSeconds(15));
        return port;
      } catch (IllegalStateException e) {
        // Most likely another process took the port between our probe and PostgreSQL's bind.
        last = e;
      }
    }
    throw new IllegalStateException(
        last.getMessage() + "\n--- " + logFile + " (last lines) ---\n" + tail(logFile), last);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free TCP port on 127.0.0.1", e);
    }
  }

  private static String readOrCreatePassword(Path file) throws IOException {
    if (Files.exists(file)) {
      return Files.readString(file, StandardCharsets.US_ASCII).strip();
    }
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    String password = HexFormat.of().formatHex(secret);
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(temporary);
    Files.createFile(
        temporary,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(temporary, password + "\n", StandardCharsets.US_ASCII);
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
    return password;
  }

  /** Runs a PostgreSQL program to completion and returns its output; throws with it on failure. */
  private static String run(List<String> command, Duration timeout) {
    List<String> full = new ArrayList<>();
    if (isRoot()) {
      full.addAll(List.of("unshare", "--user"));
    }
    full.addAll(command);
    ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true);
    builder.environment().put("LC_ALL", "C");
    builder.environment().remove("PGDATA");
    try {
      Path output = Files.createTempFile("ctops-pg-", ".out");
      try {
        builder.redirectOutput(output.toFile());
        Process process = builder.start();
        long seconds = timeout == null ? 60 : timeout.toSeconds();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException(
              "PostgreSQL command timed out after " + seconds + " s: " + String.join(" ", command));
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
          throw new IllegalStateException(
              "PostgreSQL command failed (exit "
                  + process.exitValue()
                  + "): "
                  + String.join(" ", command)
                  + "\n"
                  + text.strip());
        }
        return text;
      } finally {
        Files.deleteIfExists(output);
      }
    } catch (IOException e) {
      if (isRoot() && e.getMessage() != null && e.getMessage().contains("unshare")) {
        throw new IllegalStateException(
            "PostgreSQL refuses to run as root and 'unshare' (util-linux) is missing; install it,"
                + " run ctops as a regular user, or set DATABASE_URL",
            e);
      }
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command.get(0), e);
    }
  }

  private static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
