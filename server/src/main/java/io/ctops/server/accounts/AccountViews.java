package io.ctops.server.accounts;

import io.ctops.server.groups.HostGroups;
import io.ctops.server.hosts.HostDetail;
import io.ctops.server.tasks.Task;
import io.ctops.server.tasks.TaskState;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** What the Users tab and the Accounts page show, with the links their templates need. */
public final class AccountViews {
  private AccountViews() {}

  /** A host's Users tab: its accounts by the filter, their keys, and the agent's reports. */
  public record HostTab(
      HostDetail host,
      AccountQuery.HostView view,
      Map<String, String> form,
      boolean mayRescan,
      boolean mayOperate,
      Optional<Task> rescan) {
    public String value(String field) {
      return form.getOrDefault(field, "");
    }

    public boolean checked(String field) {
      return !value(field).isEmpty() && !value(field).equals("false");
    }

    public boolean hasReported() {
      return !view.reports().isEmpty();
    }

    public boolean isRescanUnderWay() {
      return rescan.filter(t -> !t.isFinished()).isPresent();
    }

    /** The last rescan, when it ended without running the checks (the agent's reason with it). */
    public Optional<Task> failedRescan() {
      return rescan.filter(
          t -> t.isFinished() && TaskState.fromDb(t.state()) != TaskState.SUCCEEDED);
    }
  }

  /** The fleet's Accounts page. */
  public record FleetView(
      AccountQuery.Page page,
      int pageNumber,
      int size,
      Map<String, String> form,
      List<HostGroups.Group> groups,
      Optional<String> error) {
    public String value(String field) {
      return form.getOrDefault(field, "");
    }

    public boolean checked(String field) {
      return !value(field).isEmpty() && !value(field).equals("false");
    }

    public long pageCount() {
      return Math.max(1, (page.total() + size - 1) / size);
    }

    public String pageUrl(int number) {
      return "/accounts?" + query() + (query().isEmpty() ? "" : "&") + "page=" + number;
    }

    public String csvUrl() {
      return "/accounts.csv" + (query().isEmpty() ? "" : "?" + query());
    }

    private String query() {
      return form.entrySet().stream()
          .filter(e -> !e.getValue().isEmpty())
          .map(
              e ->
                  URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                      + "="
                      + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
          .collect(Collectors.joining("&"));
    }
  }
}
