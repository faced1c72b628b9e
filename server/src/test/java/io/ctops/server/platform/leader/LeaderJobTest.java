package io.ctops.server.platform.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two instances of one job on one real database: exactly one runs it; when the holder's session is
 * killed (what the database sees of a process that died) the other takes over, and the old holder
 * stops running it; closing the holder hands over too.
 */
@ExtendWith(FreshDatabase.class)
class LeaderJobTest {
  private static final Duration EVERY = Duration.ofMillis(100);
  private static final Duration RETRY = Duration.ofMillis(200);

  private Database database;
  private Jdbi jdbi;
  private final AtomicInteger runsOfA = new AtomicInteger();
  private final AtomicInteger runsOfB = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger overlaps = new AtomicInteger();
  private LeaderJob a;
  private LeaderJob b;

  @BeforeEach
  void start(Database database) {
    this.database = database;
    this.jdbi = database.jdbi();
    a = new LeaderJob(database.dataSource(), "test job", EVERY, RETRY, () -> run(runsOfA));
    b = new LeaderJob(database.dataSource(), "test job", EVERY, RETRY, () -> run(runsOfB));
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
  }

  private void run(AtomicInteger runs) {
    if (running.incrementAndGet() > 1) {
      overlaps.incrementAndGet();
    }
    runs.incrementAndGet();
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      running.decrementAndGet();
    }
  }

  @Test
  void exactlyOneInstanceRunsTheJobAndAnotherTakesOverWhenTheHoldersSessionDies() {
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> runsOfA.get() >= 3);
    b.start();
    sleep(1_000);
    assertThat(a.isLeader()).isTrue();
    assertThat(b.isLeader()).isFalse();
    assertThat(runsOfB.get()).as("the other instance waits").isZero();

    // the holder's process dies: the database ends its session, and with it the lock
    int killed =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_locks"
                            + " WHERE locktype = 'advisory' AND granted")
                    .mapTo(Integer.class)
                    .one());
    assertThat(killed).isEqualTo(1);

    await("takeover").atMost(Duration.ofSeconds(10)).until(() -> runsOfB.get() >= 3);
    await("the old holder knows").atMost(Duration.ofSeconds(10)).until(() -> !a.isLeader());
    int runsOfAAfter = runsOfA.get();
    sleep(1_000);
    assertThat(runsOfA.get()).as("the old holder runs it no more").isEqualTo(runsOfAAfter);
    assertThat(b.isLeader()).isTrue();
    assertThat(overlaps.get()).isZero();
  }

  @Test
  void closingTheHolderHandsTheJobOverAtOnce() {
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(a::isLeader);
    b.start();
    sleep(500);
    assertThat(b.isLeader()).isFalse();

    a.close();

    await().atMost(Duration.ofSeconds(5)).until(() -> b.isLeader() && runsOfB.get() >= 1);
    int held =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
                    .mapTo(Integer.class)
                    .one());
    assertThat(held).isEqualTo(1);
  }

  @Test
  void theHolderRunsTheJobOncePerPeriodWhateverItsRetryPeriod() {
    LeaderJob slow =
        new LeaderJob(
            database.dataSource(),
            "slow job",
            Duration.ofSeconds(1),
            Duration.ofMillis(100),
            () -> run(runsOfA));
    try {
      slow.start();
      sleep(3_500);
      assertThat(runsOfA.get()).as("runs at 0, 1, 2 and 3 s").isBetween(3, 5);
    } finally {
      slow.close();
    }
  }

  @Test
  void jobsOfDifferentNamesHoldDifferentLocks() {
    assertThat(LeaderJob.lockKey("alert evaluation")).isNotEqualTo(LeaderJob.lockKey("sweep"));
    assertThat(LeaderJob.lockKey("sweep")).isEqualTo(LeaderJob.lockKey("sweep"));
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
