package io.ctops.server.alerts.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ctops.server.platform.config.NotificationSettings;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.ManualClock;
import io.ctops.server.testing.WebhookReceiver;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.net.ssl.SSLSocketFactory;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Durable delivery: failed messages are retried on the back-off schedule and given up after a day,
 * a message being sent when its instance stops is sent again by another, and a receiver that hangs
 * delays no other channel. Every attempt is in the delivery log.
 */
@ExtendWith(FreshDatabase.class)
class OutboxDeliveryTest {
  private static final String SECRET = "a-secret-of-enough-length";

  private WebhookReceiver receiver;
  private WebhookReceiver other;
  private final List<OutboxWorker> workers = new ArrayList<>();

  @BeforeEach
  void start() {
    receiver = WebhookReceiver.start();
    other = WebhookReceiver.start();
  }

  @AfterEach
  void stop() {
    workers.forEach(OutboxWorker::close);
    receiver.close();
    other.close();
  }

  private OutboxWorker worker(Jdbi jdbi, Clock clock, Duration lease) {
    SmtpSettingsStore smtp = new SmtpSettingsStore(jdbi, NotificationSettings.defaults());
    Delivery delivery =
        new Delivery(smtp, new SmtpMail((SSLSocketFactory) SSLSocketFactory.getDefault()));
    OutboxWorker worker = new OutboxWorker(jdbi, delivery, clock, lease, 4);
    workers.add(worker);
    return worker;
  }

  /** A message for the channel, queued at {@code at}, as the dispatcher writes it. */
  private static long queue(Jdbi jdbi, AlertSeed seed, UUID channel, Instant at) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    INSERT INTO notification_outbox (org_id, channel_id, event, host_count,
                                                     payload, created_at, next_attempt_at)
                    VALUES (:org, :channel, 'firing', 1, '{"version": 1}', :at, :at)
                    RETURNING id
                    """)
                .bind("org", seed.orgId)
                .bind("channel", channel)
                .bind("at", Timestamp.from(at))
                .mapTo(Long.class)
                .one());
  }

  private static Instant nextAttempt(Jdbi jdbi, long id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT next_attempt_at FROM notification_outbox WHERE id = :id")
                .bind("id", id)
                .mapTo(Timestamp.class)
                .one()
                .toInstant());
  }

  private static String state(Jdbi jdbi, long id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT state FROM notification_outbox WHERE id = :id")
                .bind("id", id)
                .mapTo(String.class)
                .one());
  }

  @Test
  void retriesWithBackOffFromAMinuteToAnHourAndGivesUpAfterADay(Jdbi jdbi) {
    AlertSeed seed = new AlertSeed(jdbi);
    UUID channel = seed.webhook("flaky", receiver.url("/hook").toString(), SECRET);
    receiver.status = 503;
    Instant start = Instant.parse("2026-03-01T00:00:00Z");
    ManualClock clock = new ManualClock(start);
    long id = queue(jdbi, seed, channel, start);
    OutboxWorker worker = worker(jdbi, clock, Duration.ofMinutes(1));

    List<Long> waitsInMinutes = new ArrayList<>();
    int attempts = 0;
    while (state(jdbi, id).equals("pending")) {
      Instant due = nextAttempt(jdbi, id);
      // not a moment early
      if (attempts > 0) {
        clock.advance(Duration.between(clock.instant(), due).minusSeconds(1));
        assertThat(worker.deliverDue()).isZero();
        clock.advance(Duration.ofSeconds(1));
      }
      assertThat(worker.deliverDue()).isEqualTo(1);
      attempts++;
      if (state(jdbi, id).equals("pending")) {
        waitsInMinutes.add(ChronoUnit.MINUTES.between(clock.instant(), nextAttempt(jdbi, id)));
      }
    }
    assertThat(waitsInMinutes.subList(0, 8)).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L);
    assertThat(waitsInMinutes).allMatch(w -> w <= 60);
    assertThat(state(jdbi, id)).isEqualTo("given_up");
    assertThat(Duration.between(start, clock.instant()))
        .isGreaterThanOrEqualTo(Duration.ofHours(24));
    assertThat(Duration.between(start, clock.instant())).isLessThan(Duration.ofHours(25));
    assertThat(receiver.requests()).hasSize(attempts);
    // every attempt is in the log: failed ones, then the one given up
    assertThat(seed.count("SELECT count(*) FROM notification_deliveries WHERE outcome = 'failed'"))
        .isEqualTo(attempts - 1);
    assertThat(
            seed.count(
                "SELECT count(*) FROM notification_deliveries WHERE outcome = 'given_up'"
                    + " AND http_status = 503"))
        .isEqualTo(1);
  }

  @Test
  void aMessageForAChannelDisabledSinceItWasQueuedIsGivenUpUnsent(Jdbi jdbi) {
    AlertSeed seed = new AlertSeed(jdbi);
    UUID channel = seed.webhook("ops", receiver.url("/hook").toString(), SECRET);
    long id = queue(jdbi, seed, channel, Instant.now());
    jdbi.useHandle(h -> h.execute("UPDATE notification_channels SET enabled = false"));
    assertThat(worker(jdbi, Clock.systemUTC(), Duration.ofMinutes(1)).deliverDue()).isEqualTo(1);
    assertThat(state(jdbi, id)).isEqualTo("given_up");
    assertThat(receiver.requests()).isEmpty();
    assertThat(
            seed.count(
                "SELECT count(*) FROM notification_deliveries WHERE outcome = 'given_up'"
                    + " AND detail = 'the channel is disabled'"))
        .isEqualTo(1);
  }

  @Test
  void aMessageBeingSentWhenItsInstanceStopsIsSentAgainByAnother(Jdbi jdbi) {
    AlertSeed seed = new AlertSeed(jdbi);
    UUID channel = seed.webhook("ops", receiver.url("/hook").toString(), SECRET);
    long id = queue(jdbi, seed, channel, Instant.now());
    receiver.hang = true;
    OutboxWorker first = worker(jdbi, Clock.systemUTC(), Duration.ofSeconds(2)).start();
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests().size() == 1);
    // the instance stops in the middle of the request
    first.close();
    assertThat(state(jdbi, id)).isEqualTo("pending");
    receiver.hang = false;

    OutboxWorker second = worker(jdbi, Clock.systemUTC(), Duration.ofSeconds(2)).start();
    await().atMost(Duration.ofSeconds(15)).until(() -> state(jdbi, id).equals("sent"));
    assertThat(receiver.requests()).hasSize(2);
    assertThat(receiver.requests().get(1).text()).isEqualTo(receiver.requests().get(0).text());
    // the second claim waited for the first one's to lapse
    assertThat(Duration.between(receiver.requests().get(0).at(), receiver.requests().get(1).at()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(1_500));
    assertThat(seed.count("SELECT attempts FROM notification_outbox")).isEqualTo(2);
    assertThat(
            seed.count(
                "SELECT count(*) FROM notification_deliveries WHERE outcome = 'sent'"
                    + " AND http_status = 200"))
        .isEqualTo(1);
    second.close();
  }

  @Test
  void aHangingReceiverDelaysNoOtherChannel(Jdbi jdbi) {
    AlertSeed seed = new AlertSeed(jdbi);
    UUID hanging = seed.webhook("hanging", receiver.url("/hook").toString(), SECRET);
    UUID healthy = seed.slack("healthy", other.url("/slack").toString());
    receiver.hang = true;
    Instant now = Instant.now();
    long stuck = queue(jdbi, seed, hanging, now);
    queue(jdbi, seed, hanging, now);
    worker(jdbi, Clock.systemUTC(), Duration.ofMinutes(1)).start();
    await().atMost(Duration.ofSeconds(5)).until(() -> receiver.requests().size() == 1);

    // while the hanging receiver holds its request, the other channel's messages go at once
    long started = System.nanoTime();
    List<Long> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sent.add(queue(jdbi, seed, healthy, Instant.now()));
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> sent.stream().allMatch(id -> state(jdbi, id).equals("sent")));
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(other.requests()).hasSize(3);
    // the hanging channel gets one request at a time, and its attempt ends at the request timeout
    assertThat(receiver.requests()).hasSize(1);
    await()
        .atMost(Delivery.REQUEST_TIMEOUT.plusSeconds(5))
        .until(
            () ->
                seed.count(
                        "SELECT count(*) FROM notification_deliveries WHERE outcome = 'failed'"
                            + " AND detail LIKE 'no answer within 10 s%'")
                    == 1);
    assertThat(state(jdbi, stuck)).isEqualTo("pending");
  }
}
