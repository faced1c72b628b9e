package io.ctops.server.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The tasks part of the JSON API: ask a host's agent to do something (any registered type the
 * caller's role may request), follow it, cancel it.
 */
public final class TasksApi {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Finds a host the caller sees (in their organisation and host scope), with the caller's role on
   * it; empty for any other host.
   */
  @FunctionalInterface
  public interface Hosts {
    Optional<HostAccess> find(Principal user, UUID hostId);
  }

  /** A host as the caller sees it: whether it is deleted, and the caller's role on it. */
  public record HostAccess(UUID id, boolean isDeleted, Role role) {}

  private final TaskQueue queue;
  private final TaskTypes types;
  private final Hosts hosts;

  public TasksApi(TaskQueue queue, TaskTypes types, Hosts hosts) {
    this.queue = queue;
    this.types = types;
    this.hosts = hosts;
  }

  /** The answer to a task request: the task as stored. */
  public record TaskList(List<Task> items) {}

  public void routes(RoutesConfig routes) {
    routes.get("/api/v1/hosts/{id}/tasks", this::list);
    routes.post("/api/v1/hosts/{id}/tasks", this::request);
    routes.get("/api/v1/tasks/{id}", ctx -> ctx.json(require(ctx)));
    routes.post("/api/v1/tasks/{id}/cancel", this::cancel);
  }

  /** The host named by a path: 404 when the caller does not see it, 409 when it is deleted. */
  private HostAccess requireActive(Principal user, String pathId) {
    HostAccess host =
        hosts
            .find(user, UuidParam.parse(pathId, "host"))
            .orElseThrow(() -> HttpProblem.notFound("no such host in this organisation"));
    if (host.isDeleted()) {
      throw HttpProblem.conflict("the host is deleted");
    }
    return host;
  }

  private void list(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostAccess host = requireActive(user, ctx.pathParam("id"));
    ctx.json(new TaskList(queue.forHost(user.orgId(), host.id(), 50)));
  }

  private void request(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    JsonNode body = body(ctx);
    JsonNode typeName = body.get("type");
    if (typeName == null || !typeName.isTextual()) {
      throw HttpProblem.badRequest("give the task's \"type\", one of " + types.names());
    }
    TaskType type =
        types
            .find(typeName.asText())
            .orElseThrow(
                () ->
                    HttpProblem.badRequest(
                        "unknown task type \""
                            + typeName.asText()
                            + "\"; known: "
                            + String.join(", ", types.names())));
    if (!type.mayRequest(user.role())) {
      throw HttpProblem.forbidden(
          user.role().label() + " users may not request " + type.name() + " tasks");
    }
    JsonNode given =
        body.has("parameters") ? body.get("parameters") : JsonNodeFactory.instance.objectNode();
    JsonNode parameters;
    try {
      parameters = type.parameters(given);
    } catch (TaskType.InvalidParameters e) {
      throw HttpProblem.badRequest("invalid parameters for " + type.name() + ": " + e.getMessage());
    }
    HostAccess host = requireActive(user, ctx.pathParam("id"));
    if (!type.mayRequest(host.role())) {
      throw HttpProblem.forbidden(
          "you are "
              + host.role().label().toLowerCase(Locale.ROOT)
              + " on this host's groups and may not request "
              + type.name()
              + " tasks");
    }
    UUID id;
    try {
      id = queue.request(user.orgId(), host.id(), type, parameters, WebAccess.actor(ctx));
    } catch (TaskType.Refused e) {
      throw HttpProblem.conflict(e.getMessage());
    }
    ctx.status(202).json(queue.find(user.orgId(), id).orElseThrow());
  }

  private void cancel(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    Task task = require(ctx);
    Role role = hosts.find(user, task.hostId()).map(HostAccess::role).orElse(user.role());
    if (!types.find(task.type()).map(t -> t.mayRequest(role)).orElse(user.isAdmin())) {
      throw HttpProblem.forbidden(
          user.role().label() + " users may not cancel " + task.type() + " tasks");
    }
    switch (queue.cancel(user.orgId(), task.id(), WebAccess.actor(ctx))) {
      case TaskQueue.Cancellation.Cancelled cancelled -> ctx.json(cancelled.task());
      case TaskQueue.Cancellation.AlreadyFinished finished ->
          throw HttpProblem.conflict(
              "the task has already ended (" + finished.task().state() + ")");
      case TaskQueue.Cancellation.Unknown unknown ->
          throw HttpProblem.notFound("no such task in this organisation");
    }
  }

  /** The task named by a path, if it is on a host the caller sees; otherwise 404. */
  private Task require(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    return queue
        .find(user.orgId(), UuidParam.parse(ctx.pathParam("id"), "task"))
        .filter(task -> hosts.find(user, task.hostId()).isPresent())
        .orElseThrow(() -> HttpProblem.notFound("no such task in this organisation"));
  }

  private static JsonNode body(Context ctx) {
    try {
      JsonNode body = JSON.readTree(ctx.body());
      if (body == null || !body.isObject()) {
        throw HttpProblem.badRequest("send a JSON object: {\"type\": …, \"parameters\": {…}}");
      }
      return body;
    } catch (JsonProcessingException e) {
      throw HttpProblem.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
    }
  }
}
