package io.ctops.server.services;

import io.ctops.server.hosts.HostDetail;
import io.ctops.server.queries.HostQueries;
import io.ctops.server.queries.QueryState;
import io.ctops.server.queries.ServiceEntry;
import io.ctops.server.web.Format;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The Services tab: the agent's latest list (filtered), how fresh it is, and whether the viewer may
 * start, stop and restart units.
 *
 * @param filter all, running, failed, enabled or inactive
 * @param canAct the viewer is an engineer or admin on the host, and the host is online
 * @param canAsk the host is online, so its agent can be asked for a fresh list
 * @param mayOperate the viewer is an engineer or admin on the host
 */
public record ServicesView(
    HostDetail host,
    QueryState<ServiceEntry> state,
    String search,
    String filter,
    boolean canAct,
    boolean canAsk,
    boolean mayOperate,
    Instant now) {

  public static final List<String> FILTERS =
      List.of("all", "running", "failed", "enabled", "inactive");

  /** The units the search and filter let through, by name. */
  public List<ServiceEntry> shown() {
    String needle = search.toLowerCase(Locale.ROOT);
    return state.items().stream()
        .filter(
            s ->
                needle.isEmpty()
                    || s.name().toLowerCase(Locale.ROOT).contains(needle)
                    || s.description().toLowerCase(Locale.ROOT).contains(needle))
        .filter(
            s ->
                switch (filter) {
                  case "running" -> s.isRunning();
                  case "failed" -> s.isFailed();
                  case "enabled" -> s.isEnabled();
                  case "inactive" -> !s.isActive() && !s.isFailed();
                  default -> true;
                })
        .toList();
  }

  public long count(String which) {
    return state.items().stream()
        .filter(
            s ->
                switch (which) {
                  case "running" -> s.isRunning();
                  case "failed" -> s.isFailed();
                  default -> true;
                })
        .count();
  }

  /** Whether the page keeps polling for an answer. */
  public boolean isWaiting() {
    return state.waiting() && !state.isOverdue(now, HostQueries.PATIENCE);
  }

  /**
   * The host does not run systemd: a fact about the host, not a failure. Our agent says "this host
   * does not run systemd", the original CT-Ops agent "systemd is not available on this host".
   */
  public boolean noSystemd() {
    String error = state.failed() && state.error() != null ? state.error() : "";
    return error.contains("does not run systemd") || error.contains("systemd is not available");
  }

  /** How fresh the list is, in a sentence. */
  public String freshness() {
    StringBuilder text = new StringBuilder();
    if (state.hasAnswer()) {
      text.append("Reported by the agent ").append(Format.ago(state.answeredAt()));
    } else if (state.requestedAt() == null) {
      text.append("Not asked yet.");
    } else {
      text.append("No answer yet.");
    }
    if (isWaiting()) {
      text.append(" · asking the agent (asked ")
          .append(Format.ago(state.requestedAt()))
          .append("; it answers on its heartbeat stream within seconds)");
    } else if (state.waiting()) {
      text.append(" · the agent has not answered the question asked ")
          .append(Format.ago(state.requestedAt()))
          .append(" (an agent version without this query ignores it)");
    }
    return text.toString();
  }

  /** The list fragment's address for the same search and filter. */
  public String listUrl() {
    return "/hosts/"
        + host.id()
        + "/services/list?q="
        + URLEncoder.encode(search, StandardCharsets.UTF_8)
        + "&filter="
        + filter;
  }
}
