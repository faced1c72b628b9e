package io.ctops.server.alerts.notify;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the outbox, at least once. Every {@link #POLL} it claims due messages (FOR UPDATE SKIP
 * LOCKED, so any number of instances share the work) and sends them on a small pool, at most one
 * message per channel at a time: a receiver that hangs holds one thread for one request timeout and
 * no other channel waits for it. A claim lasts {@code lease}; a row whose claimant died is due
 * again when it lapses, so a message being sent when an instance stops is sent again, never lost.
 * Every attempt is logged in {@code notification_deliveries}.
 */
final class OutboxWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutboxWorker.class);
  static final Duration POLL = Duration.ofSeconds(1);
  static final Duration DEFAULT_LEASE = Duration.ofMinutes(1);
  static final int DEFAULT_THREADS = 8;

  private final Jdbi jdbi;
  private final Delivery delivery;
  private final Clock clock;
  private final Duration lease;
  private final int threads;
  private final String me = "worker-" + UUID.randomUUID();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ExecutorService pool;
  private ScheduledExecutorService poller;

  OutboxWorker(Jdbi jdbi, Delivery delivery, Clock clock, Duration lease, int threads) {
    this.jdbi = jdbi;
    this.delivery = delivery;
    this.clock = clock;
    this.lease = lease;
    this.threads = threads;
    this.pool =
        Executors.newFixedThreadPool(
            threads, r -> Thread.ofPlatform().name("notify-send").daemon().unstarted(r));
  }

  /** A message claimed for sending. */
  record Claimed(
      long id,
      UUID orgId,
      UUID channelId,
      String event,
      String payload,
      int attempt,
      Instant createdAt) {}

  OutboxWorker start() {
    poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("notify-outbox").daemon().unstarted(r));
    poller.scheduleWithFixedDelay(
        this::poll, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private void poll() {
    try {
      submitDue();
    } catch (RuntimeException e) {
      log.warn("event=outbox_poll_failed error={}", e.toString());
    }
  }

  /** Claims what is due and free threads can take, and hands it to the pool; returns at once. */
  List<Future<?>> submitDue() {
    int free = threads - inFlight.get();
    List<Future<?>> sends = new ArrayList<>();
    if (free <= 0) {
      return sends;
    }
    for (Claimed row : claim(free)) {
      inFlight.incrementAndGet();
      sends.add(
          pool.submit(
              () -> {
                try {
                  send(row);
                } catch (RuntimeException e) {
                  // the row stays claimed; it is tried again when the claim lapses
                  log.warn(
                      "event=notification_send_failed outbox_id={} error={}",
                      row.id(),
                      e.toString());
                } finally {
                  inFlight.decrementAndGet();
                  // the channel is free again: its next message goes now, not at the next poll
                  // (a burst of rules on one channel would otherwise drain one per second)
                  nextNow();
                }
              }));
    }
    return sends;
  }

  private void nextNow() {
    ScheduledExecutorService running = poller;
    if (running != null) {
      try {
        running.execute(this::poll);
      } catch (java.util.concurrent.RejectedExecutionException closing) {
        // stopping: the next start, or another instance, sends it
      }
    }
  }

  /** Sends everything due now and waits for the attempts to end (tests; the poller never waits). */
  int deliverDue() {
    List<Future<?>> sends = submitDue();
    for (Future<?> send : sends) {
      try {
        send.get();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    return sends.size();
  }

  /**
   * Claims up to {@code limit} due messages, the oldest of each channel that has none in flight.
   * The lock's own conditions are checked again on the row as it is now, so two instances never
   * hold the same claim.
   */
  List<Claimed> claim(int limit) {
    Instant now = clock.instant();
    return jdbi.inTransaction(
        handle ->
            handle
                .createQuery(
                    """
                    UPDATE notification_outbox o
                    SET claimed_by = :me, claimed_until = :until, attempts = o.attempts + 1
                    FROM (
                        SELECT id FROM notification_outbox
                        WHERE id IN (
                            SELECT DISTINCT ON (p.channel_id) p.id
                            FROM notification_outbox p
                            WHERE p.state = 'pending' AND p.next_attempt_at <= :now
                              AND NOT EXISTS (
                                  SELECT 1 FROM notification_outbox q
                                  WHERE q.channel_id = p.channel_id AND q.state = 'pending'
                                    AND q.claimed_until > :now)
                            ORDER BY p.channel_id, p.next_attempt_at, p.id)
                          AND state = 'pending' AND next_attempt_at <= :now
                          AND (claimed_until IS NULL OR claimed_until <= :now)
                        ORDER BY next_attempt_at, id
                        LIMIT :limit
                        FOR UPDATE SKIP LOCKED) due
                    WHERE o.id = due.id
                    RETURNING o.id, o.org_id, o.channel_id, o.event, o.payload, o.attempts,
                              o.created_at
                    """)
                .bind("me", me)
                .bind("now", Timestamp.from(now))
                .bind("until", Timestamp.from(now.plus(lease)))
                .bind("limit", limit)
                .map(
                    (rs, ctx) ->
                        new Claimed(
                            rs.getLong("id"),
                            rs.getObject("org_id", UUID.class),
                            rs.getObject("channel_id", UUID.class),
                            rs.getString("event"),
                            rs.getString("payload"),
                            rs.getInt("attempts"),
                            rs.getTimestamp("created_at").toInstant()))
                .list());
  }

  private void send(Claimed row) {
    Optional<StoredChannel> channel =
        jdbi.withHandle(handle -> StoredChannel.find(handle, row.orgId(), row.channelId()));
    if (channel.isEmpty()) {
      return; // deleted meanwhile: its outbox rows went with it
    }
    if (!channel.get().enabled()) {
      // disabled after the message was queued: an admin turned it off, so it is not retried
      record(row, DeliveryOutcome.failed("the channel is disabled", Duration.ZERO), true);
      return;
    }
    DeliveryOutcome outcome;
    try {
      outcome = delivery.send(row.orgId(), channel.get().channel(), row.payload());
    } catch (Delivery.Interrupted e) {
      return;
    }
    record(row, outcome, false);
  }

  /**
   * The attempt's end: sent, retried later, or given up (after a day, or at once when {@code
   * giveUp}); and its log line.
   */
  private void record(Claimed row, DeliveryOutcome outcome, boolean giveUp) {
    Instant now = clock.instant();
    String state;
    Instant next = now;
    if (outcome.delivered()) {
      state = "sent";
    } else if (giveUp || !now.isBefore(row.createdAt().plus(Backoff.GIVE_UP_AFTER))) {
      state = "given_up";
    } else {
      state = "pending";
      next = now.plus(Backoff.after(row.attempt()));
    }
    String finalState = state;
    Instant nextAttempt = next;
    jdbi.useTransaction(
        handle -> {
          handle
              .createUpdate(
                  """
                  UPDATE notification_outbox
                  SET state = :state, next_attempt_at = :next, claimed_by = NULL,
                      claimed_until = NULL, last_error = :error,
                      finished_at = CASE WHEN :state = 'pending' THEN NULL ELSE CAST(:now AS timestamptz) END
                  WHERE id = :id AND claimed_by = :me
                  """)
              .bind("state", finalState)
              .bind("next", Timestamp.from(nextAttempt))
              .bind("error", outcome.delivered() ? null : outcome.summary())
              .bind("now", Timestamp.from(now))
              .bind("id", row.id())
              .bind("me", me)
              .execute();
          DeliveryLog.write(
              handle,
              row.orgId(),
              row.channelId(),
              row.id(),
              now,
              row.event(),
              row.attempt(),
              finalState.equals("sent")
                  ? "sent"
                  : finalState.equals("given_up") ? "given_up" : "failed",
              outcome);
        });
    if (finalState.equals("given_up")) {
      log.warn(
          "event=notification_given_up outbox_id={} channel_id={} attempts={} error={}",
          row.id(),
          row.channelId(),
          row.attempt(),
          outcome.summary());
    } else if (!outcome.delivered()) {
      log.info(
          "event=notification_failed outbox_id={} channel_id={} attempt={} retry_at={} error={}",
          row.id(),
          row.channelId(),
          row.attempt(),
          nextAttempt,
          outcome.summary());
    }
  }

  /**
   * Stops claiming and interrupts the sends under way: their rows stay claimed and are sent again,
   * here or by another instance, once the claim lapses.
   */
  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
    pool.shutdownNow();
    try {
      pool.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
