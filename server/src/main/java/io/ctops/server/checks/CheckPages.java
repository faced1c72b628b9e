package io.ctops.server.checks;

import io.ctops.protocol.checks.CheckConfig;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.checks.CheckStatusQuery.HostCheck;
import io.ctops.server.checks.CheckStatusQuery.Summary;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.groups.SelectorWords;
import io.ctops.server.hosts.HostDetail;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.web.Format;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The Checks pages everyone reads: the fleet's checks with how many hosts pass, fail, err, are
 * stale or have no result yet ({@code /checks}), one check with its failing hosts ({@code
 * /checks/{id}}), and a host's Checks tab. Each counts and lists only the hosts the reader sees,
 * and its live part asks again every few seconds (htmx), answered with that part alone.
 */
public final class CheckPages {
  /** How an agent answers a check type it does not run; shown as the status itself. */
  public static final String NOT_SUPPORTED = "not supported by this agent version";

  /** How the original CT-Ops agent words the same answer. */
  static final String UNKNOWN_TYPE = "unknown check type:";

  private final Pages pages;
  private final Jdbi jdbi;
  private final HostRecords records;
  private final CheckEditors editors;
  private final Clock clock;

  public CheckPages(
      Pages pages, Jdbi jdbi, HostRecords records, CheckEditors editors, Clock clock) {
    this.pages = pages;
    this.jdbi = jdbi;
    this.records = records;
    this.editors = editors;
    this.clock = clock;
  }

  /** A check in a list: its counts, what it checks and on which hosts, in words. */
  public record CheckRow(Summary summary, String what, String hosts) {
    public Check check() {
      return summary.check();
    }

    /** How long one run may take. */
    public String timeout() {
      try {
        return Format.seconds(check().spec().parameters().timeout().toSeconds());
      } catch (CheckConfig.InvalidCheckException e) {
        return "—";
      }
    }

    public String typeLabel() {
      return CheckForm.TYPES.stream()
          .filter(t -> t.name().equals(check().spec().type()))
          .map(CheckForm.Type::label)
          .findFirst()
          .orElse(check().spec().type());
    }
  }

  /** The fleet page. */
  public record FleetView(List<CheckRow> rows, boolean canEdit) {}

  /** One check's page: its definition, counts and failing hosts (those the reader sees). */
  public record CheckView(CheckRow row, boolean canEdit) {}

  /** A host's Checks tab. */
  public record HostTab(
      HostDetail host, List<HostCheck> checks, boolean canEdit, boolean mayOperate) {
    public String statusText(HostCheck check) {
      return shownStatus(check.shownStatus(), output(check));
    }

    /** The latest result's output; empty before the first. */
    public String output(HostCheck check) {
      return check.state().map(CheckStatusQuery.State::output).orElse("");
    }
  }

  /**
   * What a status reads as: an error that says the agent does not run this type says exactly that
   * (an older agent, not a broken host).
   */
  public static String shownStatus(String status, String output) {
    return status.equals("error")
            && (output.startsWith(NOT_SUPPORTED) || output.startsWith(UNKNOWN_TYPE))
        ? NOT_SUPPORTED
        : status;
  }

  /** The class that colours a status ({@link #shownStatus} text included). */
  public static String statusClass(String shown) {
    return shown.equals(NOT_SUPPORTED) ? "check-unsupported" : "check-" + shown;
  }

  /** Output past a few lines or characters folds, its first line showing. */
  public static boolean isLong(String output) {
    return output.length() > 160 || output.lines().count() > 2;
  }

  public static String firstLine(String output) {
    String line = output.lines().findFirst().orElse("");
    return line.length() > 120 ? line.substring(0, 120) + "…" : line;
  }

  public void routes(RoutesConfig routes) {
    routes.get("/checks", this::fleet);
    routes.get("/checks/{id}", this::one);
    routes.get("/hosts/{id}/checks", this::hostTab);
  }

  private void fleet(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    Instant now = clock.instant();
    List<CheckRow> rows =
        jdbi.withHandle(
            h -> {
              List<Summary> summaries =
                  CheckStatusQuery.summaries(h, user.orgId(), user.scope(), now, 0);
              SelectorWords words = selectorWords(h, user, summaries);
              return summaries.stream().map(s -> row(s, words)).toList();
            });
    FleetView view = new FleetView(rows, editors.mayEdit(user));
    if (wantsOnly(ctx, "checks-list")) {
      pages.fragment(ctx, "checks/list.jte", view);
    } else {
      pages.page(ctx, "checks/index.jte", "Checks", "checks", view);
    }
  }

  private void one(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    UUID id = UuidParam.parse(ctx.pathParam("id"), "check");
    CheckRow row =
        jdbi.withHandle(
            h -> {
              Check check =
                  Checks.find(h, user.orgId(), id)
                      .orElseThrow(() -> HttpProblem.notFound("no such check"));
              Summary summary =
                  CheckStatusQuery.summary(
                      h,
                      user.orgId(),
                      user.scope(),
                      check,
                      clock.instant(),
                      CheckStatusQuery.FAILING_LISTED);
              return row(summary, selectorWords(h, user, List.of(summary)));
            });
    CheckView view = new CheckView(row, editors.mayEdit(user));
    if (wantsOnly(ctx, "check-live")) {
      pages.fragment(ctx, "checks/live.jte", view);
    } else {
      pages.page(ctx, "checks/check.jte", row.check().name(), "checks", view);
    }
  }

  private void hostTab(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    List<HostCheck> checks =
        jdbi.withHandle(h -> CheckStatusQuery.forHost(h, user.orgId(), host.id(), clock.instant()));
    HostTab view =
        new HostTab(
            host, checks, editors.mayEdit(user), records.roleOn(user, host) != Role.READ_ONLY);
    if (wantsOnly(ctx, "host-checks")) {
      pages.fragment(ctx, "checks/host-list.jte", view);
    } else {
      pages.page(ctx, "checks/host.jte", host.shownName(), "hosts", view);
    }
  }

  private static CheckRow row(Summary summary, SelectorWords words) {
    return new CheckRow(
        summary,
        CheckWords.of(summary.check().spec()),
        words.of(summary.check().spec().selector()));
  }

  /**
   * The names the reader may see for the groups and hosts these checks' selectors name: groups in
   * their scope, hosts they see (one query for all single-host selectors).
   */
  private static SelectorWords selectorWords(Handle h, Principal user, List<Summary> summaries) {
    Map<UUID, String> groups =
        HostGroups.list(h, user.orgId(), user.scope()).stream()
            .collect(Collectors.toMap(HostGroups.Group::id, HostGroups.Group::name));
    List<UUID> hostIds =
        summaries.stream()
            .map(s -> s.check().spec().selector())
            .filter(HostSelector.OneHost.class::isInstance)
            .map(s -> ((HostSelector.OneHost) s).hostId())
            .distinct()
            .toList();
    Map<UUID, String> hostnames =
        hostIds.isEmpty()
            ? Map.of()
            : user
                .scope()
                .bind(
                    h.createQuery(
                        "SELECT h.id, h.hostname FROM hosts h WHERE h.org_id = :org"
                            + " AND h.id = ANY(:ids) AND h.deleted_at IS NULL"
                            + user.scope().filter("h.id")))
                .bind("org", user.orgId())
                .bindArray("ids", UUID.class, hostIds)
                .map((rs, c) -> Map.entry(rs.getObject("id", UUID.class), rs.getString("hostname")))
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    return new SelectorWords(
        groups,
        hostnames,
        user.scope().isWholeOrganisation() ? "Group (deleted)" : "Another group");
  }

  /** Whether htmx asks for the page's live part alone (its refresh), not the page. */
  private static boolean wantsOnly(Context ctx, String target) {
    return ctx.header("HX-Request") != null
        && ctx.header("HX-History-Restore-Request") == null
        && target.equals(ctx.header("HX-Target"));
  }
}
