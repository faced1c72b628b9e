package io.ctops.server.inventory;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ctops.agent.inventory.InstalledPackage;
import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import io.ctops.server.platform.grpc.AgentText;
import io.ctops.server.tasks.TaskQueue;
import io.ctops.server.tasks.TaskType;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;

/**
 * Software scans of hosts and the package records they produce. A scan is queued as a task (at most
 * one under way per host; see {@link SoftwareScanTask}), runs while its chunks arrive, and is
 * applied in one transaction when the last chunk is in: packages seen are upserted (first_seen
 * kept, last_seen and a comeback's removed_at updated), packages of the host not in the scan are
 * marked removed. A failed scan changes no package.
 */
public final class SoftwareScans {
  static final int MAX_REASON = 1000;

  private final Jdbi jdbi;
  private final Clock clock;

  public SoftwareScans(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** A scan as the upload sees it. */
  public record Scan(UUID id, UUID orgId, UUID hostId, String status) {}

  /** Queues a scan the server itself decided on (no operator asked); see the other overload. */
  public UUID queue(UUID orgId, UUID hostId) {
    return jdbi.inTransaction(
        handle -> queue(handle, orgId, hostId, Actor.system("software scan")).scanId());
  }

  /**
   * Queues a scan of the host as a task unless one is already queued or running; returns the id of
   * the scan (and of its task). The operator's rescan is in the audit log either way, saying
   * whether it joined a scan under way.
   */
  public UUID queue(UUID orgId, UUID hostId, String hostname, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          Queued queued = queue(handle, orgId, hostId, by);
          AuditLog.record(
              handle,
              AuditEntry.of(orgId, by, AuditAction.HOST_RESCAN)
                  .target(Target.host(hostId, hostname))
                  .param("scan_id", queued.scanId().toString())
                  .param("joined_scan_under_way", queued.alreadyUnderWay()));
          return queued.scanId();
        });
  }

  /**
   * Queues a host's first scan in the caller's transaction (the one that makes its agent active),
   * so it runs on the agent's first heartbeat stream; nothing when one is already under way, as the
   * sweep of due scans also finds none to add while this one waits.
   */
  public void queueFirst(Handle handle, UUID orgId, UUID hostId) {
    queue(handle, orgId, hostId, Actor.system("first software scan"));
  }

  /**
   * Queues a scan of each online live host of the organisation among {@code hostIds} that has none
   * under way, in two statements (the scans' rows, then their tasks) in the caller's transaction;
   * returns how many were queued. Records nothing: the caller records the whole action once (a bulk
   * rescan over many chunks of hosts).
   */
  public int queueAll(Handle handle, UUID orgId, Collection<UUID> hostIds, Actor by) {
    Instant now = clock.instant();
    List<UUID[]> queued =
        handle
            .createQuery(
                """
                INSERT INTO software_scans (org_id, host_id, status, queued_at)
                SELECT h.org_id, h.id, 'queued', :now
                  FROM hosts h
                 WHERE h.org_id = :org AND h.id = ANY(:hosts) AND h.status = 'online'
                   AND h.deleted_at IS NULL
                ON CONFLICT (host_id) WHERE status IN ('queued', 'running') DO NOTHING
                RETURNING id, host_id
                """)
            .bind("now", Timestamp.from(now))
            .bind("org", orgId)
            .bindArray("hosts", UUID.class, hostIds)
            .map((rs, ctx) -> new UUID[] {rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)})
            .list();
    return TaskQueue.insertAll(
        handle,
        SoftwareScanTask.TYPE,
        JsonNodeFactory.instance.objectNode(),
        by,
        now,
        queued.stream().map(q -> q[0]).toList(),
        Collections.nCopies(queued.size(), orgId),
        queued.stream().map(q -> q[1]).toList());
  }

  private record Queued(UUID scanId, boolean alreadyUnderWay) {}

  private Queued queue(Handle handle, UUID orgId, UUID hostId, Actor requester) {
    TaskQueue.NewTask task =
        new TaskQueue.NewTask(
            UUID.randomUUID(),
            orgId,
            hostId,
            SoftwareScanTask.TYPE,
            JsonNodeFactory.instance.objectNode(),
            requester,
            clock.instant());
    try {
      return new Queued(SoftwareScanTask.TYPE.request(handle, task), false);
    } catch (TaskType.Refused underWay) {
      return new Queued(active(handle, hostId).orElseThrow(), true);
    }
  }

  private static Optional<UUID> active(Handle handle, UUID hostId) {
    return handle
        .createQuery(
            "SELECT id FROM software_scans WHERE host_id = :host"
                + " AND status IN ('queued', 'running')")
        .bind("host", hostId)
        .mapTo(UUID.class)
        .findOne();
  }

  public Optional<Scan> find(UUID scanId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT id, org_id, host_id, status FROM software_scans WHERE id = :id")
                .bind("id", scanId)
                .map(
                    (rs, ctx) ->
                        new Scan(
                            rs.getObject(1, UUID.class),
                            rs.getObject(2, UUID.class),
                            rs.getObject(3, UUID.class),
                            rs.getString(4)))
                .findOne());
  }

  /** The first chunk arrived: the scan runs. False when it was no longer queued or running. */
  public boolean start(UUID scanId, String source) {
    return jdbi.withHandle(
            handle ->
                handle
                    .createUpdate(
                        "UPDATE software_scans SET status = 'running', source = :source,"
                            + " started_at = coalesce(started_at, :now)"
                            + " WHERE id = :id AND status IN ('queued', 'running')")
                    .bind("source", source)
                    .bind("now", Timestamp.from(clock.instant()))
                    .bind("id", scanId)
                    .execute())
        == 1;
  }

  /** Fails the scan with {@code reason}, which may quote what an agent sent. */
  public void fail(UUID scanId, String reason) {
    jdbi.useHandle(
        handle ->
            handle
                .createUpdate(
                    "UPDATE software_scans SET status = 'failed', error = :reason,"
                        + " finished_at = :now WHERE id = :id AND status IN ('queued', 'running')")
                .bind("reason", AgentText.storable(reason, MAX_REASON))
                .bind("now", Timestamp.from(clock.instant()))
                .bind("id", scanId)
                .execute());
  }

  /**
   * Applies a complete scan in one transaction (packages through COPY into a temporary table).
   * False when the scan is no longer running (it timed out meanwhile): then nothing changes.
   */
  public boolean complete(Scan scan, String source, List<InstalledPackage> packages) {
    Instant now = clock.instant();
    return jdbi.inTransaction(
        handle -> {
          String status =
              handle
                  .createQuery("SELECT status FROM software_scans WHERE id = :id FOR UPDATE")
                  .bind("id", scan.id())
                  .mapTo(String.class)
                  .one();
          if (!status.equals("running")) {
            return false;
          }
          handle.execute(
              "CREATE TEMPORARY TABLE scanned (name text, version text, architecture text,"
                  + " publisher text, installed_at timestamptz) ON COMMIT DROP");
          copy(handle, packages);
          Timestamp at = Timestamp.from(now);
          handle
              .createUpdate(
                  """
                  INSERT INTO software_packages (host_id, org_id, name, version, architecture,
                                                 source, publisher, installed_at, first_seen,
                                                 last_seen)
                  SELECT DISTINCT ON (name, version, architecture)
                         :host, :org, name, version, architecture, :source, publisher,
                         installed_at, :at, :at
                    FROM scanned
                   ORDER BY name, version, architecture
                  ON CONFLICT (host_id, name, version, architecture, source) DO UPDATE
                     SET last_seen = excluded.last_seen, removed_at = NULL,
                         publisher = excluded.publisher,
                         installed_at = coalesce(excluded.installed_at,
                                                 software_packages.installed_at)
                  """)
              .bind("host", scan.hostId())
              .bind("org", scan.orgId())
              .bind("source", source)
              .bind("at", at)
              .execute();
          handle
              .createUpdate(
                  "UPDATE software_packages SET removed_at = :at"
                      + " WHERE host_id = :host AND removed_at IS NULL AND last_seen < :at")
              .bind("host", scan.hostId())
              .bind("at", at)
              .execute();
          handle
              .createUpdate(
                  "UPDATE software_scans SET status = 'completed', source = :source,"
                      + " package_count = :count, finished_at = :at WHERE id = :id")
              .bind("source", source)
              .bind("count", packages.size())
              .bind("at", at)
              .bind("id", scan.id())
              .execute();
          return true;
        });
  }

  private static void copy(Handle handle, List<InstalledPackage> packages) {
    StringBuilder csv = new StringBuilder(packages.size() * 64);
    for (InstalledPackage p : packages) {
      csv.append(quote(p.name()))
          .append(',')
          .append(quote(p.version()))
          .append(',')
          .append(quote(p.architecture()))
          .append(',')
          .append(quote(p.publisher()))
          .append(',');
      if (p.installedUnix() > 0) {
        csv.append(Instant.ofEpochSecond(p.installedUnix()));
      }
      csv.append('\n');
    }
    try {
      Connection connection = handle.getConnection();
      connection
          .unwrap(PGConnection.class)
          .getCopyAPI()
          .copyIn("COPY scanned FROM STDIN (FORMAT csv)", new StringReader(csv.toString()));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot stage the scan's packages", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String quote(String value) {
    return "\"" + value.replace("\"", "\"\"") + "\"";
  }
}
