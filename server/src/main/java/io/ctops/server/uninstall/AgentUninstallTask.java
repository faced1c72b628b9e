package io.ctops.server.uninstall;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import io.ctops.server.auth.Role;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.tasks.TaskQueue;
import io.ctops.server.tasks.TaskState;
import io.ctops.server.tasks.TaskType;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The agent removes itself from its host: {@code config_json} {@code {"remove_data": bool}}, result
 * {@code {"status": "scheduled", "note"}} once the agent has started its uninstaller detached.
 * Admins only, for an online host, one at a time. Whatever the end — confirmed, refused, or no
 * answer within {@link #TIMEOUT} — the host is then deleted (soft, as a delete without uninstall),
 * and the audit log has the uninstall's outcome and the deletion, by whoever asked.
 */
public final class AgentUninstallTask implements TaskType {
  public static final String NAME = "agent_uninstall";

  /** How long the agent has to confirm before the host is deleted anyway. */
  public static final Duration TIMEOUT = Duration.ofMinutes(2);

  private final Clock clock;

  public AgentUninstallTask(Clock clock) {
    this.clock = clock;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public JsonNode parameters(JsonNode given) throws InvalidParameters {
    if (!given.isObject()) {
      throw new InvalidParameters("send {\"remove_data\": true|false}");
    }
    for (Iterator<String> names = given.fieldNames(); names.hasNext(); ) {
      String key = names.next();
      if (!key.equals("remove_data")) {
        throw new InvalidParameters("unknown parameter \"" + key + "\"");
      }
    }
    JsonNode removeData = given.get("remove_data");
    if (removeData != null && !removeData.isBoolean()) {
      throw new InvalidParameters("\"remove_data\" must be true or false");
    }
    ObjectNode parameters = JsonNodeFactory.instance.objectNode();
    parameters.put("remove_data", removeData != null && removeData.asBoolean());
    return parameters;
  }

  @Override
  public boolean mayRequest(Role role) {
    return role.isAdmin();
  }

  @Override
  public Duration timeout() {
    return TIMEOUT;
  }

  @Override
  public UUID request(Handle handle, TaskQueue.NewTask task) throws Refused {
    String status = TaskQueue.hostStatus(handle, task.hostId());
    if (!status.equals("online")) {
      throw new Refused(
          "the host is "
              + status
              + ": its agent cannot uninstall itself now; delete the host without uninstalling");
    }
    try {
      handle.execute("SAVEPOINT uninstall");
      UUID id = TaskQueue.insert(handle, task);
      handle.execute("RELEASE SAVEPOINT uninstall");
      return id;
    } catch (UnableToExecuteStatementException e) {
      if (!isUniqueViolation(e)) {
        throw e;
      }
      handle.execute("ROLLBACK TO SAVEPOINT uninstall");
      throw new Refused("an uninstall of this host's agent is already under way");
    }
  }

  private static boolean isUniqueViolation(UnableToExecuteStatementException e) {
    return e.getCause() instanceof java.sql.SQLException sql
        && Set.of("23505").contains(sql.getSQLState());
  }

  /** Records the uninstall's outcome, then deletes the host. */
  @Override
  public void ended(Handle handle, List<EndedTask> tasks) {
    for (EndedTask ended : tasks) {
      TaskQueue.Requested requested = TaskQueue.requested(handle, ended.id());
      Target host = Target.host(ended.hostId(), requested.hostname());
      AuditEntry uninstall =
          AuditEntry.of(requested.orgId(), requested.requester(), AuditAction.AGENT_UNINSTALL)
              .target(host)
              .param("task_id", ended.id().toString());
      AuditLog.record(
          handle,
          ended.state() == TaskState.SUCCEEDED ? uninstall : uninstall.failed(reason(ended)));
      int deleted =
          HostRecords.softDeleteAll(
              handle,
              requested.orgId(),
              List.of(ended.hostId()),
              requested.requester(),
              clock.instant());
      if (deleted > 0) {
        AuditLog.record(
            handle,
            AuditEntry.of(requested.orgId(), requested.requester(), AuditAction.HOST_DELETE)
                .target(host)
                .param("uninstall", ended.state().dbName()));
      }
    }
  }

  static String reason(EndedTask ended) {
    return switch (ended.state()) {
      case TIMED_OUT ->
          "the agent did not confirm within "
              + TIMEOUT.toMinutes()
              + " minutes; the host was deleted anyway";
      case CANCELLED -> "cancelled: " + ended.error();
      default -> ended.error() == null ? "the agent refused" : ended.error();
    };
  }
}
