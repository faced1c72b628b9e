package io.ctops.server.hosts;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.enrolment.AgentApprovals;
import io.ctops.server.metrics.MetricSeriesQuery;
import io.ctops.server.web.HttpProblem;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The hosts part of the JSON API ({@code /api/v1}): the same queries and rules as the pages, for
 * scripts with an API key or the browser's own session.
 */
public final class HostsApi {
  private final HostListQuery list;
  private final FleetOverviewQuery overview;
  private final PendingAgents pending;
  private final AgentApprovals approvals;
  private final HostRecords records;
  private final MetricSeriesQuery metrics;
  private final Clock clock;
  private final AgentUninstaller uninstaller;

  public HostsApi(
      HostListQuery list,
      FleetOverviewQuery overview,
      PendingAgents pending,
      AgentApprovals approvals,
      HostRecords records,
      MetricSeriesQuery metrics,
      Clock clock,
      AgentUninstaller uninstaller) {
    this.list = list;
    this.overview = overview;
    this.pending = pending;
    this.approvals = approvals;
    this.records = records;
    this.metrics = metrics;
    this.clock = clock;
    this.uninstaller = uninstaller;
  }

  /** A page of hosts with the numbers a client needs to page through them. */
  public record HostListResponse(List<HostRow> items, long total, int page, int size, int pages) {}

  /** The outcome of approve or revoke. */
  public record AgentActionResponse(UUID agentId, String result, String message) {}

  public void routes(RoutesConfig routes) {
    routes.get("/api/v1/hosts", this::hosts);
    routes.get(
        "/api/v1/overview",
        ctx -> {
          Principal user = WebAccess.principal(ctx);
          ctx.json(overview.overview(user.orgId(), user.scope()));
        });
    routes.get(
        "/api/v1/hosts/{id}",
        ctx -> ctx.json(records.require(WebAccess.principal(ctx), ctx.pathParam("id"))));
    routes.get("/api/v1/hosts/{id}/metrics", this::metrics);
    routes.patch("/api/v1/hosts/{id}", this::patch);
    routes.delete("/api/v1/hosts/{id}", this::delete);
    routes.get(
        "/api/v1/agents/pending",
        ctx -> {
          Principal user = WebAccess.principal(ctx);
          ctx.json(pending.list(user.orgId(), user.scope()));
        });
    routes.post("/api/v1/agents/{id}/approve", this::approve);
    routes.post("/api/v1/agents/{id}/revoke", this::revoke);
  }

  private void hosts(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostListQuery.HostPage page =
        list.page(user.orgId(), user.scope(), HostListParams.parse(ctx.queryParamMap()));
    ctx.json(
        new HostListResponse(
            page.rows(),
            page.total(),
            page.params().page(),
            page.params().pageSize(),
            page.pageCount()));
  }

  private void metrics(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    MetricRanges.Window window =
        MetricRanges.window(
            Optional.ofNullable(ctx.queryParam("range")),
            Optional.ofNullable(ctx.queryParam("from")),
            Optional.ofNullable(ctx.queryParam("to")),
            clock.instant());
    ctx.json(metrics.read(host.id(), window.from(), window.to()));
  }

  /** {@code {"display_name": "…"}}: the only field a client may change; null or "" clears it. */
  private void patch(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    if (!HostPages.mayRename(user.role())) {
      throw HttpProblem.forbidden("read-only users cannot rename hosts");
    }
    Map<?, ?> body;
    try {
      body = ctx.bodyAsClass(Map.class);
    } catch (Exception e) {
      // not JSON, or not an object (Javalin rethrows Jackson's checked exceptions): answered below
      body = null;
    }
    if (body == null) {
      throw HttpProblem.badRequest(
          "the body must be a JSON object such as {\"display_name\": \"…\"}");
    }
    for (Object key : body.keySet()) {
      if (!"display_name".equals(key)) {
        throw HttpProblem.badRequest(
            "unknown property \"" + key + "\"; only display_name can be changed");
      }
    }
    if (!body.containsKey("display_name")) {
      throw HttpProblem.badRequest("nothing to change: send display_name");
    }
    Object name = body.get("display_name");
    if (name != null && !(name instanceof String)) {
      throw HttpProblem.badRequest("display_name must be a string or null");
    }
    ctx.json(
        HostPages.rename(user, WebAccess.actor(ctx), records, ctx.pathParam("id"), (String) name));
  }

  /** A delete that waits for the agent's uninstall: the task to follow. */
  public record UninstallStarted(UUID hostId, UUID taskId) {}

  private void delete(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    boolean permanently = "true".equals(ctx.queryParam("permanently"));
    if (permanently) {
      if (!host.isDeleted()) {
        throw HttpProblem.conflict("delete the host first; permanent removal is for deleted hosts");
      }
      records.deletePermanently(user.orgId(), host.id(), WebAccess.actor(ctx));
    } else if ("true".equals(ctx.queryParam("uninstall"))) {
      UUID task =
          uninstaller.start(
              user, WebAccess.actor(ctx), host, "true".equals(ctx.queryParam("remove_data")));
      ctx.status(202).json(new UninstallStarted(host.id(), task));
      return;
    } else {
      records.softDelete(user.orgId(), host.id(), WebAccess.actor(ctx));
    }
    overview.invalidate(user.orgId());
    ctx.status(204);
  }

  private void approve(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    UUID agentId = pending.requireInOrg(user.orgId(), ctx.pathParam("id"));
    overview.invalidate(user.orgId());
    switch (approvals.approve(
        agentId, "approved by " + user.email() + " (API)", WebAccess.actor(ctx))) {
      case AgentApprovals.Approval.Approved a ->
          ctx.json(new AgentActionResponse(agentId, "approved", ""));
      case AgentApprovals.Approval.AlreadyActive a ->
          ctx.json(new AgentActionResponse(agentId, "already_active", ""));
      case AgentApprovals.Approval.Refused r -> throw HttpProblem.conflict(r.reason());
      case AgentApprovals.Approval.NotFound n -> throw HttpProblem.notFound("no such agent");
    }
  }

  private void revoke(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    UUID agentId = pending.requireInOrg(user.orgId(), ctx.pathParam("id"));
    overview.invalidate(user.orgId());
    switch (approvals.revoke(
        agentId, "revoked by " + user.email() + " (API)", WebAccess.actor(ctx))) {
      case AgentApprovals.Revocation.Revoked r ->
          ctx.json(new AgentActionResponse(agentId, "revoked", ""));
      case AgentApprovals.Revocation.AlreadyRevoked r ->
          ctx.json(new AgentActionResponse(agentId, "already_revoked", ""));
      case AgentApprovals.Revocation.NotFound n -> throw HttpProblem.notFound("no such agent");
    }
  }
}
