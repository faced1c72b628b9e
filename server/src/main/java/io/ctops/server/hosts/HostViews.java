package io.ctops.server.hosts;

import io.ctops.server.audit.HostHistory;
import io.ctops.server.hosts.HostListParams.Sort;
import java.util.List;
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
          new Column(Sort.CPU, "CPU"),
          new Column(Sort.MEMORY, "Memory"),
          new Column(Sort.DISK, "Disk"),
          new Column(Sort.LAST_SEEN, "Last seen"),
          new Column(Sort.STATUS, "Status"));

  /** The list part of the Hosts page: filters, table, pager (swapped as one by htmx). */
  public record ListView(HostListQuery.HostPage page, List<String> osChoices) {
    public HostListParams params() {
      return page.params();
    }

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

  /** A host page's tab, with what that tab shows ({@code history} on the overview only). */
  public record DetailView(
      HostDetail host,
      String tab,
      boolean canDelete,
      boolean canRename,
      List<String> ranges,
      String range,
      List<HostHistory.Moment> history) {}

  /** A status badge, also sent alone over server-sent events when a host changes status. */
  public record Badge(UUID hostId, String status) {}
}
