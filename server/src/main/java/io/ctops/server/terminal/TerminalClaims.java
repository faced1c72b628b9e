package io.ctops.server.terminal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims, for this ingest instance, the new sessions of the agents whose heartbeat streams it
 * holds, and hands them to the hub. Told of each new session at once ({@code LISTEN
 * terminal_sessions}); looks over the unclaimed ones every second too, in case a notification was
 * missed. Told too when an admin stops a session: the hub then looks at once which of its sessions
 * must end.
 */
public final class TerminalClaims implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TerminalClaims.class);

  /** A session older than this unclaimed is left alone: its viewer has given up. */
  static final Duration CLAIMABLE_FOR = Duration.ofSeconds(30);

  private final DataSource dataSource;
  private final TerminalSessions sessions;
  private final TerminalHub hub;
  private final Predicate<UUID> holdsAgent;
  private final String relayAddress;
  private final String relayCertificatePem;
  private volatile boolean running = true;
  private final Thread listener;

  public TerminalClaims(
      DataSource dataSource,
      TerminalSessions sessions,
      TerminalHub hub,
      Predicate<UUID> holdsAgent,
      String relayAddress,
      String relayCertificatePem) {
    this.dataSource = dataSource;
    this.sessions = sessions;
    this.hub = hub;
    this.holdsAgent = holdsAgent;
    this.relayAddress = relayAddress;
    this.relayCertificatePem = relayCertificatePem;
    this.listener = Thread.ofPlatform().name("terminal-claims").daemon().unstarted(this::listen);
  }

  public TerminalClaims start() {
    listener.start();
    return this;
  }

  /** Claims what this instance can serve among the sessions waiting; returns how many. */
  public int claimWaiting() {
    int claimed = 0;
    for (TerminalSessions.Requested session : sessions.unclaimed(CLAIMABLE_FOR)) {
      if (holdsAgent.test(session.agentId())
          && sessions.claim(session.id(), relayAddress, relayCertificatePem)) {
        hub.expect(session);
        claimed++;
      }
    }
    return claimed;
  }

  private void listen() {
    while (running) {
      try (Connection connection = dataSource.getConnection()) {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
          statement.execute("LISTEN " + TerminalSessions.NOTIFY_CHANNEL);
        }
        PGConnection pg = connection.unwrap(PGConnection.class);
        claimWaiting();
        while (running) {
          // waits for a notification (at most a second); the query then claims that session and
          // any other waiting, so which session a notification names is not needed
          PGNotification[] notices = pg.getNotifications(1000);
          if (notices != null
              && Arrays.stream(notices)
                  .anyMatch(n -> TerminalSessions.STOP_NOTICE.equals(n.getParameter()))) {
            hub.recheck();
          }
          claimWaiting();
        }
      } catch (SQLException | RuntimeException e) {
        if (running) {
          log.warn("event=terminal_claims_failed retry_in_ms=1000 error={}", e.toString());
          try {
            Thread.sleep(1000);
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    try {
      listener.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
