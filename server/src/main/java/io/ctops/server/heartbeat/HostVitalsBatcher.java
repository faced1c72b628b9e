package io.ctops.server.heartbeat;

import io.ctops.server.enrolment.AgentHistory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A heartbeat touches memory, not the database: each host's latest vitals wait here and are written
 * every flush interval into {@code host_vitals}, {@link #CHUNK} hosts per {@code UPDATE ... FROM
 * unnest(...)} and transaction. A host that the sweeper marked offline while its stream stayed open
 * comes back online in the same transaction, with a status-history row; vitals flushed after their
 * stream closed (which clears {@code stream_id}) never bring a host back online. If the database is
 * down the vitals stay and the next flush writes the newest. The OS version a stream reports is
 * compared with {@code hosts} only until it is known to be stored there: a heartbeat that repeats
 * it costs no read of {@code hosts}.
 */
public final class HostVitalsBatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostVitalsBatcher.class);

  /** Hosts written per transaction: a flush after an outage never becomes one huge statement. */
  static final int CHUNK = 2_000;

  private final Jdbi jdbi;
  private final Clock clock;
  private final Map<UUID, HostVitals> latest = new ConcurrentHashMap<>();
  private final Duration interval;
  private ScheduledExecutorService flusher;
  private final Timer flushLatency;
  private volatile Instant writtenThrough;
  private long failingSinceMillis;
  private long lastWarningMillis;

  public HostVitalsBatcher(Jdbi jdbi, Clock clock, Duration interval, MeterRegistry registry) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.interval = interval;
    this.writtenThrough = clock.instant();
    this.flushLatency =
        Timer.builder("ctops_host_vitals_flush_seconds")
            .description("Time to write one batch of host vitals")
            .register(registry);
  }

  /** Starts flushing every interval; returns this. */
  public HostVitalsBatcher start() {
    flusher =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> Thread.ofPlatform().name("vitals-flusher").daemon().unstarted(runnable));
    long millis = interval.toMillis();
    flusher.scheduleWithFixedDelay(this::flushQuietly, millis, millis, TimeUnit.MILLISECONDS);
    return this;
  }

  void offer(HostVitals vitals) {
    latest.put(vitals.hostId(), vitals);
  }

  private void flushQuietly() {
    try {
      flush();
      failingSinceMillis = 0;
    } catch (RuntimeException e) {
      long now = System.currentTimeMillis();
      // One line when writes start failing, then one every 30 s, not one per flush.
      if (failingSinceMillis == 0 || now - lastWarningMillis > 30_000) {
        log.warn(
            "event=vitals_flush_failed hosts_waiting={} error={}", latest.size(), e.toString());
        lastWarningMillis = now;
      }
      if (failingSinceMillis == 0) {
        failingSinceMillis = now;
      }
    }
  }

  /** Writes what has arrived since the last flush, in chunks of {@link #CHUNK} hosts. */
  void flush() {
    Instant cycle = clock.instant();
    if (latest.isEmpty()) {
      writtenThrough = cycle;
      return;
    }
    List<HostVitals> all = new ArrayList<>(latest.values());
    // Ordered by host so that two writers of the same rows always lock them in the same order.
    all.sort(Comparator.comparing(HostVitals::hostId));
    long started = System.nanoTime();
    for (int from = 0; from < all.size(); from += CHUNK) {
      List<HostVitals> chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
      List<HostVitals> osStored = jdbi.inTransaction(handle -> write(handle, chunk));
      // known only once committed
      osStored.forEach(vitals -> vitals.osStored().set(vitals.osVersion()));
      // Drop what was written, unless a newer heartbeat replaced it meanwhile.
      chunk.forEach(vitals -> latest.remove(vitals.hostId(), vitals));
    }
    writtenThrough = cycle;
    flushLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
  }

  /**
   * Every heartbeat this instance received before this time is in the database: the start of the
   * last flush that wrote everything. Behind by the flush's own time when writes lag (a
   * registration storm, a database under load, a database down).
   */
  public Instant writtenThrough() {
    return writtenThrough;
  }

  /** Writes the batch; returns the vitals whose OS version is now known to be stored. */
  private List<HostVitals> write(Handle handle, List<HostVitals> batch) {
    UUID[] ids = batch.stream().map(HostVitals::hostId).toArray(UUID[]::new);
    // The flush never waits for a host's rows: one locked right now is changing status (its stream
    // opening or closing, the sweeper; their triggers also write the vitals row) in a transaction
    // that may wait for rows this one holds. A host skipped here comes back online, or gets its new
    // OS version and vitals, with its next heartbeat. The vitals rows come first, and tell (from
    // the status copied there) which few hosts may need to come back online.
    List<UUID> offline =
        handle
            .createQuery(
                """
                WITH free AS (
                    SELECT host_id FROM host_vitals WHERE host_id = ANY(:ids)
                     ORDER BY host_id
                       FOR NO KEY UPDATE SKIP LOCKED),
                written AS (
                    UPDATE host_vitals v
                    SET cpu_percent = u.cpu, memory_percent = u.memory, disk_percent = u.disk,
                        uptime_seconds = u.uptime, last_seen = to_timestamp(u.seen),
                        heartbeat_interval_seconds = u.interval_seconds,
                        net_rx_bytes_per_sec = u.rx, net_tx_bytes_per_sec = u.tx
                    FROM unnest(CAST(:ids AS uuid[]), CAST(:cpu AS real[]),
                                CAST(:memory AS real[]), CAST(:disk AS real[]),
                                CAST(:uptime AS bigint[]), CAST(:seen AS float8[]),
                                CAST(:intervals AS int[]), CAST(:rx AS bigint[]),
                                CAST(:tx AS bigint[]))
                         AS u(id, cpu, memory, disk, uptime, seen, interval_seconds, rx, tx)
                    JOIN free f ON f.host_id = u.id
                    WHERE v.host_id = u.id
                    RETURNING v.host_id, v.host_status)
                SELECT host_id FROM written WHERE host_status IN ('offline', 'unknown')
                """)
            .bind("ids", ids)
            .bind("cpu", floats(batch, HostVitals::cpuPercent))
            .bind("memory", floats(batch, HostVitals::memoryPercent))
            .bind("disk", floats(batch, HostVitals::diskPercent))
            .bind("uptime", batch.stream().map(HostVitals::uptimeSeconds).toArray(Long[]::new))
            .bind("rx", batch.stream().map(HostVitals::netRxBytesPerSec).toArray(Long[]::new))
            .bind("tx", batch.stream().map(HostVitals::netTxBytesPerSec).toArray(Long[]::new))
            .bind(
                "seen",
                batch.stream().map(v -> v.seenAt().toEpochMilli() / 1000.0).toArray(Double[]::new))
            .bind(
                "intervals",
                batch.stream().map(HostVitals::heartbeatIntervalSeconds).toArray(Integer[]::new))
            .mapTo(UUID.class)
            .list();
    if (!offline.isEmpty()) {
      backOnline(handle, offline);
    }
    return storeOsVersions(handle, batch);
  }

  /**
   * The host row itself is written only when the OS version reported actually changed, and read
   * only for versions its stream does not know to be stored. Returns the vitals whose version was
   * found stored or written; a host whose row is locked right now is left for its next heartbeat.
   */
  private List<HostVitals> storeOsVersions(Handle handle, List<HostVitals> batch) {
    List<HostVitals> unknown =
        batch.stream()
            .filter(v -> !v.osVersion().isEmpty() && !v.osStored().is(v.osVersion()))
            .toList();
    if (unknown.isEmpty()) {
      return List.of();
    }
    // The outer SELECT sees the rows as they were before the UPDATE (one snapshot): the hosts that
    // already had the version, plus those the UPDATE wrote.
    List<UUID> stored =
        handle
            .createQuery(
                """
                WITH reported AS (
                    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:osVersions AS text[]))
                                  AS u(id, os_version)),
                changed AS (
                    UPDATE hosts h SET os_version = c.os_version
                    FROM (SELECT s.id, r.os_version
                            FROM reported r JOIN hosts s ON s.id = r.id
                           WHERE s.os_version IS DISTINCT FROM r.os_version
                           ORDER BY s.id
                             FOR NO KEY UPDATE OF s SKIP LOCKED) c
                    WHERE h.id = c.id
                    RETURNING h.id)
                SELECT s.id FROM reported r JOIN hosts s ON s.id = r.id
                 WHERE s.os_version = r.os_version
                UNION ALL
                SELECT id FROM changed
                """)
            .bind("ids", unknown.stream().map(HostVitals::hostId).toArray(UUID[]::new))
            .bind("osVersions", unknown.stream().map(HostVitals::osVersion).toArray(String[]::new))
            .mapTo(UUID.class)
            .list();
    Set<UUID> found = new HashSet<>(stored);
    return unknown.stream().filter(v -> found.contains(v.hostId())).toList();
  }

  /** Hosts the sweeper marked offline while their stream stayed open come back online. */
  private void backOnline(Handle handle, List<UUID> hosts) {
    List<UUID> agents =
        handle
            .createQuery(
                """
                UPDATE hosts SET status = 'online'
                WHERE id IN (
                    SELECT id FROM hosts
                     WHERE id = ANY(:ids) AND status IN ('offline', 'unknown')
                       AND stream_id IS NOT NULL
                       AND deleted_at IS NULL AND agent_id IS NOT NULL
                     ORDER BY id
                       FOR NO KEY UPDATE SKIP LOCKED)
                RETURNING agent_id
                """)
            .bind("ids", hosts.toArray(UUID[]::new))
            .mapTo(UUID.class)
            .list();
    if (agents.isEmpty()) {
      return;
    }
    handle
        .createUpdate(
            "UPDATE agents SET status = 'active' WHERE id = ANY(:ids) AND status = 'offline'")
        .bind("ids", agents.toArray(UUID[]::new))
        .execute();
    AgentHistory.recordAll(
        handle, agents, "online", Collections.nCopies(agents.size(), "heartbeat received"), clock);
  }

  private static Float[] floats(
      List<HostVitals> batch, java.util.function.ToDoubleFunction<HostVitals> field) {
    return batch.stream().map(v -> (float) field.applyAsDouble(v)).toArray(Float[]::new);
  }

  @Override
  public void close() {
    try {
      if (flusher != null) {
        flusher.shutdown();
        flusher.awaitTermination(5, TimeUnit.SECONDS);
      }
      flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("event=vitals_final_flush_failed error={}", e.toString());
    }
  }
}
