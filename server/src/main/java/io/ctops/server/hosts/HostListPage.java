package io.ctops.server.hosts;

import io.ctops.server.auth.Principal;
import io.javalin.http.Context;
import java.util.UUID;

/**
 * The host list as a page part, for the Hosts page and a group's page alike: the same filters,
 * sort, paging and columns, read from the same query parameters. A group's page fixes the group.
 */
public final class HostListPage {
  private final HostListQuery list;

  public HostListPage(HostListQuery list) {
    this.list = list;
  }

  /** The Hosts page's list, filtered as the request's query string says. */
  public HostViews.ListView hosts(Context ctx, Principal user) {
    HostListParams params = HostListParams.parse(ctx.queryParamMap());
    return view(user, params, "/hosts", false);
  }

  /** A group's page's list: its members, filtered as the query string says. */
  public HostViews.ListView group(Context ctx, Principal user, UUID groupId, String path) {
    HostListParams params = HostListParams.parse(ctx.queryParamMap()).inGroup(groupId);
    return view(user, params, path, true);
  }

  private HostViews.ListView view(
      Principal user, HostListParams params, String path, boolean isGroupFixed) {
    return new HostViews.ListView(
        list.page(user.orgId(), user.scope(), params),
        list.operatingSystems(user.orgId(), user.scope(), params),
        path,
        isGroupFixed);
  }

  /** True when htmx asks for the list alone (a filter, sort or page change), not the page. */
  public static boolean wantsListOnly(Context ctx) {
    return ctx.header("HX-Request") != null
        && ctx.header("HX-History-Restore-Request") == null
        && "host-list".equals(ctx.header("HX-Target"));
  }
}
