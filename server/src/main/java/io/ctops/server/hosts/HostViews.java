package io.ctops.server.hosts;

import io.ctops.server.alerts.AlertQuery;
import io.ctops.server.audit.HostHistory;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.hosts.HostListParams.Sort;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** What the host templates render. */
public final class HostViews {
  private HostViews() {}

  /** The host list's columns, left to right. */
  private static final List<Column> LIST_COLUMNS =
      List.of(
          new Column(Sort.HOSTNAME, "Hostname"),
          new Column(Sort.OS, "OS"),
          new Column(null, "IP addresses"),
          new Column(null, "Tags"),
          new Column(Sort.CPU, "CPU"),
          new Column(Sort.MEMORY, "Memory"),
          new Column(Sort.DISK, "Disk"),
          new Column(Sort.LAST_SEEN, "Last seen"),
          new Column(Sort.STATUS, "Status"),
          new Column(null, "Alerts"));

  /**
   * The list part of the Hosts page and of a group's page: filters, table, pager (swapped as one by
   * htmx). {@code path} is the page it is on; a group's page fixes the group, which its links then
   * leave out.
   */
  public record ListView(
      HostListQuery.HostPage page,
      List<String> osChoices,
      String path,
      boolean isGroupFixed,
      Optional<String> groupName) {
    public HostListParams params() {
      return page.params();
    }

    /** The address of another view of this list. */
    public String url(HostListParams view) {
      return (isGroupFixed ? view.withoutGroup() : view).url(path);
    }

    /** Whether anything but the page's own group narrows the list. */
    public boolean isFiltered() {
      return !(isGroupFixed ? params().withoutGroup() : params()).isDefault();
    }

    /** The chips of a row: the first few tags in effect, the rest counted. */
    public static final int SHOWN_TAGS = 3;

    public List<Column> columns() {
      return LIST_COLUMNS;
    }
  }

  /** A host list column's header; {@code sort} is null when the column cannot be sorted. */
  public record Column(Sort sort, String label) {
    public boolean isSortable() {
      return sort != null;
    }
  }

  /** The Pending Approval panel; {@code message} reports the last action (e.g. a refusal). */
  public record PendingView(
      List<PendingAgents.PendingAgent> agents,
      boolean canAct,
      String message,
      boolean messageIsError) {}

  /** The whole Hosts page. */
  public record HostsPage(FleetOverview overview, PendingView pending, ListView list) {}

  /**
   * A host page's tab, with what that tab shows ({@code history} and {@code groups} on the overview
   * only).
   */
  public record DetailView(
      HostDetail host,
      String tab,
      boolean canDelete,
      boolean canRename,
      List<String> ranges,
      String range,
      List<HostHistory.Moment> history,
      boolean canTag,
      List<HostGroups.Group> groups,
      List<AlertQuery.AlertRow> alerts) {}

  /** A status badge, also sent alone over server-sent events when a host changes status. */
  public record Badge(UUID hostId, String status) {}
}
