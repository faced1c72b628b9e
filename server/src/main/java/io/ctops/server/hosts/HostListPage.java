package io.ctops.server.hosts;

import io.ctops.server.auth.Principal;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.groups.HostGroups.GroupDetail;
import io.javalin.http.Context;
import java.util.Optional;
import java.util.OptionalLong;
import org.jdbi.v3.core.Jdbi;

/**
 * The host list as a page part, for the Hosts page and a group's page alike: the same filters,
 * sort, paging and columns, read from the same query parameters. A group's page fixes the group.
 */
public final class HostListPage {
  private final Jdbi jdbi;
  private final HostListQuery list;
  private final FleetOverviewQuery overview;

  public HostListPage(Jdbi jdbi, HostListQuery list, FleetOverviewQuery overview) {
    this.jdbi = jdbi;
    this.list = list;
    this.overview = overview;
  }

  /**
   * The Hosts page's list, filtered as the request's query string says; filtered by a group, it
   * names the group (one the user may not see has no name, and no hosts either).
   */
  public HostViews.ListView hosts(Context ctx, Principal user) {
    HostListParams params = HostListParams.parse(ctx.queryParamMap());
    Optional<String> groupName =
        params
            .group()
            .flatMap(
                id -> jdbi.withHandle(h -> HostGroups.name(h, user.orgId(), user.scope(), id)));
    return new HostViews.ListView(
        list.page(user.orgId(), user.scope(), params),
        overview.operatingSystems(user.orgId(), user.scope()),
        "/hosts",
        false,
        groupName);
  }

  /** A group's page's list: its members, filtered as the query string says. */
  public HostViews.ListView group(Context ctx, Principal user, GroupDetail group, String path) {
    HostListParams params = HostListParams.parse(ctx.queryParamMap()).inGroup(group.group().id());
    return new HostViews.ListView(
        list.page(user.orgId(), user.scope(), params, membersShown(group, params)),
        group.operatingSystems(),
        path,
        true,
        Optional.of(group.group().name()));
  }

  /** An unfiltered group list shows the group's live members, just counted with the group. */
  static OptionalLong membersShown(GroupDetail group, HostListParams params) {
    return params.withoutGroup().hasNoFilter()
        ? OptionalLong.of(group.group().members())
        : OptionalLong.empty();
  }

  /** True when htmx asks for the list alone (a filter, sort or page change), not the page. */
  public static boolean wantsListOnly(Context ctx) {
    return ctx.header("HX-Request") != null
        && ctx.header("HX-History-Restore-Request") == null
        && "host-list".equals(ctx.header("HX-Target"));
  }
}
