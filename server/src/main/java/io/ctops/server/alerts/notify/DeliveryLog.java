package io.ctops.server.alerts.notify;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** The delivery log ({@code notification_deliveries}): every attempt, written and read. */
final class DeliveryLog {
  /** How many lines a page of the log shows. */
  static final int PAGE_SIZE = 50;

  private DeliveryLog() {}

  /** One attempt as the log shows it. */
  record Line(
      long id,
      Instant at,
      String event,
      int attempt,
      String outcome,
      Integer httpStatus,
      String smtpReply,
      String detail,
      int durationMs,
      Long outboxId) {}

  /** A page of a channel's log, newest first, and how many lines it has in all. */
  record Page(List<Line> lines, int page, int perPage, long total) {
    public boolean hasNext() {
      return (long) page * perPage < total;
    }
  }

  static void write(
      Handle handle,
      UUID orgId,
      UUID channelId,
      Long outboxId,
      Instant at,
      String event,
      int attempt,
      String outcome,
      DeliveryOutcome result) {
    handle
        .createUpdate(
            """
            INSERT INTO notification_deliveries (org_id, channel_id, outbox_id, at, event, attempt,
                                                 outcome, http_status, smtp_reply, detail,
                                                 duration_ms)
            VALUES (:org, :channel, :outbox, :at, :event, :attempt, :outcome, :status, :reply,
                    :detail, :ms)
            """)
        .bind("org", orgId)
        .bind("channel", channelId)
        .bind("outbox", outboxId)
        .bind("at", Timestamp.from(at))
        .bind("event", event)
        .bind("attempt", attempt)
        .bind("outcome", outcome)
        .bind("status", result.httpStatus())
        .bind("reply", clip(result.smtpReply()))
        .bind("detail", clip(result.detail()))
        .bind("ms", (int) Math.min(Integer.MAX_VALUE, result.took().toMillis()))
        .execute();
  }

  static Page page(Handle handle, UUID channelId, int page, int perPage) {
    long total =
        handle
            .createQuery("SELECT count(*) FROM notification_deliveries WHERE channel_id = :c")
            .bind("c", channelId)
            .mapTo(Long.class)
            .one();
    List<Line> lines =
        handle
            .createQuery(
                """
                SELECT id, at, event, attempt, outcome, http_status, smtp_reply, detail,
                       duration_ms, outbox_id
                FROM notification_deliveries WHERE channel_id = :c
                ORDER BY id DESC LIMIT :limit OFFSET :offset
                """)
            .bind("c", channelId)
            .bind("limit", perPage)
            .bind("offset", (long) (page - 1) * perPage)
            .map(
                (rs, ctx) ->
                    new Line(
                        rs.getLong("id"),
                        rs.getTimestamp("at").toInstant(),
                        rs.getString("event"),
                        rs.getInt("attempt"),
                        rs.getString("outcome"),
                        (Integer) rs.getObject("http_status"),
                        rs.getString("smtp_reply"),
                        rs.getString("detail"),
                        rs.getInt("duration_ms"),
                        (Long) rs.getObject("outbox_id")))
            .list();
    return new Page(lines, page, perPage, total);
  }

  private static String clip(String text) {
    if (text == null) {
      return null;
    }
    return text.length() > 1000 ? text.substring(0, 999) + "…" : text;
  }
}
