package io.ctops.server.services;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.hosts.HostDetail;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.queries.HostQueries;
import io.ctops.server.queries.PortEntry;
import io.ctops.server.queries.QueryState;
import io.ctops.server.queries.QueryType;
import io.ctops.server.queries.ServiceEntry;
import io.ctops.server.tasks.Task;
import io.ctops.server.tasks.TaskQueue;
import io.ctops.server.tasks.TaskType;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A host's Services tab (the list with search and filters, refreshed from the agent at most every
 * {@link HostQueries#MIN_INTERVAL} while open; start / stop / restart with the task's progress),
 * the listening ports on its Overview, and both in the JSON API. Anyone who sees the host may ask
 * for a fresh list; engineers and admins on the host act on units.
 */
public final class ServicesPages {
  static final int MAX_SEARCH_LENGTH = 200;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Pages pages;
  private final HostRecords records;
  private final HostQueries queries;
  private final TaskQueue tasks;
  private final TaskType serviceTask;
  private final Clock clock;

  public ServicesPages(
      Pages pages,
      HostRecords records,
      HostQueries queries,
      TaskQueue tasks,
      TaskType serviceTask,
      Clock clock) {
    this.pages = pages;
    this.records = records;
    this.queries = queries;
    this.tasks = tasks;
    this.serviceTask = serviceTask;
    this.clock = clock;
  }

  public void routes(RoutesConfig routes) {
    routes.get("/hosts/{id}/services", this::tab);
    routes.get("/hosts/{id}/services/list", ctx -> list(ctx, false));
    routes.post("/hosts/{id}/services/refresh", ctx -> list(ctx, true));
    routes.post("/hosts/{id}/services/action", this::act);
    routes.get("/hosts/{id}/services/tasks/{task}", this::taskPanel);
    routes.get("/hosts/{id}/ports", ctx -> ports(ctx, false));
    routes.post("/hosts/{id}/ports/refresh", ctx -> ports(ctx, true));
    routes.get("/api/v1/hosts/{id}/services", ctx -> api(ctx, QueryType.SERVICES, false));
    routes.post("/api/v1/hosts/{id}/services/refresh", ctx -> api(ctx, QueryType.SERVICES, true));
    routes.get("/api/v1/hosts/{id}/ports", ctx -> api(ctx, QueryType.PORTS, false));
    routes.post("/api/v1/hosts/{id}/ports/refresh", ctx -> api(ctx, QueryType.PORTS, true));
  }

  private static boolean mayAct(Role role) {
    return role != Role.READ_ONLY;
  }

  private ServicesView view(Context ctx, boolean ask) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    boolean online = "online".equals(host.status()) && !host.isDeleted();
    if (ask && !host.isDeleted()) {
      queries.ask(host.id(), QueryType.SERVICES, ServiceEntry.class);
    }
    String search = Optional.ofNullable(ctx.queryParam("q")).orElse("").strip();
    if (search.length() > MAX_SEARCH_LENGTH) {
      throw HttpProblem.badRequest("q is limited to " + MAX_SEARCH_LENGTH + " characters");
    }
    String filter = Optional.ofNullable(ctx.queryParam("filter")).orElse("all");
    if (!ServicesView.FILTERS.contains(filter)) {
      throw HttpProblem.badRequest("filter must be one of " + ServicesView.FILTERS);
    }
    boolean mayOperate = mayAct(records.roleOn(user, host));
    return new ServicesView(
        host,
        queries.state(host.id(), QueryType.SERVICES, ServiceEntry.class),
        search,
        filter,
        online && mayOperate,
        online,
        mayOperate,
        clock.instant());
  }

  private void tab(Context ctx) {
    ServicesView view = view(ctx, false);
    pages.page(ctx, "hosts/services.jte", view.host().shownName(), "hosts", view);
  }

  private void list(Context ctx, boolean ask) {
    pages.fragment(ctx, "hosts/service-list.jte", view(ctx, ask));
  }

  /** The task panel of one service action: progress while it runs, then its outcome. */
  public record TaskPanel(HostDetail host, Task task, String unit, String action) {
    static TaskPanel of(HostDetail host, Task task) {
      JsonNode parameters;
      try {
        parameters = JSON.readTree(task.parameters());
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
      return new TaskPanel(
          host, task, parameters.path("service_name").asText(), parameters.path("action").asText());
    }

    /** The last lines the agent printed (systemctl's status), at most 15. */
    public List<String> lastLines() {
      List<String> lines = task.output().lines().toList();
      return lines.subList(Math.max(0, lines.size() - 15), lines.size());
    }
  }

  private void act(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    if (!mayAct(user.role())) {
      throw HttpProblem.forbidden("read-only users cannot start, stop or restart services");
    }
    HostDetail host = records.require(user, ctx.pathParam("id"));
    if (!mayAct(records.roleOn(user, host))) {
      throw HttpProblem.forbidden("you are read-only on this host's groups");
    }
    if (host.isDeleted()) {
      throw HttpProblem.conflict("the host is deleted");
    }
    ObjectNode given = JsonNodeFactory.instance.objectNode();
    given.put("service_name", Optional.ofNullable(ctx.formParam("unit")).orElse("").strip());
    given.put("action", Optional.ofNullable(ctx.formParam("action")).orElse(""));
    UUID id;
    try {
      id =
          tasks.request(
              user.orgId(),
              host.id(),
              serviceTask,
              serviceTask.parameters(given),
              WebAccess.actor(ctx));
    } catch (TaskType.InvalidParameters e) {
      throw HttpProblem.badRequest(e.getMessage());
    } catch (TaskType.Refused e) {
      throw HttpProblem.conflict(e.getMessage());
    }
    pages.fragment(
        ctx,
        "hosts/service-task.jte",
        TaskPanel.of(host, tasks.find(user.orgId(), id).orElseThrow()));
  }

  private void taskPanel(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    Task task =
        tasks
            .find(user.orgId(), UuidParam.parse(ctx.pathParam("task"), "task"))
            .filter(t -> t.hostId().equals(host.id()) && t.type().equals(ServiceTask.NAME))
            .orElseThrow(() -> HttpProblem.notFound("no such service task on this host"));
    if (task.isFinished() && "1".equals(ctx.queryParam("waiting"))) {
      // the list is asked again when the task ends: show it as it comes
      ctx.header("HX-Trigger", "services-changed");
    }
    pages.fragment(ctx, "hosts/service-task.jte", TaskPanel.of(host, task));
  }

  /** The Overview's listening ports. */
  public record PortsView(HostDetail host, QueryState<PortEntry> state, Instant now) {
    public boolean isWaiting() {
      return state.waiting() && !state.isOverdue(now, HostQueries.PATIENCE);
    }
  }

  private void ports(Context ctx, boolean ask) {
    HostDetail host = records.require(WebAccess.principal(ctx), ctx.pathParam("id"));
    if (ask && !host.isDeleted()) {
      queries.ask(host.id(), QueryType.PORTS, PortEntry.class);
    }
    pages.fragment(ctx, "hosts/ports.jte", portsView(host));
  }

  public PortsView portsView(HostDetail host) {
    return new PortsView(
        host, queries.state(host.id(), QueryType.PORTS, PortEntry.class), clock.instant());
  }

  /** The JSON API's answer: the latest list and how fresh it is. */
  public record QueryResponse(
      UUID hostId,
      String query,
      Instant requestedAt,
      boolean waiting,
      Instant answeredAt,
      String error,
      List<?> items) {}

  private void api(Context ctx, QueryType type, boolean ask) {
    HostDetail host = records.require(WebAccess.principal(ctx), ctx.pathParam("id"));
    if (ask && host.isDeleted()) {
      throw HttpProblem.conflict("the host is deleted");
    }
    Class<?> item = type == QueryType.SERVICES ? ServiceEntry.class : PortEntry.class;
    QueryState<?> state =
        ask ? queries.ask(host.id(), type, item) : queries.state(host.id(), type, item);
    ctx.status(ask ? 202 : 200)
        .json(
            new QueryResponse(
                host.id(),
                type.wireName(),
                state.requestedAt(),
                state.waiting(),
                state.answeredAt(),
                state.error(),
                state.items()));
  }
}
