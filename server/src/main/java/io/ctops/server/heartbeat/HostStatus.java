package io.ctops.server.heartbeat;

import io.ctops.server.enrolment.AgentHistory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online and offline transitions driven by heartbeat streams (H-1, H-2). A stream that opens takes
 * ownership of its host ({@code hosts.stream_id}); a stream that closes marks the host offline only
 * while it still owns it, so an agent that already reconnected elsewhere stays online.
 *
 * <p>Transitions are written by one thread, in arrival order, many per transaction: when a whole
 * fleet reconnects at once (an ingest restart), tens of thousands of streams open within seconds,
 * and one transaction each on the gRPC threads emptied the connection pool, so streams were refused
 * and their reconnects fed the storm. A batch is at most 100 transitions: its locks on the hosts'
 * rows are held until it commits, which under load is a few statements' round trips per host. A
 * batch that fails is retried one transition at a time, so one bad row does not lose the others; a
 * transition that still fails is logged, and the stale-host sweep corrects the host.
 */
final class HostStatus implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostStatus.class);
  private static final int BATCH = 100;

  private final Jdbi jdbi;
  private final Clock clock;
  private final BlockingQueue<Transition> pending = new LinkedBlockingQueue<>();
  private final Thread writer;
  private volatile boolean running = true;

  private sealed interface Transition {}

  private record Opened(UUID agentId, UUID hostId, UUID streamId, String agentVersion)
      implements Transition {}

  private record Closed(UUID agentId, UUID hostId, UUID streamId, String reason)
      implements Transition {}

  HostStatus(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.writer = Thread.ofPlatform().name("host-status-writer").daemon().start(this::writeLoop);
  }

  void streamOpened(UUID agentId, UUID hostId, UUID streamId, String agentVersion) {
    pending.add(new Opened(agentId, hostId, streamId, agentVersion));
  }

  void streamClosed(UUID agentId, UUID hostId, UUID streamId, String reason) {
    pending.add(new Closed(agentId, hostId, streamId, reason));
  }

  /** Writes what is queued, then stops. */
  @Override
  public void close() {
    running = false;
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void writeLoop() {
    List<Transition> batch = new ArrayList<>();
    while (running || !pending.isEmpty()) {
      try {
        Transition first = pending.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        pending.drainTo(batch, BATCH - 1);
        write(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        batch.clear();
      }
    }
  }

  private void write(List<Transition> batch) {
    try {
      jdbi.useTransaction(handle -> batch.forEach(t -> apply(handle, t)));
    } catch (org.jdbi.v3.core.ConnectionException databaseDown) {
      // Nothing to retry against; the stale-host sweep sets things right once it is back.
      log.warn(
          "event=host_status_not_recorded count={} error={}",
          batch.size(),
          databaseDown.toString());
    } catch (RuntimeException batchFailed) {
      for (Transition t : batch) {
        try {
          jdbi.useTransaction(handle -> apply(handle, t));
        } catch (RuntimeException e) {
          log.warn("event=host_status_not_recorded transition={} error={}", t, e.toString());
        }
      }
    }
  }

  private void apply(Handle handle, Transition transition) {
    switch (transition) {
      case Opened o -> opened(handle, o.agentId(), o.hostId(), o.streamId(), o.agentVersion());
      case Closed c -> closed(handle, c.agentId(), c.hostId(), c.streamId(), c.reason());
    }
  }

  private void opened(
      Handle handle, UUID agentId, UUID hostId, UUID streamId, String agentVersion) {
    Optional<String> before =
        handle
            // NO KEY: rows that only reference the host (its packages, scans) can still be added
            .createQuery("SELECT status FROM hosts WHERE id = :id FOR NO KEY UPDATE")
            .bind("id", hostId)
            .mapTo(String.class)
            .findOne();
    handle
        .createUpdate("UPDATE hosts SET status = 'online', stream_id = :stream WHERE id = :id")
        .bind("stream", streamId)
        .bind("id", hostId)
        .execute();
    // Seen now, so the sweeper does not take it for stale before its first vitals are written. If
    // the vitals flush holds the row, it is writing a newer time anyway: never wait for it (this
    // runs for many hosts per transaction, the flush for many hosts too, in another order).
    handle
        .createUpdate(
            "UPDATE host_vitals SET last_seen = now() WHERE host_id = (SELECT host_id FROM"
                + " host_vitals WHERE host_id = :id FOR NO KEY UPDATE SKIP LOCKED)")
        .bind("id", hostId)
        .execute();
    handle
        .createUpdate(
            "UPDATE agents SET status = 'active',"
                + " version = coalesce(nullif(:version, ''), version), updated_at = now()"
                + " WHERE id = :id AND status IN ('active', 'offline')")
        .bind("version", agentVersion)
        .bind("id", agentId)
        .execute();
    if (!before.equals(Optional.of("online"))) {
      AgentHistory.record(handle, agentId, "online", "heartbeat stream opened", clock);
    }
  }

  private void closed(Handle handle, UUID agentId, UUID hostId, UUID streamId, String reason) {
    int changed =
        handle
            .createUpdate(
                "UPDATE hosts SET status = 'offline', stream_id = NULL"
                    + " WHERE id = :id AND stream_id = :stream AND status = 'online'")
            .bind("id", hostId)
            .bind("stream", streamId)
            .execute();
    if (changed > 0) {
      handle
          .createUpdate(
              "UPDATE agents SET status = 'offline', updated_at = now()"
                  + " WHERE id = :id AND status = 'active'")
          .bind("id", agentId)
          .execute();
      AgentHistory.record(handle, agentId, "offline", reason, clock);
    }
  }
}
