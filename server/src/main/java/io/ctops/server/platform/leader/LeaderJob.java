package io.ctops.server.platform.leader;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job that runs on exactly one instance of all those sharing the database (alert evaluation,
 * sweeps, roll-ups): the instance holding a PostgreSQL session-level advisory lock named after the
 * job runs it every period, the others ask for the lock every {@code retryEvery}. The lock lives as
 * long as the holder's database session, so it moves when the holder stops or dies: the database
 * ends a dead process's session at once, and TCP keepalives on the session find a vanished host
 * within about 30 s. Before each run the holder checks its session still answers; if not, it has
 * lost the lock and stops running the job until it wins it again.
 */
public final class LeaderJob implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderJob.class);

  /** How long the holder waits for its session to answer before it counts the lock as lost. */
  private static final int CHECK_TIMEOUT_MILLIS = 10_000;

  private final DataSource dataSource;
  private final String name;
  private final long lockKey;
  private final Duration every;
  private final Duration retryEvery;
  private final Runnable job;
  private ScheduledExecutorService thread;
  private volatile Connection lockSession;
  private long lastRunNanos;

  /**
   * @param name names the lock: every instance running a job of this name competes for it
   * @param every how often the holder runs the job
   * @param retryEvery how often the others ask for the lock (at most the takeover delay)
   */
  public LeaderJob(
      DataSource dataSource, String name, Duration every, Duration retryEvery, Runnable job) {
    this.dataSource = dataSource;
    this.name = name;
    this.lockKey = lockKey(name);
    this.every = every;
    this.retryEvery = retryEvery;
    this.job = job;
  }

  /** Starts competing for the lock; returns this. */
  public LeaderJob start() {
    thread =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> Thread.ofPlatform().name("leader-" + name).daemon().unstarted(runnable));
    long tick = Math.min(every.toMillis(), retryEvery.toMillis());
    thread.scheduleWithFixedDelay(this::tick, 0, tick, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Whether this instance holds the lock (and so runs the job) right now. */
  public boolean isLeader() {
    return lockSession != null;
  }

  private void tick() {
    try {
      if (lockSession == null) {
        tryToLead();
        if (lockSession == null) {
          return;
        }
      } else if (!stillHeld()) {
        return;
      }
      if (lastRunNanos == 0 || System.nanoTime() - lastRunNanos >= every.toNanos()) {
        lastRunNanos = System.nanoTime();
        job.run();
      }
    } catch (RuntimeException e) {
      log.warn("event=leader_job_failed job={} error={}", name, e.toString());
    }
  }

  private void tryToLead() {
    Connection session = null;
    try {
      session = dataSource.getConnection();
      session.setAutoCommit(true);
      try (Statement statement = session.createStatement()) {
        // the database probes an idle lock session every 5 s after 10 s of silence and ends it
        // after 3 unanswered probes: a holder whose host vanished loses the lock in about 25 s
        statement.execute("SET tcp_keepalives_idle = 10");
        statement.execute("SET tcp_keepalives_interval = 5");
        statement.execute("SET tcp_keepalives_count = 3");
      }
      boolean won;
      try (PreparedStatement lock = session.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
        lock.setLong(1, lockKey);
        try (ResultSet rs = lock.executeQuery()) {
          rs.next();
          won = rs.getBoolean(1);
        }
      }
      if (won) {
        session.setNetworkTimeout(Runnable::run, CHECK_TIMEOUT_MILLIS);
        lockSession = session;
        lastRunNanos = 0;
        log.info("event=leader_elected job={}", name);
      } else {
        session.close();
      }
    } catch (SQLException e) {
      closeQuietly(session);
      log.debug("event=leader_lock_unavailable job={} error={}", name, e.toString());
    }
  }

  /** True while the lock's session answers; otherwise forgets the session (and the lock). */
  private boolean stillHeld() {
    try (Statement statement = lockSession.createStatement()) {
      statement.execute("SELECT 1");
      return true;
    } catch (SQLException e) {
      log.warn("event=leader_lost job={} error={}", name, e.toString());
      closeQuietly(lockSession);
      lockSession = null;
      return false;
    }
  }

  /** A stable 64-bit lock key for a job's name, the same on every instance and release. */
  static long lockKey(String name) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(("ct-ops leader " + name).getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  private static void closeQuietly(Connection connection) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException e) {
      // the session is gone already
    }
  }

  /**
   * Stops running the job and gives the lock up at once (a pooled session would otherwise keep it),
   * so another instance takes over at its next try.
   */
  @Override
  public void close() {
    if (thread != null) {
      thread.shutdownNow();
      try {
        thread.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Connection session = lockSession;
    lockSession = null;
    if (session != null) {
      try (PreparedStatement unlock = session.prepareStatement("SELECT pg_advisory_unlock(?)")) {
        unlock.setLong(1, lockKey);
        unlock.execute();
      } catch (SQLException e) {
        // the session is gone, and the lock with it
      }
      closeQuietly(session);
    }
  }
}
