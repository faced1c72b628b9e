package io.ctops.server.groups.bulk;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The host list's bulk actions: the bar (loaded into the Hosts page for users who may act), the
 * form it posts, and the job's progress panel, which polls itself every second until the job ends
 * and then tells the page to reload the list ({@code HX-Trigger: bulkJobFinished}).
 */
public final class BulkPages {
  private final Pages pages;
  private final BulkJobs jobs;

  public BulkPages(Pages pages, BulkJobs jobs) {
    this.pages = pages;
    this.jobs = jobs;
  }

  /** The bar: the actions the user may ask for and, for admins, the static groups to pick. */
  public record BarView(List<BulkAction> actions, List<GroupChoice> groups) {
    public boolean offersGroups() {
      return actions.contains(BulkAction.ADD_TO_GROUP);
    }
  }

  /** A static group in the bar's group menu. */
  public record GroupChoice(UUID id, String name) {}

  /** Registered before the host pages, so {@code /hosts/bulk} is not read as a host id. */
  public void routes(RoutesConfig routes) {
    routes.get("/hosts/bulk", this::bar);
    routes.post("/hosts/bulk", this::submit);
    routes.get("/bulk-jobs/{id}", this::job);
  }

  private void bar(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    if (ctx.header("HX-Request") == null) {
      ctx.redirect("/hosts", HttpStatus.SEE_OTHER);
      return;
    }
    List<BulkAction> actions =
        Arrays.stream(BulkAction.values()).filter(a -> a.mayRequest(user.role())).toList();
    if (actions.isEmpty()) {
      // read-only users: no bar, so the list shows no checkboxes either
      ctx.status(204);
      return;
    }
    List<GroupChoice> groups =
        actions.contains(BulkAction.ADD_TO_GROUP) ? jobs.staticGroups(user.orgId()) : List.of();
    pages.fragment(ctx, "bulk/bar.jte", new BarView(actions, groups));
  }

  private void submit(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    BulkJobs.requireMayAct(user);
    BulkJob job = jobs.submit(user, WebAccess.actor(ctx), BulkRequest.fromForm(ctx.formParamMap()));
    if (ctx.header("HX-Request") != null) {
      progress(ctx, job);
    } else {
      ctx.redirect("/bulk-jobs/" + job.id(), HttpStatus.SEE_OTHER);
    }
  }

  private void job(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    BulkJob job =
        jobs.find(user, UuidParam.parse(ctx.pathParam("id"), "bulk job"))
            .orElseThrow(() -> HttpProblem.notFound("no such bulk job"));
    if (ctx.header("HX-Request") != null) {
      progress(ctx, job);
    } else {
      pages.page(ctx, "bulk/job.jte", job.action().label() + " hosts", "hosts", job);
    }
  }

  private void progress(Context ctx, BulkJob job) {
    if (job.isFinished()) {
      ctx.header("HX-Trigger", "bulkJobFinished");
    }
    pages.fragment(ctx, "bulk/progress.jte", job);
  }
}
