package io.ctops.server.checks;

import io.ctops.protocol.v1.CheckDefinition;
import io.ctops.server.groups.HostSelector;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which checks each host runs, for the heartbeat answers of an ingest instance: every enabled
 * check's stored selector matched against every live host in one query, kept in memory. Refreshed
 * when definitions change ({@code LISTEN checks_changed}) and every {@code refreshEvery} (group
 * members and tags change too); a host not known yet (just approved) is looked up on its own within
 * a second. Hosts with the same checks share one {@link CheckSet}, and a refresh that changes
 * nothing for a host keeps its set: a stream sends the set again only when it is another object.
 */
public final class CheckAssignments implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CheckAssignments.class);

  /** A host's checks as the heartbeat answer carries them. */
  public record CheckSet(List<CheckDefinition> definitions) {
    public static final CheckSet NONE = new CheckSet(List.of());
  }

  /** How often every host's checks are read again (group members and tags change meanwhile). */
  public static final Duration REFRESH_EVERY = Duration.ofSeconds(60);

  private final Jdbi jdbi;
  private final DataSource dataSource;
  private final Duration refreshEvery;
  private final Map<UUID, CheckSet> byHost = new ConcurrentHashMap<>();
  private final Set<UUID> unknown = ConcurrentHashMap.newKeySet();
  // sets by content, so that an unchanged set stays the same object across refreshes
  private volatile Map<List<String>, CheckSet> sets = Map.of();
  private volatile boolean running = true;
  private final Thread worker;

  public CheckAssignments(Jdbi jdbi, DataSource dataSource, Duration refreshEvery) {
    this.jdbi = jdbi;
    this.dataSource = dataSource;
    this.refreshEvery = refreshEvery;
    this.worker = Thread.ofPlatform().name("check-assignments").daemon().unstarted(this::run);
  }

  /** Loads every host's checks now, then keeps them current. */
  public CheckAssignments start() {
    refresh();
    worker.start();
    return this;
  }

  /** The host's checks; a host not known yet gets none until it is looked up (within a second). */
  public CheckSet forHost(UUID hostId) {
    CheckSet set = byHost.get(hostId);
    if (set == null) {
      unknown.add(hostId);
      return CheckSet.NONE;
    }
    return set;
  }

  /** Reads every host's checks again. */
  public void refresh() {
    Map<UUID, CheckSet> fresh = load(null);
    byHost.keySet().retainAll(fresh.keySet());
    byHost.putAll(fresh);
  }

  private Map<UUID, CheckSet> load(Collection<UUID> hosts) {
    Map<List<String>, CheckSet> previous = sets;
    Map<List<String>, CheckSet> interned = new HashMap<>();
    Map<UUID, CheckSet> result = new HashMap<>();
    jdbi.useHandle(
        handle -> {
          Map<UUID, CheckDefinition> definitions = new HashMap<>();
          Map<UUID, String> versions = new HashMap<>();
          handle
              .createQuery(
                  "SELECT id, check_type, config::text AS config, interval_seconds, updated_at"
                      + " FROM checks WHERE enabled")
              .map(
                  (rs, ctx) -> {
                    UUID id = rs.getObject("id", UUID.class);
                    definitions.put(
                        id,
                        CheckDefinition.newBuilder()
                            .setCheckId(id.toString())
                            .setCheckType(rs.getString("check_type"))
                            .setConfigJson(rs.getString("config"))
                            .setIntervalSeconds(rs.getInt("interval_seconds"))
                            .build());
                    versions.put(id, id + "@" + rs.getTimestamp("updated_at").getTime());
                    return id;
                  })
              .list();
          var query =
              handle
                  .createQuery(
                      """
                      SELECT h.id AS host_id, c.id AS check_id
                        FROM hosts h
                        LEFT JOIN checks c ON c.org_id = h.org_id AND c.enabled AND %s
                       WHERE h.deleted_at IS NULL %s
                       ORDER BY h.id, lower(c.name), c.id
                      """
                          .formatted(
                              HostSelector.storedCondition("c.selector", "c.selector_terms"),
                              hosts == null ? "" : "AND h.id = ANY(:hosts)"))
                  .setFetchSize(10_000);
          if (hosts != null) {
            query.bindArray("hosts", UUID.class, hosts);
          }
          UUID[] current = {null};
          List<UUID> checks = new ArrayList<>();
          Runnable close =
              () -> {
                if (current[0] != null) {
                  result.put(current[0], intern(checks, definitions, versions, previous, interned));
                }
              };
          try (var rows =
              query
                  .map(
                      (rs, ctx) ->
                          new UUID[] {
                            rs.getObject("host_id", UUID.class),
                            rs.getObject("check_id", UUID.class)
                          })
                  .stream()) {
            rows.forEach(
                row -> {
                  if (!row[0].equals(current[0])) {
                    close.run();
                    current[0] = row[0];
                    checks.clear();
                  }
                  if (row[1] != null) {
                    checks.add(row[1]);
                  }
                });
          }
          close.run();
        });
    if (hosts == null) {
      sets = interned;
    } else {
      Map<List<String>, CheckSet> merged = new HashMap<>(previous);
      merged.putAll(interned);
      sets = merged;
      // hosts looked up that have no checks: known now, with none
      hosts.forEach(host -> result.putIfAbsent(host, CheckSet.NONE));
    }
    return result;
  }

  private static CheckSet intern(
      List<UUID> checks,
      Map<UUID, CheckDefinition> definitions,
      Map<UUID, String> versions,
      Map<List<String>, CheckSet> previous,
      Map<List<String>, CheckSet> interned) {
    if (checks.isEmpty()) {
      return CheckSet.NONE;
    }
    List<String> key = checks.stream().map(versions::get).toList();
    return interned.computeIfAbsent(
        key,
        k -> {
          CheckSet before = previous.get(k);
          return before != null
              ? before
              : new CheckSet(checks.stream().map(definitions::get).toList());
        });
  }

  private void run() {
    long lastRefresh = System.nanoTime();
    while (running) {
      try (Connection connection = dataSource.getConnection()) {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
          statement.execute("LISTEN " + Checks.NOTIFY_CHANNEL);
        }
        PGConnection pg = connection.unwrap(PGConnection.class);
        while (running) {
          var notices = pg.getNotifications(1000);
          boolean due = System.nanoTime() - lastRefresh >= refreshEvery.toNanos();
          if ((notices != null && notices.length > 0) || due) {
            refresh();
            unknown.clear();
            lastRefresh = System.nanoTime();
          } else if (!unknown.isEmpty()) {
            List<UUID> hosts = new ArrayList<>(unknown);
            unknown.removeAll(hosts);
            byHost.putAll(load(hosts));
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (running) {
          log.warn("event=check_assignments_failed retry_in_ms=1000 error={}", e.toString());
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
      worker.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
