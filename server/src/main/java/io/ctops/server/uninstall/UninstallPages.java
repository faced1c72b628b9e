package io.ctops.server.uninstall;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.hosts.AgentUninstaller;
import io.ctops.server.hosts.HostDetail;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.tasks.Task;
import io.ctops.server.tasks.TaskQueue;
import io.ctops.server.tasks.TaskType;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.UUID;

/**
 * Deleting a host with "Also uninstall agent from the remote host": queues the uninstall and shows
 * its progress until the agent confirms (the host is then deleted) or the two minutes are up.
 */
public final class UninstallPages implements AgentUninstaller {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Pages pages;
  private final HostRecords records;
  private final TaskQueue tasks;
  private final TaskType uninstall;

  public UninstallPages(Pages pages, HostRecords records, TaskQueue tasks, TaskType uninstall) {
    this.pages = pages;
    this.records = records;
    this.tasks = tasks;
    this.uninstall = uninstall;
  }

  public void routes(RoutesConfig routes) {
    routes.get("/hosts/{id}/uninstall/{task}", ctx -> show(ctx, false));
    routes.get("/hosts/{id}/uninstall/{task}/status", ctx -> show(ctx, true));
  }

  /**
   * Queues the uninstall of an admin's live host; returns the task. 409 with the reason when the
   * host is not online or an uninstall is already under way.
   */
  @Override
  public UUID start(Principal admin, Actor by, HostDetail host, boolean removeData) {
    if (host.isDeleted()) {
      throw HttpProblem.conflict("the host is already deleted");
    }
    try {
      return tasks.request(
          admin.orgId(),
          host.id(),
          uninstall,
          uninstall.parameters(
              JsonNodeFactory.instance.objectNode().put("remove_data", removeData)),
          by);
    } catch (TaskType.InvalidParameters e) {
      throw new IllegalStateException(e);
    } catch (TaskType.Refused e) {
      throw HttpProblem.conflict(e.getMessage());
    }
  }

  /** The uninstall's progress and outcome, as the page and its polled fragment show it. */
  public record UninstallView(HostDetail host, Task task) {
    public boolean confirmed() {
      return task.state().equals("succeeded");
    }

    /** What the agent said it will do (its result's note), if it said. */
    public String note() {
      String result = task.result();
      if (result == null) {
        return "";
      }
      try {
        return JSON.readTree(result).path("note").asText("");
      } catch (JsonProcessingException e) {
        return "";
      }
    }
  }

  private void show(Context ctx, boolean fragment) {
    Principal user = WebAccess.requireAdmin(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    Task task =
        tasks
            .find(user.orgId(), UuidParam.parse(ctx.pathParam("task"), "task"))
            .filter(t -> t.hostId().equals(host.id()) && t.type().equals(AgentUninstallTask.NAME))
            .orElseThrow(() -> HttpProblem.notFound("no such uninstall on this host"));
    // the host as it is now: deleted once the task has ended
    UninstallView view = new UninstallView(records.require(user, host.id().toString()), task);
    if (fragment) {
      pages.fragment(ctx, "hosts/uninstall-status.jte", view);
    } else {
      pages.page(ctx, "hosts/uninstall.jte", "Uninstalling " + host.shownName(), "hosts", view);
    }
  }
}
