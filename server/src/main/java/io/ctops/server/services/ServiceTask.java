package io.ctops.server.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import io.ctops.server.auth.Role;
import io.ctops.server.queries.HostQueries;
import io.ctops.server.queries.QueryType;
import io.ctops.server.tasks.TaskQueue;
import io.ctops.server.tasks.TaskState;
import io.ctops.server.tasks.TaskType;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Start, stop, restart or the status of a systemd unit, run by the host's agent: {@code
 * config_json} {@code {"service_name", "action"}} and result {@code {"service_name", "action",
 * "is_active"}}, the names agents in the field use. Refused before anything is queued when the name
 * is not a unit name, the action is unknown, the host is not online, or its agent's latest list of
 * services does not have the unit. When it ends, the audit log gets the outcome and the host's
 * services are asked for again.
 */
public final class ServiceTask implements TaskType {
  public static final String NAME = "service";

  /** A stop may wait for the unit's own stop timeout (90 s by default) before it is killed. */
  static final Duration TIMEOUT = Duration.ofMinutes(5);

  private final Clock clock;

  public ServiceTask(Clock clock) {
    this.clock = clock;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public JsonNode parameters(JsonNode given) throws InvalidParameters {
    if (!given.isObject()) {
      throw new InvalidParameters("send {\"service_name\": …, \"action\": …}");
    }
    for (Iterator<String> names = given.fieldNames(); names.hasNext(); ) {
      String key = names.next();
      if (!key.equals("service_name") && !key.equals("action")) {
        throw new InvalidParameters("unknown parameter \"" + key + "\"");
      }
    }
    JsonNode unit = given.get("service_name");
    if (unit == null || !unit.isTextual()) {
      throw new InvalidParameters("give \"service_name\", the unit's name, e.g. nginx.service");
    }
    Optional<String> problem = UnitName.problem(unit.asText());
    if (problem.isPresent()) {
      throw new InvalidParameters(problem.get());
    }
    JsonNode action = given.get("action");
    if (action == null || !action.isTextual() || ServiceAction.of(action.asText()).isEmpty()) {
      throw new InvalidParameters("\"action\" must be " + ServiceAction.names());
    }
    if (action.asText().equals("stop")
        && UnitName.full(unit.asText()).equals(UnitName.AGENT_UNIT)) {
      throw new InvalidParameters(
          "stopping the agent's own unit "
              + UnitName.AGENT_UNIT
              + " would cut this host off; stop it on the host");
    }
    ObjectNode parameters = JsonNodeFactory.instance.objectNode();
    parameters.put("service_name", unit.asText());
    parameters.put("action", action.asText());
    return parameters;
  }

  @Override
  public boolean mayRequest(Role role) {
    return role != Role.READ_ONLY;
  }

  @Override
  public Duration timeout() {
    return TIMEOUT;
  }

  @Override
  public UUID request(Handle handle, TaskQueue.NewTask task) throws Refused {
    String status = TaskQueue.hostStatus(handle, task.hostId());
    if (!status.equals("online")) {
      throw new Refused("the host is " + status + ": its agent cannot act now; nothing was queued");
    }
    String unit = task.parameters().get("service_name").asText();
    Optional<Boolean> listed =
        handle
            .createQuery(
                """
                SELECT EXISTS (SELECT 1 FROM jsonb_array_elements(items) s
                                WHERE s->>'name' = :unit OR s->>'name' = :full)
                  FROM host_queries
                 WHERE host_id = :host AND type = 'list_services' AND status = 'ok'
                """)
            .bind("host", task.hostId())
            .bind("unit", unit)
            .bind("full", UnitName.full(unit))
            .mapTo(Boolean.class)
            .findOne();
    if (listed.isPresent() && !listed.get()) {
      throw new Refused(
          "the host's agent does not list a unit named "
              + unit
              + "; refresh the list if it was added since");
    }
    return TaskQueue.insert(handle, task);
  }

  /** Records each outcome in the audit log and asks for the host's services again. */
  @Override
  public void ended(Handle handle, List<EndedTask> tasks) {
    for (EndedTask ended : tasks) {
      TaskQueue.Requested requested = TaskQueue.requested(handle, ended.id());
      ServiceOutcome outcome = ServiceOutcome.of(handle, ended.id());
      AuditEntry entry =
          AuditEntry.of(requested.orgId(), requested.requester(), AuditAction.SERVICE_ACTION)
              .target(
                  new Target(
                      "service", outcome.unit(), outcome.unit(), Optional.of(ended.hostId())))
              .param("host", requested.hostname())
              .param("service_name", outcome.unit())
              .param("action", outcome.action())
              .param("task_id", ended.id().toString())
              .param("exit_code", outcome.exitCode())
              .param("is_active", outcome.isActive());
      AuditLog.record(
          handle,
          ended.state() == TaskState.SUCCEEDED
              ? entry
              : entry.failed(
                  ended.error() == null ? "the task " + ended.state().dbName() : ended.error()));
      HostQueries.ask(handle, ended.hostId(), QueryType.SERVICES, clock.instant(), true);
    }
  }
}
