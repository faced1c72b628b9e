package io.ctops.server.terminal;

import io.ctops.server.platform.database.NotificationListener;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.postgresql.PGNotification;

/**
 * Claims, for this ingest instance, the new sessions of the agents whose heartbeat streams it
 * holds, and hands them to the hub. Told of each new session at once ({@code LISTEN
 * terminal_sessions}); looks over the unclaimed ones every second too, in case a notification was
 * missed. Told too when an admin stops a session: the hub then looks at once which of its sessions
 * must end.
 */
public final class TerminalClaims implements AutoCloseable {

  /** A session older than this unclaimed is left alone: its viewer has given up. */
  static final Duration CLAIMABLE_FOR = Duration.ofSeconds(30);

  private final TerminalSessions sessions;
  private final TerminalHub hub;
  private final Predicate<UUID> holdsAgent;
  private final String relayAddress;
  private final String relayCertificatePem;
  private final NotificationListener listener;

  public TerminalClaims(
      DataSource dataSource,
      TerminalSessions sessions,
      TerminalHub hub,
      Predicate<UUID> holdsAgent,
      String relayAddress,
      String relayCertificatePem) {
    this.sessions = sessions;
    this.hub = hub;
    this.holdsAgent = holdsAgent;
    this.relayAddress = relayAddress;
    this.relayCertificatePem = relayCertificatePem;
    this.listener =
        new NotificationListener(
            dataSource, "terminal-claims", List.of(TerminalSessions.NOTIFY_CHANNEL), this::arrived);
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

  /**
   * On the listener's thread: claims what this instance can serve of the waiting sessions (which
   * session a notification names is not needed); an admin's stop makes the hub look at once which
   * of its sessions must end.
   */
  private void arrived(List<PGNotification> notifications) {
    if (notifications.stream()
        .anyMatch(n -> TerminalSessions.STOP_NOTICE.equals(n.getParameter()))) {
      hub.recheck();
    }
    claimWaiting();
  }

  @Override
  public void close() {
    listener.close();
  }
}
