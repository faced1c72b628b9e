package io.ctops.server.certificates;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.certificates.CertificateQuery.Counts;
import io.ctops.server.certificates.CertificateQuery.FleetPage;
import io.ctops.server.certificates.CertificateViews.FleetView;
import io.ctops.server.certificates.CertificateViews.HostTab;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.groups.HostSelectors;
import io.ctops.server.groups.SelectorForm;
import io.ctops.server.hosts.HostDetail;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.orgs.Organisations;
import io.ctops.server.tasks.Task;
import io.ctops.server.tasks.TaskQueue;
import io.ctops.server.tasks.TaskType;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The Certificates pages: the fleet's, each certificate once with the places it is on, soonest to
 * expire first, filtered like the API (and exported as CSV with the same filter); and a host's
 * Certificates tab with its last discovery scan and a Rescan for those who may act on the host.
 * Both list only hosts the reader sees, and their live part asks again now and then (htmx).
 */
public final class CertificatePages {
  static final int PAGE_SIZE = 50;

  private final Pages pages;
  private final Jdbi jdbi;
  private final HostRecords records;
  private final Organisations organisations;
  private final CertificatesApi api;
  private final TaskQueue tasks;
  private final TaskType scanTask;
  private final Clock clock;

  public CertificatePages(
      Pages pages,
      Jdbi jdbi,
      HostRecords records,
      Organisations organisations,
      CertificatesApi api,
      TaskQueue tasks,
      TaskType scanTask,
      Clock clock) {
    this.pages = pages;
    this.jdbi = jdbi;
    this.records = records;
    this.organisations = organisations;
    this.api = api;
    this.tasks = tasks;
    this.scanTask = scanTask;
    this.clock = clock;
  }

  public void routes(RoutesConfig routes) {
    routes.get("/certificates", this::fleet);
    routes.get("/certificates.csv", this::csv);
    routes.get("/hosts/{id}/certificates", this::hostTab);
    routes.post("/hosts/{id}/certificates/rescan", this::rescan);
  }

  private void fleet(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    int days = organisations.certificateExpiringDays(user.orgId());
    Instant now = clock.instant();
    List<HostGroups.Group> groups =
        jdbi.withHandle(h -> HostGroups.list(h, user.orgId(), user.scope()));
    FleetView view;
    try {
      CertificateQuery.Filter filter = filter(ctx, user);
      // the counts are of every status, so each reads as "this many if you filter by it"
      CertificateQuery.Filter anyStatus =
          new CertificateQuery.Filter(
              Optional.empty(), filter.issuer(), filter.selector(), 1, filter.size());
      FleetPage page = api.fleet(user, filter);
      Counts counts =
          jdbi.withHandle(
              h -> CertificateQuery.counts(h, user.orgId(), user.scope(), anyStatus, now, days));
      view =
          new FleetView(
              page,
              counts,
              filter.page(),
              filter.size(),
              PAGE_SIZE,
              form(filter, user),
              groups,
              days,
              Optional.empty(),
              now);
    } catch (HttpProblem refused) {
      if (refused.status() != 400) {
        throw refused;
      }
      // a typo in a filter is shown beside the form that holds it, not on an error page
      ctx.status(400);
      view =
          new FleetView(
              new FleetPage(List.of(), 0),
              new Counts(0, 0, 0),
              1,
              PAGE_SIZE,
              PAGE_SIZE,
              typed(ctx),
              groups,
              days,
              Optional.of(refused.getMessage()),
              now);
    }
    if (wantsOnly(ctx, "certificates-live")) {
      pages.fragment(ctx, "certificates/list.jte", view);
    } else {
      pages.page(ctx, "certificates/index.jte", "Certificates", "certificates", view);
    }
  }

  private void csv(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    api.csv(ctx, user, filter(ctx, user));
  }

  /**
   * The page's filter: the API's parameters ({@code status}, {@code issuer}, {@code group}, {@code
   * host}, {@code tag}, {@code page}, {@code size}), with the shared host selector's fields ({@code
   * selector_kind} and the chosen kind's field, as the form sends them) taking the place of the
   * API's host parameters when given.
   */
  private CertificateQuery.Filter filter(Context ctx, Principal user) {
    CertificateQuery.Filter asked = CertificatesApi.filter(ctx, jdbi, user, PAGE_SIZE);
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("selector_kind", text(ctx.queryParam("selector_kind")));
    fields.put("selector_group", text(ctx.queryParam("selector_group")));
    fields.put("selector_host", text(ctx.queryParam("selector_host")));
    fields.put("selector_tags", text(ctx.queryParam("selector_tags")));
    Optional<HostSelector> chosen = SelectorForm.read(fields, jdbi, user.orgId(), user.scope());
    if (chosen.isEmpty()) {
      return asked;
    }
    try {
      jdbi.useHandle(h -> HostSelectors.requireKnown(h, user.orgId(), user.scope(), chosen.get()));
    } catch (HostSelector.InvalidSelectorException e) {
      throw HttpProblem.badRequest(e.getMessage());
    }
    return new CertificateQuery.Filter(
        asked.status(), asked.issuer(), chosen.get(), asked.page(), asked.size());
  }

  /** The filter as the form's fields, however it was asked for (the API's or the form's names). */
  private Map<String, String> form(CertificateQuery.Filter filter, Principal user) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("status", filter.status().map(CertificateQuery.Status::shown).orElse(""));
    form.put("issuer", filter.issuer().orElse(""));
    form.putAll(SelectorForm.fields(filter.selector(), jdbi, user.orgId(), user.scope()));
    return form;
  }

  /** The form's fields as typed, for showing them again beside the reason they were refused. */
  private static Map<String, String> typed(Context ctx) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("status", text(ctx.queryParam("status")));
    form.put("issuer", text(ctx.queryParam("issuer")));
    for (String field : SelectorForm.FIELDS) {
      form.put(field, text(ctx.queryParam(field)));
    }
    return form;
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }

  private void hostTab(Context ctx) {
    HostTab view = hostView(ctx);
    if (wantsOnly(ctx, "host-certificates")) {
      pages.fragment(ctx, "certificates/host-list.jte", view);
    } else {
      pages.page(ctx, "certificates/host.jte", view.host().shownName(), "hosts", view);
    }
  }

  private HostTab hostView(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    int days = organisations.certificateExpiringDays(user.orgId());
    Instant now = clock.instant();
    CertificateQuery.HostView certificates =
        jdbi.withHandle(h -> CertificateQuery.forHost(h, host.id(), now, days));
    Optional<Task> rescan = tasks.latest(user.orgId(), host.id(), scanTask.name());
    boolean mayOperate = scanTask.mayRequest(records.roleOn(user, host));
    return new HostTab(
        host,
        certificates.certificates(),
        certificates.lastScan(),
        rescan,
        days,
        mayOperate && !host.isDeleted(),
        mayOperate,
        now);
  }

  /**
   * Queues a discovery scan of the host in the path as a task (which the task queue audits); an
   * htmx request gets the tab's live part back, showing the scan under way.
   */
  private void rescan(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    if (!scanTask.mayRequest(user.role())) {
      throw HttpProblem.forbidden("read-only users cannot start scans");
    }
    HostDetail host = records.require(user, ctx.pathParam("id"));
    if (!scanTask.mayRequest(records.roleOn(user, host))) {
      throw HttpProblem.forbidden(
          "you are read-only on this host's groups; it cannot be rescanned");
    }
    if (host.isDeleted()) {
      throw HttpProblem.conflict("the host is deleted");
    }
    try {
      tasks.request(
          user.orgId(),
          host.id(),
          scanTask,
          scanTask.parameters(JsonNodeFactory.instance.objectNode()),
          WebAccess.actor(ctx));
    } catch (TaskType.InvalidParameters e) {
      throw new IllegalStateException("a certificate scan takes no parameters", e);
    } catch (TaskType.Refused e) {
      throw HttpProblem.conflict(e.getMessage());
    }
    if (ctx.header("HX-Request") != null) {
      pages.fragment(ctx, "certificates/host-list.jte", hostView(ctx));
    } else {
      ctx.redirect("/hosts/" + host.id() + "/certificates", HttpStatus.SEE_OTHER);
    }
  }

  /** Whether htmx asks for the page's live part alone (its refresh), not the page. */
  private static boolean wantsOnly(Context ctx, String target) {
    return ctx.header("HX-Request") != null
        && ctx.header("HX-History-Restore-Request") == null
        && target.equals(ctx.header("HX-Target"));
  }
}
