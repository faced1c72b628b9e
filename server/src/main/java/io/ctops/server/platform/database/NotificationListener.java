package io.ctops.server.platform.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread that holds one pooled connection listening on PostgreSQL channels ({@code LISTEN}) and
 * hands its owner what arrived, at once or at least every second (with nothing, so the owner can do
 * its periodic work on the same thread), and once with nothing right after each (re)connection (a
 * notification sent while it was not listening is missed: the owner catches up then). A lost
 * connection is reopened a second later with one warning.
 */
public final class NotificationListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NotificationListener.class);
  private static final int WAIT_MILLIS = 1000;

  /** What the owner does with what arrived (possibly nothing); runs on the listener's thread. */
  @FunctionalInterface
  public interface Handler {
    void arrived(List<PGNotification> notifications) throws SQLException;
  }

  private final DataSource dataSource;
  private final String name;
  private final List<String> channels;
  private final Handler handler;
  private final Thread thread;
  private volatile boolean running = true;

  /** {@code name} names the thread and the log lines; channels are constants, never input. */
  public NotificationListener(
      DataSource dataSource, String name, List<String> channels, Handler handler) {
    this.dataSource = dataSource;
    this.name = name;
    this.channels = List.copyOf(channels);
    this.handler = handler;
    this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::listen);
  }

  public NotificationListener start() {
    thread.start();
    return this;
  }

  private void listen() {
    while (running) {
      try (Connection connection = dataSource.getConnection()) {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
          for (String channel : channels) {
            statement.execute("LISTEN " + channel);
          }
        }
        PGConnection pg = connection.unwrap(PGConnection.class);
        handler.arrived(List.of());
        while (running) {
          PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
          handler.arrived(notifications == null ? List.of() : Arrays.asList(notifications));
        }
      } catch (SQLException | RuntimeException e) {
        if (running) {
          log.warn(
              "event=listen_failed listener={} retry_in_ms={} error={}",
              name,
              WAIT_MILLIS,
              e.toString());
          try {
            Thread.sleep(WAIT_MILLIS);
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
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
