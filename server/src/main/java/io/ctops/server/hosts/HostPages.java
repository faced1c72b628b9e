package io.ctops.server.hosts;

import io.ctops.server.alerts.AlertQuery;
import io.ctops.server.audit.Actor;
import io.ctops.server.audit.HostHistory;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.enrolment.AgentApprovals;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * The Hosts page (fleet overview, pending approvals, host list) and a host's page (overview,
 * metrics charts, history, delete and restore). htmx asks for fragments: the list (search, filters,
 * sort, paging; the URL is pushed so views are bookmarkable), the overview every 30 s, the pending
 * panel after approve/revoke.
 */
public final class HostPages {
  private final Pages pages;
  private final HostListPage list;
  private final FleetOverviewQuery overview;
  private final PendingAgents pending;
  private final AgentApprovals approvals;
  private final HostRecords records;
  private final HostHistory history;
  private final Jdbi jdbi;
  private final AgentUninstaller uninstaller;

  public HostPages(
      Pages pages,
      HostListPage list,
      FleetOverviewQuery overview,
      PendingAgents pending,
      AgentApprovals approvals,
      HostRecords records,
      HostHistory history,
      Jdbi jdbi,
      AgentUninstaller uninstaller) {
    this.pages = pages;
    this.list = list;
    this.overview = overview;
    this.pending = pending;
    this.approvals = approvals;
    this.records = records;
    this.history = history;
    this.jdbi = jdbi;
    this.uninstaller = uninstaller;
  }

  public void routes(RoutesConfig routes) {
    routes.get("/", ctx -> ctx.redirect("/hosts"));
    routes.get("/hosts", this::hosts);
    routes.get("/hosts/overview", this::overview);
    routes.get("/hosts/pending", ctx -> pendingPanel(ctx, "", false));
    routes.post("/agents/{id}/approve", this::approve);
    routes.post("/agents/{id}/revoke", this::revoke);
    routes.get("/hosts/{id}", ctx -> detail(ctx, "overview"));
    routes.get("/hosts/{id}/metrics", ctx -> detail(ctx, "metrics"));
    routes.post("/hosts/{id}/display-name", this::rename);
    routes.post("/hosts/{id}/delete", this::softDelete);
    routes.post("/hosts/{id}/restore", this::restore);
    routes.post("/hosts/{id}/delete-permanently", this::deletePermanently);
  }

  private void hosts(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostViews.ListView listView = list.hosts(ctx, user);
    if (HostListPage.wantsListOnly(ctx)) {
      pages.fragment(ctx, "hosts/list.jte", listView);
      return;
    }
    pages.page(
        ctx,
        "hosts/index.jte",
        "Hosts",
        "hosts",
        new HostViews.HostsPage(
            overview.overview(user.orgId(), user.scope()), pendingView(user, "", false), listView));
  }

  private void overview(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    pages.fragment(ctx, "hosts/overview.jte", overview.overview(user.orgId(), user.scope()));
  }

  private HostViews.PendingView pendingView(Principal user, String message, boolean isError) {
    return new HostViews.PendingView(
        pending.list(user.orgId(), user.scope()), user.isAdmin(), message, isError);
  }

  private void pendingPanel(Context ctx, String message, boolean isError) {
    pages.fragment(
        ctx, "hosts/pending.jte", pendingView(WebAccess.principal(ctx), message, isError));
  }

  private void approve(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    UUID agentId = pending.requireInOrg(user.orgId(), ctx.pathParam("id"));
    AgentApprovals.Approval outcome =
        approvals.approve(agentId, "approved by " + user.email(), WebAccess.actor(ctx));
    overview.invalidate(user.orgId());
    switch (outcome) {
      case AgentApprovals.Approval.Approved a ->
          pendingPanel(ctx, "Approved " + a.agent().hostname().orElse(agentId.toString()), false);
      case AgentApprovals.Approval.AlreadyActive a -> pendingPanel(ctx, "Already approved", false);
      // 200: htmx swaps in the panel, which shows why (the API answers 409)
      case AgentApprovals.Approval.Refused r -> pendingPanel(ctx, r.reason(), true);
      case AgentApprovals.Approval.NotFound n -> throw HttpProblem.notFound("no such agent");
    }
  }

  private void revoke(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    UUID agentId = pending.requireInOrg(user.orgId(), ctx.pathParam("id"));
    AgentApprovals.Revocation outcome =
        approvals.revoke(agentId, "revoked by " + user.email(), WebAccess.actor(ctx));
    overview.invalidate(user.orgId());
    switch (outcome) {
      case AgentApprovals.Revocation.Revoked r ->
          pendingPanel(ctx, "Revoked " + r.agent().hostname().orElse(agentId.toString()), false);
      case AgentApprovals.Revocation.AlreadyRevoked r ->
          pendingPanel(ctx, "Already revoked", false);
      case AgentApprovals.Revocation.NotFound n -> throw HttpProblem.notFound("no such agent");
    }
  }

  private void detail(Context ctx, String tab) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    String range = MetricRanges.rangeName(Optional.ofNullable(ctx.queryParam("range")));
    boolean overviewTab = tab.equals("overview");
    boolean canTag = overviewTab && HostTagRoutes.mayTag(records, user, host);
    List<HostGroups.Group> groups =
        overviewTab
            ? jdbi.withHandle(
                handle -> HostGroups.groupsOf(handle, user.orgId(), user.scope(), host.id()))
            : List.of();
    pages.page(
        ctx,
        "hosts/detail.jte",
        host.shownName(),
        "hosts",
        new HostViews.DetailView(
            host,
            tab,
            user.isAdmin(),
            mayRename(records.roleOn(user, host)),
            MetricRanges.NAMES,
            range,
            overviewTab ? history.timeline(user.orgId(), host.id(), host.agentId()) : List.of(),
            canTag,
            groups,
            overviewTab ? alerts(user, host.id()) : List.of()));
  }

  /** The host's open alerts and its recent resolved ones, newest first. */
  private List<AlertQuery.AlertRow> alerts(Principal user, java.util.UUID hostId) {
    AlertQuery.Filter filter =
        new AlertQuery.Filter(
            AlertQuery.StateFilter.ALL,
            Optional.empty(),
            Optional.empty(),
            Optional.of(hostId),
            Optional.empty(),
            "",
            1,
            RECENT_ALERTS);
    return jdbi.withHandle(h -> AlertQuery.list(h, user.orgId(), user.scope(), filter)).rows();
  }

  /** How many of a host's alerts its page lists. */
  static final int RECENT_ALERTS = 10;

  /** Engineers and admins name hosts; read-only users see the name. */
  static boolean mayRename(Role roleOnHost) {
    return roleOnHost != Role.READ_ONLY;
  }

  /**
   * Sets the display name from the host page's form, for the host page and the API alike: 403 for
   * read-only users (on this host's groups, for a scoped user), 404 for a host the user does not
   * see, 409 for a deleted host, 400 naming what is wrong with the name.
   */
  static HostDetail rename(
      Principal user, Actor by, HostRecords records, String pathId, String name) {
    if (!mayRename(user.role())) {
      throw HttpProblem.forbidden("read-only users cannot rename hosts");
    }
    HostDetail host = records.require(user, pathId);
    if (!mayRename(records.roleOn(user, host))) {
      throw HttpProblem.forbidden("you are read-only on this host's groups; it cannot be renamed");
    }
    if (host.isDeleted()) {
      throw HttpProblem.conflict("the host is deleted; restore it to rename it");
    }
    Optional<String> displayName;
    try {
      displayName = DisplayName.parse(name);
    } catch (IllegalArgumentException e) {
      throw HttpProblem.badRequest(e.getMessage());
    }
    records.setDisplayName(user.orgId(), host.id(), displayName, by);
    return records.require(user, pathId);
  }

  private void rename(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host =
        rename(
            user,
            WebAccess.actor(ctx),
            records,
            ctx.pathParam("id"),
            Optional.ofNullable(ctx.formParam("display_name")).orElse(""));
    redirect(ctx, "/hosts/" + host.id());
  }

  private void softDelete(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    if ("1".equals(ctx.formParam("uninstall"))) {
      UUID task =
          uninstaller.start(
              user, WebAccess.actor(ctx), host, "1".equals(ctx.formParam("remove_data")));
      redirect(ctx, "/hosts/" + host.id() + "/uninstall/" + task);
      return;
    }
    records.softDelete(user.orgId(), host.id(), WebAccess.actor(ctx));
    overview.invalidate(user.orgId());
    redirect(ctx, "/hosts");
  }

  private void restore(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    switch (records.restore(user.orgId(), host, WebAccess.actor(ctx))) {
      case HostRecords.Restore.Restored r -> {
        overview.invalidate(user.orgId());
        redirect(ctx, "/hosts/" + host.id());
      }
      case HostRecords.Restore.NotDeleted n -> redirect(ctx, "/hosts/" + host.id());
      case HostRecords.Restore.Conflict c -> throw HttpProblem.conflict(c.reason());
    }
  }

  private void deletePermanently(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    if (!host.isDeleted()) {
      throw HttpProblem.conflict("delete the host first; permanent removal is for deleted hosts");
    }
    records.deletePermanently(user.orgId(), host.id(), WebAccess.actor(ctx));
    overview.invalidate(user.orgId());
    redirect(ctx, "/hosts?status=deleted");
  }

  /** After a form post: htmx follows HX-Redirect, a plain form follows 303. */
  public static void redirect(Context ctx, String location) {
    if (ctx.header("HX-Request") != null) {
      ctx.header("HX-Redirect", location);
      ctx.status(204);
      return;
    }
    ctx.redirect(location, HttpStatus.SEE_OTHER);
  }
}
