package io.ctops.server.terminal;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The session table: created by the web instance (with a single-use ticket for the page's
 * WebSocket; spending it gives the web instance a relay token), claimed by the ingest instance
 * holding the agent, opened when the agent attaches, ended once with its outcome. Start and end are
 * in the audit log, by the session's user.
 */
public final class TerminalSessions {
  /**
   * The channel that tells ingest instances a session waits for its claim (the payload: its id) or
   * that an admin stopped one ({@link #STOP_NOTICE}).
   */
  public static final String NOTIFY_CHANNEL = "terminal_sessions";

  static final String STOP_NOTICE = "stop";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Jdbi jdbi;
  private final Clock clock;

  public TerminalSessions(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** How long a ticket opens the page's WebSocket. */
  static final Duration TICKET_LIFETIME = Duration.ofSeconds(60);

  /** A new session and the ticket its page opens the WebSocket with. */
  public record Created(UUID id, String ticket) {}

  /** Creates a session for the user on the host and tells the ingest instances. */
  public Created create(UUID orgId, UUID hostId, String hostname, Actor user, int cols, int rows) {
    UUID id = UUID.randomUUID();
    String ticket = secret();
    Instant now = clock.instant();
    jdbi.useTransaction(
        handle -> {
          handle
              .createUpdate(
                  """
                  INSERT INTO terminal_sessions (id, org_id, host_id, user_id, user_name,
                                                 client_address, ticket_sha256, ticket_expires_at,
                                                 cols, rows, requested_at, recorded)
                  SELECT :id, :org, :host, :user, :name, :address, :ticket, :expires, :cols,
                         :rows, :now, o.terminal_recording
                    FROM organisations o WHERE o.id = :org
                  """)
              .bind("id", id)
              .bind("org", orgId)
              .bind("host", hostId)
              .bind("user", user.userId().orElse(null))
              .bind("name", user.describe())
              .bind("address", user.address().orElse(null))
              .bind("ticket", sha256(ticket))
              .bind("expires", Timestamp.from(now.plus(TICKET_LIFETIME)))
              .bind("cols", cols)
              .bind("rows", rows)
              .bind("now", Timestamp.from(now))
              .execute();
          AuditLog.record(
              handle,
              AuditEntry.of(orgId, user, AuditAction.TERMINAL_START)
                  .target(Target.host(hostId, hostname))
                  .param("session_id", id.toString())
                  .param("size", cols + "x" + rows));
          handle
              .createUpdate("SELECT pg_notify(:channel, :id)")
              .bind("channel", NOTIFY_CHANNEL)
              .bind("id", id.toString())
              .execute();
        });
    return new Created(id, ticket);
  }

  /** A new ticket for the user's own live session (to re-attach); empty for any other. */
  public Optional<String> ticket(UUID id, UUID userId) {
    String ticket = secret();
    int updated =
        jdbi.withHandle(
            handle ->
                handle
                    .createUpdate(
                        """
                        UPDATE terminal_sessions
                           SET ticket_sha256 = :ticket, ticket_expires_at = :expires
                         WHERE id = :id AND user_id = :user AND state <> 'ended'
                        """)
                    .bind("ticket", sha256(ticket))
                    .bind("expires", Timestamp.from(clock.instant().plus(TICKET_LIFETIME)))
                    .bind("id", id)
                    .bind("user", userId)
                    .execute());
    return updated > 0 ? Optional.of(ticket) : Optional.empty();
  }

  /**
   * Spends the ticket of the user's live session on this host and returns a new relay token for the
   * web instance that took it (the previous viewer's token stops working); empty when the ticket is
   * wrong, spent, expired or not this user's.
   */
  public Optional<String> spendTicket(UUID id, UUID hostId, UUID userId, String ticket) {
    String token = secret();
    int updated =
        jdbi.withHandle(
            handle ->
                handle
                    .createUpdate(
                        """
                        UPDATE terminal_sessions
                           SET ticket_sha256 = NULL, ticket_expires_at = NULL,
                               token_sha256 = :token
                         WHERE id = :id AND host_id = :host AND user_id = :user
                           AND ticket_sha256 = :ticket AND ticket_expires_at > :now
                           AND state <> 'ended'
                        """)
                    .bind("token", sha256(token))
                    .bind("id", id)
                    .bind("host", hostId)
                    .bind("user", userId)
                    .bind("ticket", sha256(ticket))
                    .bind("now", Timestamp.from(clock.instant()))
                    .execute());
    return updated > 0 ? Optional.of(token) : Optional.empty();
  }

  /** What an admin's "End session" found. */
  public enum Stop {
    STOPPING,
    NOT_RUNNING,
    NOT_FOUND
  }

  /**
   * An admin ends a running session on a host of the organisation: the ingest instance holding it
   * is told at once ({@code NOTIFY}) and ends it on both ends, the shell's exit reported as "ended
   * by" the admin. Audited as {@code terminal.stop}; {@code terminal.end} follows when it has
   * ended.
   */
  public Stop stop(UUID id, UUID hostId, UUID orgId, Actor admin) {
    return jdbi.inTransaction(
        handle -> {
          Optional<String> state =
              handle
                  .createQuery(
                      "SELECT state FROM terminal_sessions"
                          + " WHERE id = :id AND host_id = :host AND org_id = :org FOR UPDATE")
                  .bind("id", id)
                  .bind("host", hostId)
                  .bind("org", orgId)
                  .mapTo(String.class)
                  .findOne();
          if (state.isEmpty()) {
            return Stop.NOT_FOUND;
          }
          if (!"claimed".equals(state.get()) && !"open".equals(state.get())) {
            return Stop.NOT_RUNNING;
          }
          Target host =
              handle
                  .createQuery(
                      """
                      UPDATE terminal_sessions s SET stop_requested_by = :admin
                        FROM hosts h
                       WHERE s.id = :id AND h.id = s.host_id
                      RETURNING h.id, h.hostname
                      """)
                  .bind("admin", admin.describe())
                  .bind("id", id)
                  .map((rs, ctx) -> Target.host(rs.getObject(1, UUID.class), rs.getString(2)))
                  .one();
          AuditLog.record(
              handle,
              AuditEntry.of(orgId, admin, AuditAction.TERMINAL_STOP)
                  .target(host)
                  .param("session_id", id.toString()));
          handle
              .createUpdate("SELECT pg_notify(:channel, :payload)")
              .bind("channel", NOTIFY_CHANNEL)
              .bind("payload", STOP_NOTICE)
              .execute();
          return Stop.STOPPING;
        });
  }

  private static String secret() {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  /** A session an ingest instance may claim: its host's agent and the size asked for. */
  public record Requested(
      UUID id, UUID hostId, UUID agentId, int cols, int rows, boolean recorded) {}

  /** Sessions still waiting for their claim, asked at most {@code within} ago. */
  public List<Requested> unclaimed(Duration within) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    """
                    SELECT s.id, s.host_id, h.agent_id, s.cols, s.rows, s.recorded
                      FROM terminal_sessions s JOIN hosts h ON h.id = s.host_id
                     WHERE s.state = 'requested' AND s.requested_at > :since
                       AND h.agent_id IS NOT NULL AND h.deleted_at IS NULL
                    """)
                .bind("since", Timestamp.from(clock.instant().minus(within)))
                .map(
                    (rs, ctx) ->
                        new Requested(
                            rs.getObject(1, UUID.class),
                            rs.getObject(2, UUID.class),
                            rs.getObject(3, UUID.class),
                            rs.getInt(4),
                            rs.getInt(5),
                            rs.getBoolean(6)))
                .list());
  }

  /** Claims a requested session for the instance reached at this address; false if taken. */
  public boolean claim(UUID id, String relayAddress, String relayCertificatePem) {
    return jdbi.withHandle(
            handle ->
                handle
                    .createUpdate(
                        """
                        UPDATE terminal_sessions
                           SET state = 'claimed', claimed_at = :now, relay_address = :address,
                               relay_certificate = :certificate
                         WHERE id = :id AND state = 'requested'
                        """)
                    .bind("now", Timestamp.from(clock.instant()))
                    .bind("address", relayAddress)
                    .bind("certificate", relayCertificatePem)
                    .bind("id", id)
                    .execute())
        > 0;
  }

  /** Where a claimed session's relay is: the ingest instance's address and certificate. */
  public record Relay(String address, String certificatePem) {}

  public Optional<Relay> relay(UUID id) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT relay_address, relay_certificate FROM terminal_sessions"
                        + " WHERE id = :id AND state IN ('claimed', 'open')")
                .bind("id", id)
                .map((rs, ctx) -> new Relay(rs.getString(1), rs.getString(2)))
                .findOne());
  }

  /** Whether the token is the session's relay token (and the session has not ended). */
  public boolean tokenMatches(UUID id, String token) {
    Optional<byte[]> stored =
        jdbi.withHandle(
            handle ->
                handle
                    .createQuery(
                        "SELECT token_sha256 FROM terminal_sessions"
                            + " WHERE id = :id AND state <> 'ended'")
                    .bind("id", id)
                    .mapTo(byte[].class)
                    .findOne());
    return stored.isPresent()
        && stored.get() != null
        && MessageDigest.isEqual(stored.get(), sha256(token));
  }

  /** Whether the session is this host's and not ended: what an agent may attach to. */
  public boolean isHostsLiveSession(UUID id, UUID hostId) {
    return jdbi.withHandle(
        handle ->
            handle
                    .createQuery(
                        "SELECT count(*) FROM terminal_sessions"
                            + " WHERE id = :id AND host_id = :host AND state IN ('claimed', 'open')")
                    .bind("id", id)
                    .bind("host", hostId)
                    .mapTo(Integer.class)
                    .one()
                > 0);
  }

  /**
   * Why a session must end; {@code stopped}: an admin ended it, and its agent is still trusted to
   * close the shell and report its exit.
   */
  public record Ending(String reason, boolean stopped) {}

  /**
   * Among these sessions, those an admin stopped, whose host was deleted or whose agent may no
   * longer connect, with why: they end at once.
   */
  public Map<UUID, Ending> noLongerAllowed(Collection<UUID> ids) {
    if (ids.isEmpty()) {
      return Map.of();
    }
    Map<UUID, Ending> gone = new HashMap<>();
    jdbi.useHandle(
        handle ->
            handle
                .createQuery(
                    """
                    SELECT s.id,
                           CASE WHEN s.stop_requested_by IS NOT NULL
                                     THEN 'ended by ' || s.stop_requested_by
                                WHEN h.deleted_at IS NOT NULL THEN 'the host was deleted'
                                WHEN a.id IS NULL THEN 'the host has no agent any more'
                                ELSE 'the agent was ' || a.status END,
                           s.stop_requested_by IS NOT NULL
                              AND h.deleted_at IS NULL AND a.status IN ('active', 'offline')
                      FROM terminal_sessions s JOIN hosts h ON h.id = s.host_id
                      LEFT JOIN agents a ON a.id = h.agent_id
                     WHERE s.id = ANY(:ids)
                       AND (s.stop_requested_by IS NOT NULL OR h.deleted_at IS NOT NULL
                            OR a.id IS NULL
                            -- offline is not a reason: the agent's stream may come back within
                            -- the grace period
                            OR a.status NOT IN ('active', 'offline'))
                    """)
                .bindArray("ids", UUID.class, List.copyOf(ids))
                .map(
                    (rs, ctx) ->
                        gone.put(
                            rs.getObject(1, UUID.class),
                            new Ending(rs.getString(2), rs.getBoolean(3))))
                .list());
    return gone;
  }

  /** A session's recording as asciicast v2 would have it: the terminal, and its event lines. */
  public record Recording(
      int cols, int rows, Instant startedAt, String title, boolean truncated, String events) {

    /** The whole file: the header line, then the events. */
    public String asciicast() {
      return "{\"version\": 2, \"width\": "
          + cols
          + ", \"height\": "
          + rows
          + ", \"timestamp\": "
          + startedAt.getEpochSecond()
          + ", \"title\": "
          + SessionRecorder.quote(title)
          + ", \"env\": {\"TERM\": \"xterm-256color\"}}\n"
          + events;
    }
  }

  /** The organisation's session's recording; empty when there is none (or no such session). */
  public Optional<Recording> recording(UUID id, UUID orgId) {
    return jdbi.withHandle(
        handle -> {
          Optional<Recording> head =
              handle
                  .createQuery(
                      """
                      SELECT s.cols, s.rows, s.requested_at, s.user_name || ' on ' || h.hostname,
                             s.recording_truncated
                        FROM terminal_sessions s JOIN hosts h ON h.id = s.host_id
                       WHERE s.id = :id AND s.org_id = :org AND s.recorded_bytes > 0
                      """)
                  .bind("id", id)
                  .bind("org", orgId)
                  .map(
                      (rs, ctx) ->
                          new Recording(
                              rs.getInt(1),
                              rs.getInt(2),
                              rs.getTimestamp(3).toInstant(),
                              rs.getString(4),
                              rs.getBoolean(5),
                              ""))
                  .findOne();
          if (head.isEmpty()) {
            return Optional.empty();
          }
          SessionRecorder.Events events = new SessionRecorder.Events();
          handle
              .createQuery(
                  "SELECT format, events FROM terminal_recordings WHERE session_id = :id"
                      + " ORDER BY seq")
              .bind("id", id)
              .map((rs, ctx) -> new StoredChunk(rs.getInt(1), rs.getBytes(2)))
              .forEach(chunk -> events.add(chunk.format(), chunk.events()));
          Recording r = head.get();
          return Optional.of(
              new Recording(
                  r.cols(), r.rows(), r.startedAt(), r.title(), r.truncated(), events.lines()));
        });
  }

  private record StoredChunk(int format, byte[] events) {}

  /** A recorder of the session's output into this database. */
  SessionRecorder recorder(UUID id, long maxBytes) {
    return new SessionRecorder(jdbi, id, maxBytes);
  }

  /**
   * Drops the recordings of sessions that ended before the retention; returns how many sessions
   * lost theirs. The sessions themselves stay (and the audit log's entries).
   */
  public int purgeRecordings(Duration retention) {
    return jdbi.inTransaction(
        handle -> {
          List<UUID> old =
              handle
                  .createQuery(
                      "SELECT id FROM terminal_sessions WHERE recorded_bytes > 0"
                          + " AND ended_at < :before")
                  .bind("before", Timestamp.from(clock.instant().minus(retention)))
                  .mapTo(UUID.class)
                  .list();
          if (old.isEmpty()) {
            return 0;
          }
          handle
              .createUpdate("DELETE FROM terminal_recordings WHERE session_id = ANY(:ids)")
              .bindArray("ids", UUID.class, old)
              .execute();
          return handle
              .createUpdate("UPDATE terminal_sessions SET recorded_bytes = 0 WHERE id = ANY(:ids)")
              .bindArray("ids", UUID.class, old)
              .execute();
        });
  }

  /** The agent attached: the shell is there. */
  public void opened(UUID id) {
    jdbi.useHandle(
        handle ->
            handle
                .createUpdate(
                    "UPDATE terminal_sessions SET state = 'open', opened_at = :now"
                        + " WHERE id = :id AND state = 'claimed'")
                .bind("now", Timestamp.from(clock.instant()))
                .bind("id", id)
                .execute());
  }

  /** How a session ended, with what went through it. */
  public record Outcome(Integer exitCode, String reason, long bytesIn, long bytesOut) {}

  /** Ends the session once, and records it in the audit log by its user. */
  public void ended(UUID id, Outcome outcome) {
    jdbi.useTransaction(handle -> ended(handle, id, outcome, clock.instant()));
  }

  private static void ended(Handle handle, UUID id, Outcome outcome, Instant now) {
    Optional<EndedRow> row =
        handle
            .createQuery(
                """
                UPDATE terminal_sessions s
                   SET state = 'ended', ended_at = :now, exit_code = :exit, end_reason = :reason,
                       bytes_in = :in, bytes_out = :out
                  FROM hosts h
                 WHERE s.id = :id AND s.state <> 'ended' AND h.id = s.host_id
                RETURNING s.org_id, s.host_id, h.hostname, s.user_id, s.user_name,
                          s.client_address, s.requested_at
                """)
            .bind("now", Timestamp.from(now))
            .bind("exit", outcome.exitCode())
            .bind("reason", outcome.reason())
            .bind("in", outcome.bytesIn())
            .bind("out", outcome.bytesOut())
            .bind("id", id)
            .map(
                (rs, ctx) ->
                    new EndedRow(
                        rs.getObject(1, UUID.class),
                        rs.getObject(2, UUID.class),
                        rs.getString(3),
                        rs.getObject(4, UUID.class),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getTimestamp(7).toInstant()))
            .findOne();
    if (row.isEmpty()) {
      return;
    }
    EndedRow r = row.get();
    Actor user =
        r.userId() == null
            ? Actor.system(r.userName())
            : Actor.user(r.userId(), r.userName(), r.address());
    AuditEntry entry =
        AuditEntry.of(r.orgId(), user, AuditAction.TERMINAL_END)
            .target(Target.host(r.hostId(), r.hostname()))
            .param("session_id", id.toString())
            .param("duration_seconds", Duration.between(r.requestedAt(), now).toSeconds())
            .param("bytes_in", outcome.bytesIn())
            .param("bytes_out", outcome.bytesOut())
            .param("exit_code", outcome.exitCode());
    AuditLog.record(
        handle,
        outcome.exitCode() != null && outcome.exitCode() < 0 && outcome.reason() != null
            ? entry.failed(outcome.reason())
            : entry.param("reason", outcome.reason()));
  }

  private record EndedRow(
      UUID orgId,
      UUID hostId,
      String hostname,
      UUID userId,
      String userName,
      String address,
      Instant requestedAt) {}

  static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
