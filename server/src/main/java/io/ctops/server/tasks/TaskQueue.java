package io.ctops.server.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The task table as operators use it: queue a task, read one or a host's recent ones, cancel.
 * Ending a task runs its type's {@link TaskType#ended} in the same transaction, so a type's own
 * records never disagree with the task.
 */
public final class TaskQueue {
  private final Jdbi jdbi;
  private final TaskTypes types;
  private final Clock clock;

  public TaskQueue(Jdbi jdbi, TaskTypes types, Clock clock) {
    this.jdbi = jdbi;
    this.types = types;
    this.clock = clock;
  }

  /** A task to queue; {@code id} is chosen by the caller so a type's own row can share it. */
  public record NewTask(
      UUID id,
      UUID orgId,
      UUID hostId,
      TaskType type,
      JsonNode parameters,
      Actor requester,
      Instant queuedAt) {}

  /** Inserts one queued task in the caller's transaction. */
  public static UUID insert(Handle handle, NewTask task) {
    insertAll(
        handle,
        task.type(),
        task.parameters(),
        task.requester(),
        task.queuedAt(),
        List.of(task.id()),
        List.of(task.orgId()),
        List.of(task.hostId()));
    return task.id();
  }

  /**
   * Inserts many queued tasks of one type with the same parameters in one statement (the system's
   * scheduled work over a fleet): {@code ids}, {@code orgs} and {@code hosts} are parallel lists.
   */
  public static int insertAll(
      Handle handle,
      TaskType type,
      JsonNode parameters,
      Actor requester,
      Instant now,
      List<UUID> ids,
      List<UUID> orgs,
      List<UUID> hosts) {
    if (ids.isEmpty()) {
      return 0;
    }
    return handle
        .createUpdate(
            """
            INSERT INTO tasks (id, org_id, host_id, type, parameters, requested_by,
                               requested_by_user, requester_name, timeout_seconds, queued_at)
            SELECT t.id, t.org, t.host, :type, CAST(:parameters AS jsonb), :kind, :user, :name,
                   :timeout, :now
              FROM unnest(:ids, :orgs, :hosts) AS t (id, org, host)
            """)
        .bind("type", type.name())
        .bind("parameters", parameters.toString())
        .bind("kind", requester.kind().dbName())
        .bind("user", requester.userId().orElse(null))
        .bind("name", requester.name())
        .bind("timeout", (int) type.timeout().toSeconds())
        .bind("now", Timestamp.from(now))
        .bindArray("ids", UUID.class, ids)
        .bindArray("orgs", UUID.class, orgs)
        .bindArray("hosts", UUID.class, hosts)
        .execute();
  }

  /**
   * Queues a task through its type (which may refuse); returns its id. Both are in the audit log:
   * the request with the task, a refusal on its own once the type's writes are rolled back.
   */
  public UUID request(UUID orgId, UUID hostId, TaskType type, JsonNode parameters, Actor by)
      throws TaskType.Refused {
    NewTask task =
        new NewTask(UUID.randomUUID(), orgId, hostId, type, parameters, by, clock.instant());
    AuditEntry entry =
        AuditEntry.of(orgId, by, AuditAction.TASK_REQUEST)
            .target(Target.task(task.id(), hostId, type.name()))
            .param("type", type.name())
            .param("parameters", parameters);
    try {
      return jdbi.inTransaction(
          handle -> {
            UUID id = type.request(handle, task);
            AuditLog.record(handle, entry);
            return id;
          });
    } catch (TaskType.Refused refused) {
      AuditLog.recordAlone(jdbi, entry.failed(refused.getMessage()));
      throw refused;
    }
  }

  /** The host's status (online, offline …), for a type that acts only on online hosts. */
  public static String hostStatus(Handle handle, UUID hostId) {
    return handle
        .createQuery("SELECT status FROM hosts WHERE id = :id")
        .bind("id", hostId)
        .mapTo(String.class)
        .one();
  }

  /** A task's requester and host, for what its type records when the task ends. */
  public record Requested(UUID orgId, UUID hostId, String hostname, Actor requester) {}

  /**
   * Who asked for the task and on which host, as the audit log names them (the request's address
   * and API key are in the entry of the request itself).
   */
  public static Requested requested(Handle handle, UUID taskId) {
    return handle
        .createQuery(
            """
            SELECT t.org_id, t.host_id, h.hostname, t.requested_by, t.requested_by_user,
                   t.requester_name
              FROM tasks t JOIN hosts h ON h.id = t.host_id WHERE t.id = :id
            """)
        .bind("id", taskId)
        .map(
            (rs, ctx) -> {
              Optional<UUID> user = Optional.ofNullable(rs.getObject(5, UUID.class));
              String name = rs.getString(6);
              Actor actor =
                  switch (rs.getString(4)) {
                    case "system" -> Actor.system(name);
                    case "api_key" ->
                        new Actor(
                            Actor.Kind.API_KEY,
                            user,
                            name,
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty());
                    default ->
                        new Actor(
                            Actor.Kind.USER,
                            user,
                            name,
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty());
                  };
              return new Requested(
                  rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), actor);
            })
        .one();
  }

  private static final String COLUMNS =
      """
      id, host_id, type, parameters::text, requested_by, requester_name, state, output,
      output_truncated, exit_code, result::text, error, queued_at, dispatched_at, started_at,
      finished_at
      """;

  public Optional<Task> find(UUID orgId, UUID taskId) {
    return jdbi.withHandle(handle -> find(handle, orgId, taskId));
  }

  private static Optional<Task> find(Handle handle, UUID orgId, UUID taskId) {
    return handle
        .createQuery("SELECT " + COLUMNS + " FROM tasks WHERE id = :id AND org_id = :org")
        .bind("id", taskId)
        .bind("org", orgId)
        .map((rs, ctx) -> task(rs))
        .findOne();
  }

  /** The host's newest tasks first. */
  public List<Task> forHost(UUID orgId, UUID hostId, int limit) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM tasks WHERE host_id = :host AND org_id = :org"
                        + " ORDER BY queued_at DESC, id LIMIT :limit")
                .bind("host", hostId)
                .bind("org", orgId)
                .bind("limit", limit)
                .map((rs, ctx) -> task(rs))
                .list());
  }

  /** The host's newest task of one type (a page showing whether its rescan is under way). */
  public Optional<Task> latest(UUID orgId, UUID hostId, String type) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM tasks WHERE host_id = :host AND org_id = :org AND type = :type"
                        + " ORDER BY queued_at DESC, id LIMIT 1")
                .bind("host", hostId)
                .bind("org", orgId)
                .bind("type", type)
                .map((rs, ctx) -> task(rs))
                .findOne());
  }

  /** The outcome of a cancellation. */
  public sealed interface Cancellation {
    /** The task was under way and is now cancelled; its agent is told to stop. */
    record Cancelled(Task task) implements Cancellation {}

    /** The task had already ended. */
    record AlreadyFinished(Task task) implements Cancellation {}

    /** No such task in the organisation. */
    record Unknown() implements Cancellation {}
  }

  /**
   * Cancels a task that has not ended; the agent holding it is told by its ingest instance. The
   * audit log has the cancellation, or the refusal of one that had already ended.
   */
  public Cancellation cancel(UUID orgId, UUID taskId, Actor by) {
    Instant now = clock.instant();
    return jdbi.inTransaction(
        handle -> {
          Optional<Task> cancelled =
              handle
                  .createQuery(
                      """
                      UPDATE tasks SET state = 'cancelled', finished_at = :now,
                             error = 'cancelled by ' || :name
                       WHERE id = :id AND org_id = :org
                         AND state IN ('queued', 'dispatched', 'running')
                      RETURNING
                      """
                          + COLUMNS)
                  .bind("now", Timestamp.from(now))
                  .bind("name", by.name())
                  .bind("id", taskId)
                  .bind("org", orgId)
                  .map((rs, ctx) -> task(rs))
                  .findOne();
          if (cancelled.isPresent()) {
            Task task = cancelled.get();
            ended(
                handle,
                types,
                List.of(
                    new TypedEnd(
                        task.type(),
                        new TaskType.EndedTask(
                            taskId, task.hostId(), TaskState.CANCELLED, task.error()))));
            AuditLog.record(handle, cancellation(orgId, by, task));
            return new Cancellation.Cancelled(task);
          }
          Optional<Task> ended = find(handle, orgId, taskId);
          if (ended.isEmpty()) {
            return new Cancellation.Unknown();
          }
          AuditLog.record(
              handle,
              cancellation(orgId, by, ended.get())
                  .failed("the task has already ended (" + ended.get().state() + ")"));
          return new Cancellation.AlreadyFinished(ended.get());
        });
  }

  private static AuditEntry cancellation(UUID orgId, Actor by, Task task) {
    return AuditEntry.of(orgId, by, AuditAction.TASK_CANCEL)
        .target(Target.task(task.id(), task.hostId(), task.type()));
  }

  static Task task(ResultSet rs) throws SQLException {
    return new Task(
        rs.getObject(1, UUID.class),
        rs.getObject(2, UUID.class),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        rs.getString(8),
        rs.getBoolean(9),
        (Integer) rs.getObject(10),
        rs.getString(11),
        rs.getString(12),
        instant(rs.getTimestamp(13)),
        instant(rs.getTimestamp(14)),
        instant(rs.getTimestamp(15)),
        instant(rs.getTimestamp(16)));
  }

  private static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }

  /** Groups ended tasks by type and hands each group to its type. */
  static void ended(Handle handle, TaskTypes types, List<TypedEnd> ended) {
    Map<String, List<TaskType.EndedTask>> byType =
        ended.stream()
            .collect(
                Collectors.groupingBy(
                    TypedEnd::type,
                    LinkedHashMap::new,
                    Collectors.mapping(TypedEnd::task, Collectors.toList())));
    byType.forEach((type, group) -> types.find(type).ifPresent(t -> t.ended(handle, group)));
  }

  /** An ended task with its type's name. */
  record TypedEnd(String type, TaskType.EndedTask task) {}
}
