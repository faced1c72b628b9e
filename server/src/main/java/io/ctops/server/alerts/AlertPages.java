package io.ctops.server.alerts;

import io.ctops.server.alerts.AlertQuery.AlertRow;
import io.ctops.server.alerts.AlertRules.AlertRule;
import io.ctops.server.auth.HostScope;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.groups.SelectorWords;
import io.ctops.server.web.Csv;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;

/**
 * The Alerts page (open alerts grouped by rule, or any alerts by filter, exportable as CSV, with
 * acknowledgement) and the Rules pages (the list for everyone; for admins the form with its
 * preview, and delete).
 */
public final class AlertPages {
  /** The most rows one CSV export holds. */
  static final int CSV_ROWS = 100_000;

  private final Pages pages;
  private final Jdbi jdbi;
  private final AlertsApi api;
  private final Clock clock;

  public AlertPages(Pages pages, Jdbi jdbi, AlertsApi api, Clock clock) {
    this.pages = pages;
    this.jdbi = jdbi;
    this.api = api;
    this.clock = clock;
  }

  /** The Alerts page: a page of alerts, their rules' groups when open, and what the user may do. */
  public record AlertsView(
      AlertQuery.AlertPage page,
      List<HostGroups.Group> groups,
      boolean canAcknowledge,
      String queryString) {
    /** Open alerts by rule, in the page's order of first appearance. */
    public Map<String, List<AlertRow>> byRule() {
      return page.rows().stream()
          .collect(
              Collectors.groupingBy(AlertRow::ruleName, LinkedHashMap::new, Collectors.toList()));
    }

    public boolean isGrouped() {
      return page.filter().state() == AlertQuery.StateFilter.OPEN
          || page.filter().state() == AlertQuery.StateFilter.FIRING;
    }

    public int pageCount() {
      return (int) Math.max(1, (page.total() + page.filter().size() - 1) / page.filter().size());
    }

    public String pageUrl(int number) {
      String rest =
          java.util.Arrays.stream(queryString.split("&"))
              .filter(p -> !p.isEmpty() && !p.startsWith("page="))
              .collect(Collectors.joining("&"));
      return "/alerts?" + (rest.isEmpty() ? "" : rest + "&") + "page=" + number;
    }
  }

  /** The Rules page; {@code groupNames} names the groups the rules select. */
  public record RulesView(List<AlertRule> rules, Map<UUID, String> groupNames, boolean canEdit) {
    /** Which hosts a rule watches, in words. */
    public String selectorText(AlertRule rule) {
      return new SelectorWords(groupNames, Map.of(), "Group (deleted)").of(rule.spec().selector());
    }
  }

  /**
   * The rule form: the rule being edited (empty: a new one), what was typed, why it was refused.
   */
  public record FormView(
      Optional<AlertRule> rule,
      Map<String, String> values,
      List<String> channelIds,
      List<Channel> channels,
      List<HostGroups.Group> groups,
      List<CheckName> checks,
      String error) {
    public String value(String name) {
      return values.getOrDefault(name, "");
    }

    public boolean checked(String name) {
      return "on".equals(values.get(name));
    }

    public String action() {
      return rule.map(r -> "/alerts/rules/" + r.id()).orElse("/alerts/rules");
    }
  }

  /** A channel a rule may notify. */
  public record Channel(UUID id, String name, String kind) {}

  public void routes(RoutesConfig routes) {
    routes.get("/alerts", this::alerts);
    routes.get("/alerts.csv", this::csv);
    routes.post("/alerts/{id}/acknowledge", this::acknowledge);
    routes.get("/alerts/rules", this::rules);
    routes.get("/alerts/rules/new", ctx -> form(ctx, Optional.empty(), Map.of(), List.of(), ""));
    routes.post("/alerts/rules", this::create);
    routes.post("/alerts/rules/preview", this::preview);
    routes.get("/alerts/rules/{id}/edit", this::edit);
    routes.post("/alerts/rules/{id}", this::update);
    routes.post("/alerts/rules/{id}/delete", this::delete);
  }

  private void alerts(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    AlertQuery.Filter filter = AlertQuery.Filter.parse(ctx.queryParamMap());
    AlertQuery.AlertPage page =
        jdbi.withHandle(h -> AlertQuery.list(h, user.orgId(), user.scope(), filter));
    List<HostGroups.Group> groups =
        jdbi.withHandle(h -> HostGroups.list(h, user.orgId(), user.scope()));
    pages.page(
        ctx,
        "alerts/index.jte",
        "Alerts",
        "alerts",
        new AlertsView(
            page,
            groups,
            user.role() != Role.READ_ONLY,
            ctx.queryString() == null ? "" : ctx.queryString()));
  }

  private void csv(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    AlertQuery.Filter asked = AlertQuery.Filter.parse(ctx.queryParamMap());
    AlertQuery.Filter all =
        new AlertQuery.Filter(
            asked.state(),
            asked.severity(),
            asked.rule(),
            asked.host(),
            asked.group(),
            asked.search(),
            1,
            CSV_ROWS);
    StringBuilder out =
        new StringBuilder(
            Csv.row(
                "rule",
                "host",
                "severity",
                "state",
                "value",
                "fired_value",
                "pending_since",
                "firing_since",
                "resolved_at",
                "resolved_reason",
                "acknowledged_at",
                "acknowledged_by",
                "acknowledge_comment"));
    jdbi.useHandle(
        h ->
            AlertQuery.listUpTo(h, user.orgId(), user.scope(), all)
                .forEach(
                    a ->
                        out.append(
                            Csv.row(
                                a.ruleName(),
                                a.hostname(),
                                a.severity().dbName(),
                                a.state(),
                                text(a.value()),
                                text(a.firedValue()),
                                text(a.pendingSince()),
                                text(a.firingSince()),
                                text(a.resolvedAt()),
                                text(a.resolvedReason()),
                                text(a.acknowledgedAt()),
                                text(a.acknowledgedBy()),
                                text(a.acknowledgeComment())))));
    ctx.header("Content-Disposition", "attachment; filename=\"alerts.csv\"");
    ctx.contentType("text/csv; charset=utf-8").result(out.toString());
  }

  private static String text(Object value) {
    return value == null ? "" : value.toString();
  }

  private void acknowledge(Context ctx) {
    Principal user = AlertsApi.requireResponder(ctx);
    UUID id = UuidParam.parse(ctx.pathParam("id"), "alert");
    AlertRow alert =
        jdbi.withHandle(h -> AlertQuery.find(h, user.orgId(), user.scope(), id))
            .orElseThrow(() -> HttpProblem.notFound("no such alert"));
    String comment = Optional.ofNullable(ctx.formParam("comment")).orElse("").strip();
    api.acknowledge(ctx, user, alert, comment);
    String back = Optional.ofNullable(ctx.formParam("back")).orElse("/alerts");
    ctx.redirect(
        back.startsWith("/") && !back.startsWith("//") ? back : "/alerts",
        io.javalin.http.HttpStatus.SEE_OTHER);
  }

  private void rules(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    pages.page(
        ctx,
        "alerts/rules.jte",
        "Alert rules",
        "alerts",
        new RulesView(
            jdbi.withHandle(h -> AlertRules.list(h, user.orgId())),
            jdbi.withHandle(h -> HostGroups.list(h, user.orgId(), HostScope.ORGANISATION)).stream()
                .collect(Collectors.toMap(HostGroups.Group::id, HostGroups.Group::name)),
            user.isAdmin()));
  }

  private AlertRule requireRule(Context ctx, Principal user) {
    UUID id = UuidParam.parse(ctx.pathParam("id"), "rule");
    return jdbi.withHandle(h -> AlertRules.find(h, user.orgId(), id))
        .orElseThrow(() -> HttpProblem.notFound("no such alert rule"));
  }

  private void edit(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    AlertRule rule = requireRule(ctx, user);
    form(
        ctx,
        Optional.of(rule),
        RuleForm.values(rule.spec(), jdbi, user.orgId()),
        rule.spec().channelIds().stream().map(UUID::toString).toList(),
        "");
  }

  private void form(
      Context ctx,
      Optional<AlertRule> rule,
      Map<String, String> values,
      List<String> channelIds,
      String error) {
    Principal user = WebAccess.requireAdmin(ctx);
    Map<String, String> shown = new LinkedHashMap<>(RuleForm.DEFAULTS);
    shown.putAll(values);
    if (!error.isEmpty()) {
      ctx.status(400);
    }
    pages.page(
        ctx,
        "alerts/form.jte",
        rule.map(r -> "Edit " + r.spec().name()).orElse("New alert rule"),
        "alerts",
        new FormView(
            rule,
            shown,
            channelIds,
            channels(user.orgId()),
            jdbi.withHandle(h -> HostGroups.list(h, user.orgId(), HostScope.ORGANISATION)),
            checks(user.orgId()),
            error));
  }

  /** A check the "check failing" kind may name. */
  public record CheckName(UUID id, String name) {}

  /**
   * The organisation's checks by name, for the form. Read here, not through the checks package:
   * that package depends (through certificates and hosts) on this one.
   */
  private List<CheckName> checks(UUID orgId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT id, name FROM checks WHERE org_id = :org ORDER BY lower(name), id")
                .bind("org", orgId)
                .map(
                    (rs, ctx) ->
                        new CheckName(rs.getObject("id", UUID.class), rs.getString("name")))
                .list());
  }

  private List<Channel> channels(UUID orgId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT id, name, kind FROM notification_channels WHERE org_id = :org"
                        + " ORDER BY lower(name)")
                .bind("org", orgId)
                .map(
                    (rs, c) ->
                        new Channel(
                            rs.getObject("id", UUID.class),
                            rs.getString("name"),
                            rs.getString("kind")))
                .list());
  }

  private void create(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    Map<String, String> values = RuleForm.fields(ctx.formParamMap());
    List<String> channels = ctx.formParams("channel_ids");
    try {
      RuleSpec spec = RuleForm.spec(values, channels, jdbi, user.orgId(), Optional.empty());
      jdbi.useTransaction(h -> AlertRules.create(h, user.orgId(), WebAccess.actor(ctx), spec));
      ctx.redirect("/alerts/rules", io.javalin.http.HttpStatus.SEE_OTHER);
    } catch (HttpProblem e) {
      if (e.status() != 400) {
        throw e;
      }
      form(ctx, Optional.empty(), values, channels, e.getMessage());
    }
  }

  private void update(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    AlertRule rule = requireRule(ctx, user);
    Map<String, String> values = RuleForm.fields(ctx.formParamMap());
    List<String> channels = ctx.formParams("channel_ids");
    try {
      RuleSpec spec = RuleForm.spec(values, channels, jdbi, user.orgId(), Optional.of(rule));
      jdbi.useTransaction(
          h ->
              AlertRules.update(
                  h, user.orgId(), WebAccess.actor(ctx), rule.id(), spec, clock.instant()));
      ctx.redirect("/alerts/rules", io.javalin.http.HttpStatus.SEE_OTHER);
    } catch (HttpProblem e) {
      if (e.status() != 400) {
        throw e;
      }
      form(ctx, Optional.of(rule), values, channels, e.getMessage());
    }
  }

  private void delete(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    AlertRule rule = requireRule(ctx, user);
    jdbi.useTransaction(h -> AlertRules.delete(h, user.orgId(), WebAccess.actor(ctx), rule.id()));
    ctx.redirect("/alerts/rules", io.javalin.http.HttpStatus.SEE_OTHER);
  }

  /** The hosts the form's rule would fire for now: a fragment for htmx, or the reason it cannot. */
  private void preview(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    Map<String, String> values = RuleForm.fields(ctx.formParamMap());
    Map<String, Object> model = new LinkedHashMap<>();
    try {
      RuleSpec spec =
          RuleForm.spec(
              values, ctx.formParams("channel_ids"), jdbi, user.orgId(), Optional.empty());
      model.put(
          "preview",
          jdbi.withHandle(
              h ->
                  AlertEvaluator.preview(
                      h, user.orgId(), spec, clock.instant(), AlertsApi.PREVIEW_HOSTS)));
      model.put("error", "");
    } catch (HttpProblem e) {
      if (e.status() != 400) {
        throw e;
      }
      model.put("preview", new AlertEvaluator.Preview(0, new ArrayList<>()));
      model.put("error", e.getMessage());
    }
    ctx.html(pages.render("alerts/preview.jte", model));
  }
}
