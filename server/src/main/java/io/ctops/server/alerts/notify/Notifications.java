package io.ctops.server.alerts.notify;

import io.ctops.server.platform.config.NotificationSettings;
import io.ctops.server.platform.lifecycle.Parts;
import io.ctops.server.platform.lifecycle.PeriodicJob;
import io.ctops.server.web.Pages;
import io.javalin.config.RoutesConfig;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.function.IntSupplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notification delivery as the web role runs it: the channels' pages and API, the dispatcher that
 * groups notices into outbox messages, and the outbox workers. Every instance runs both loops; the
 * database's row locks keep them from sending a notice twice.
 */
public final class Notifications implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Notifications.class);

  /** How long the delivery log and sent or given-up messages are kept. */
  static final Duration LOG_RETENTION = Duration.ofDays(30);

  private final Jdbi jdbi;
  private final Clock clock;
  private final NotificationSettings settings;
  private final OutboxWorker worker;
  private final NoticeDispatcher dispatcher;
  private final ChannelsApi api;
  private final ChannelPages pages;
  private final Parts parts = new Parts();

  /**
   * {@code listenAddress} and {@code webPort}: where this web app listens, so no webhook points at
   * it.
   */
  public Notifications(
      Jdbi jdbi,
      Pages pages,
      Clock clock,
      NotificationSettings settings,
      String listenAddress,
      IntSupplier webPort) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.settings = settings;
    SmtpSettingsStore smtp = new SmtpSettingsStore(jdbi, settings);
    Delivery delivery = new Delivery(smtp, SmtpMail.withDefaultTrust());
    this.worker =
        new OutboxWorker(
            jdbi, delivery, clock, OutboxWorker.DEFAULT_LEASE, OutboxWorker.DEFAULT_THREADS);
    this.dispatcher = new NoticeDispatcher(jdbi, clock, settings.groupWindow(), worker::submitDue);
    NotificationChannels channels =
        new NotificationChannels(
            jdbi, clock, new SelfAddress(listenAddress, webPort), smtp, delivery);
    this.api = new ChannelsApi(channels);
    this.pages = new ChannelPages(pages, channels);
  }

  /** The pages' routes; registered before other {@code /alerts/...} pages. */
  public void pageRoutes(RoutesConfig routes) {
    pages.routes(routes);
  }

  public void apiRoutes(RoutesConfig routes) {
    api.routes(routes);
  }

  /** Starts the dispatcher, the outbox workers and the log's retention; returns this. */
  public Notifications start() {
    parts.add(worker.start());
    Duration every = Duration.ofSeconds(1);
    parts.add(new PeriodicJob("notify-dispatch", every, dispatcher::dispatch).start());
    parts.add(
        new PeriodicJob("notify-retention", Duration.ofMinutes(3), Duration.ofHours(1), this::purge)
            .start());
    log.info(
        "event=notifications_started group_window_seconds={}", settings.groupWindow().toSeconds());
    return this;
  }

  private void purge() {
    Timestamp before = Timestamp.from(clock.instant().minus(LOG_RETENTION));
    int lines =
        jdbi.withHandle(
            h ->
                h.createUpdate("DELETE FROM notification_deliveries WHERE at < :before")
                    .bind("before", before)
                    .execute());
    int messages =
        jdbi.withHandle(
            h ->
                h.createUpdate(
                        "DELETE FROM notification_outbox WHERE state <> 'pending'"
                            + " AND finished_at < :before")
                    .bind("before", before)
                    .execute());
    if (lines + messages > 0) {
      log.info("event=notification_log_purged deliveries={} messages={}", lines, messages);
    }
  }

  /** Stops claiming; sends under way are dropped and their messages sent again later. */
  @Override
  public void close() {
    parts.close();
  }
}
