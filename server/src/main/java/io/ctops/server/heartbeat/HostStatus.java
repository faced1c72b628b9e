package io.ctops.server.heartbeat;

import io.ctops.server.enrolment.AgentHistory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online and offline transitions driven by heartbeat streams. A stream that opens takes ownership
 * of its host ({@code hosts.stream_id}); a stream that closes marks the host offline only while it
 * still owns it, so an agent that already reconnected elsewhere stays online.
 *
 * <p>Transitions are written by one thread, in arrival order, many per transaction: when a whole
 * fleet reconnects at once (an ingest restart), tens of thousands of streams open within seconds,
 * and one transaction each on the gRPC threads emptied the connection pool, so streams were refused
 * and their reconnects fed the storm. A batch is written with a few statements per kind of
 * transition, not per host, so its locks on the hosts' rows are held briefly (with statements per
 * host, they once kept the vitals flush waiting for over a minute at 60,000 agents). A batch that
 * fails is retried one transition at a time, so one bad row does not lose the others; a transition
 * that still fails is logged, and the stale-host sweep corrects the host.
 */
public final class HostStatus implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostStatus.class);
  private static final int BATCH = 1_000;

  private final Jdbi jdbi;
  private final Clock clock;
  private final BlockingQueue<Transition> pending = new LinkedBlockingQueue<>();
  private Thread writer;
  private volatile boolean running = true;

  private sealed interface Transition {
    UUID hostId();
  }

  private record Opened(UUID agentId, UUID hostId, UUID streamId, String agentVersion)
      implements Transition {}

  private record Closed(UUID agentId, UUID hostId, UUID streamId, String reason)
      implements Transition {}

  public HostStatus(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** Starts the thread that writes status changes; returns this. */
  public HostStatus start() {
    writer = Thread.ofPlatform().name("host-status-writer").daemon().start(this::writeLoop);
    return this;
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
    if (writer == null) {
      return;
    }
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
      jdbi.useTransaction(handle -> applyInOrder(handle, batch));
    } catch (org.jdbi.v3.core.ConnectionException databaseDown) {
      // Nothing to retry against; the stale-host sweep sets things right once it is back.
      log.warn(
          "event=host_status_not_recorded count={} error={}",
          batch.size(),
          databaseDown.toString());
    } catch (RuntimeException batchFailed) {
      for (Transition t : batch) {
        try {
          jdbi.useTransaction(handle -> apply(handle, List.of(t)));
        } catch (RuntimeException e) {
          log.warn("event=host_status_not_recorded transition={} error={}", t, e.toString());
        }
      }
    }
  }

  /**
   * Applies the batch as runs of transitions of distinct hosts: within a run their order does not
   * matter, so each run takes a few statements however long it is; a host's second transition
   * starts the next run.
   */
  private void applyInOrder(Handle handle, List<Transition> batch) {
    List<Transition> run = new ArrayList<>();
    Set<UUID> hosts = new HashSet<>();
    for (Transition transition : batch) {
      if (!hosts.add(transition.hostId())) {
        apply(handle, run);
        run.clear();
        hosts.clear();
        hosts.add(transition.hostId());
      }
      run.add(transition);
    }
    apply(handle, run);
  }

  /** Transitions of distinct hosts. */
  private void apply(Handle handle, List<Transition> run) {
    List<Opened> opened = new ArrayList<>();
    List<Closed> closed = new ArrayList<>();
    for (Transition transition : run) {
      switch (transition) {
        case Opened o -> opened.add(o);
        case Closed c -> closed.add(c);
      }
    }
    if (!opened.isEmpty()) {
      opened(handle, opened);
    }
    if (!closed.isEmpty()) {
      closed(handle, closed);
    }
  }

  private void opened(Handle handle, List<Opened> opened) {
    UUID[] hostIds = opened.stream().map(Opened::hostId).toArray(UUID[]::new);
    Set<UUID> wereOnline =
        new HashSet<>(
            handle
                // all of them locked, in id order as by every writer that waits for host rows; NO
                // KEY: rows that only reference a host (its packages, scans) can still be added
                .createQuery(
                    "SELECT id FROM (SELECT id, status FROM hosts WHERE id = ANY(:ids) ORDER BY id"
                        + " FOR NO KEY UPDATE) locked WHERE status = 'online'")
                .bind("ids", hostIds)
                .mapTo(UUID.class)
                .list());
    handle
        .createUpdate(
            "UPDATE hosts h SET status = 'online', stream_id = u.stream, stream_opened_at = now()"
                + " FROM unnest(CAST(:ids AS uuid[]), CAST(:streams AS uuid[])) AS u(id, stream)"
                + " WHERE h.id = u.id")
        .bind("ids", hostIds)
        .bind("streams", opened.stream().map(Opened::streamId).toArray(UUID[]::new))
        .execute();
    handle
        .createUpdate(
            "UPDATE agents a SET status = 'active',"
                + " version = coalesce(nullif(u.version, ''), a.version), updated_at = now()"
                + " FROM unnest(CAST(:ids AS uuid[]), CAST(:versions AS text[])) AS u(id, version)"
                + " WHERE a.id = u.id AND a.status IN ('active', 'offline')")
        .bind("ids", opened.stream().map(Opened::agentId).toArray(UUID[]::new))
        .bind("versions", opened.stream().map(Opened::agentVersion).toArray(String[]::new))
        .execute();
    List<UUID> cameOnline =
        opened.stream().filter(o -> !wereOnline.contains(o.hostId())).map(Opened::agentId).toList();
    AgentHistory.recordAll(
        handle,
        cameOnline,
        "online",
        Collections.nCopies(cameOnline.size(), "heartbeat stream opened"),
        clock);
  }

  /** Marks hosts offline only while the closing stream still owns them. */
  private void closed(Handle handle, List<Closed> closed) {
    Set<UUID> wentOffline =
        new HashSet<>(
            handle
                .createQuery(
                    """
                    UPDATE hosts h SET status = 'offline', stream_id = NULL
                     WHERE h.id IN (
                         SELECT s.id
                           FROM hosts s
                           JOIN unnest(CAST(:ids AS uuid[]), CAST(:streams AS uuid[]))
                                AS u(id, stream) ON s.id = u.id AND s.stream_id = u.stream
                          WHERE s.status = 'online'
                          ORDER BY s.id
                            FOR NO KEY UPDATE OF s)
                    RETURNING h.id
                    """)
                .bind("ids", closed.stream().map(Closed::hostId).toArray(UUID[]::new))
                .bind("streams", closed.stream().map(Closed::streamId).toArray(UUID[]::new))
                .mapTo(UUID.class)
                .list());
    List<Closed> changed = closed.stream().filter(c -> wentOffline.contains(c.hostId())).toList();
    if (changed.isEmpty()) {
      return;
    }
    List<UUID> agents = changed.stream().map(Closed::agentId).toList();
    handle
        .createUpdate(
            "UPDATE agents SET status = 'offline', updated_at = now()"
                + " WHERE id = ANY(:ids) AND status = 'active'")
        .bind("ids", agents.toArray(UUID[]::new))
        .execute();
    AgentHistory.recordAll(
        handle, agents, "offline", changed.stream().map(Closed::reason).toList(), clock);
  }
}
