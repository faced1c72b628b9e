package io.ctops.server.hosts;

import java.util.List;

/** What the host templates render. */
public final class HostViews {
  private HostViews() {}

  /** The list part of the Hosts page: filters, table, pager (swapped as one by htmx). */
  public record ListView(HostListQuery.HostPage page, List<String> osChoices) {
    public HostListParams params() {
      return page.params();
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

  /** A host page's tab, with what that tab shows. */
  public record DetailView(
      HostDetail host, String tab, boolean canDelete, List<String> ranges, String range) {}

  /** A status badge, also sent alone over server-sent events when a host changes status. */
  public record Badge(java.util.UUID hostId, String status) {}
}
