package io.ctops.server.hosts;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import org.jdbi.v3.core.Jdbi;

/**
 * A group's page and its hosts in the API: the host list itself (same filters, sort, paging,
 * columns, JSON) with the group fixed. Here rather than in {@code groups/}, which the host list
 * uses for its tag and group filters.
 */
public final class GroupPage {
  private final Pages pages;
  private final Jdbi jdbi;
  private final HostListPage hostList;
  private final HostListQuery query;

  public GroupPage(Pages pages, Jdbi jdbi, HostListPage hostList, HostListQuery query) {
    this.pages = pages;
    this.jdbi = jdbi;
    this.hostList = hostList;
    this.query = query;
  }

  /** A group's page: the group, its hosts as the host list shows them, and what the user may do. */
  public record GroupView(HostGroups.Group group, HostViews.ListView list, boolean canEdit) {
    public String ruleText() {
      return HostGroups.describe(group.rule());
    }
  }

  public void routes(RoutesConfig routes) {
    routes.get("/groups/{id}", this::page);
    routes.get("/api/v1/groups/{id}/hosts", this::hosts);
  }

  private HostGroups.GroupDetail requireGroup(Context ctx, Principal user) {
    var id = UuidParam.parse(ctx.pathParam("id"), "group");
    return jdbi.inTransaction(
            handle -> {
              HostListQuery.planForIndexReads(handle);
              return HostGroups.detail(handle, user.orgId(), user.scope(), id);
            })
        .orElseThrow(() -> HttpProblem.notFound("no such group"));
  }

  private void page(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostGroups.GroupDetail detail = requireGroup(ctx, user);
    HostGroups.Group group = detail.group();
    HostViews.ListView list = hostList.group(ctx, user, detail, "/groups/" + group.id());
    if (HostListPage.wantsListOnly(ctx)) {
      pages.fragment(ctx, "hosts/list.jte", list);
      return;
    }
    pages.page(
        ctx,
        "groups/group.jte",
        group.name(),
        "groups",
        new GroupView(group, list, user.isAdmin()));
  }

  /** The group's hosts exactly as {@code GET /api/v1/hosts} answers, with the group fixed. */
  private void hosts(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostGroups.GroupDetail group = requireGroup(ctx, user);
    HostListParams params = HostListParams.parse(ctx.queryParamMap()).inGroup(group.group().id());
    HostListQuery.HostPage page =
        query.page(user.orgId(), user.scope(), params, HostListPage.membersShown(group, params));
    ctx.json(
        new HostsApi.HostListResponse(
            page.rows(),
            page.total(),
            page.params().page(),
            page.params().pageSize(),
            page.pageCount()));
  }
}
