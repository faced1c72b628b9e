package io.ctops.server.accounts;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ctops.server.accounts.AccountViews.FleetView;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.groups.HostSelectors;
import io.ctops.server.groups.SelectorForm;
import io.ctops.server.hosts.HostDetail;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.tasks.Task;
import io.ctops.server.tasks.TaskQueue;
import io.ctops.server.tasks.TaskType;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The Accounts pages: the fleet's ("where can alice log in?", "who is privileged on group X?",
 * "which hosts accept key F?"), paged and exported as CSV with the same filter; and a host's Users
 * tab with each account's SSH keys and what the agent could not read, and a Rescan for those who
 * may act on the host. Both list only hosts the reader sees.
 */
public final class AccountPages {
  static final int PAGE_SIZE = 50;

  /** The filter fields the forms send (besides the host selector's). */
  static final List<String> FIELDS =
      List.of("login", "type", "can_log_in", "privileged", "has_keys", "fingerprint", "removed");

  private final Pages pages;
  private final Jdbi jdbi;
  private final HostRecords records;
  private final AccountsApi api;
  private final TaskQueue tasks;
  private final TaskType scanTask;

  public AccountPages(
      Pages pages,
      Jdbi jdbi,
      HostRecords records,
      AccountsApi api,
      TaskQueue tasks,
      TaskType scanTask) {
    this.pages = pages;
    this.jdbi = jdbi;
    this.records = records;
    this.api = api;
    this.tasks = tasks;
    this.scanTask = scanTask;
  }

  public void routes(RoutesConfig routes) {
    routes.get("/accounts", this::fleet);
    routes.get("/accounts.csv", this::csv);
    routes.get("/hosts/{id}/accounts", this::hostTab);
    routes.post("/hosts/{id}/accounts/rescan", this::rescan);
  }

  private void fleet(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    List<HostGroups.Group> groups =
        jdbi.withHandle(h -> HostGroups.list(h, user.orgId(), user.scope()));
    FleetView view;
    try {
      AccountQuery.Filter filter = filter(ctx, user);
      view =
          new FleetView(
              api.fleet(user, filter),
              filter.page(),
              filter.size(),
              typed(ctx),
              groups,
              Optional.empty());
    } catch (HttpProblem refused) {
      if (refused.status() != 400) {
        throw refused;
      }
      // a typo in a filter is shown beside the form that holds it, not on an error page
      ctx.status(400);
      view =
          new FleetView(
              new AccountQuery.Page(List.of(), 0),
              1,
              PAGE_SIZE,
              typed(ctx),
              groups,
              Optional.of(refused.getMessage()));
    }
    pages.page(ctx, "accounts/index.jte", "Accounts", "accounts", view);
  }

  private void csv(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    api.csv(ctx, user, filter(ctx, user));
  }

  /** The API's filter, with the shared host selector's fields in place of its host parameters. */
  private AccountQuery.Filter filter(Context ctx, Principal user) {
    AccountQuery.Filter asked = AccountsApi.filter(ctx, jdbi, user, PAGE_SIZE);
    Map<String, String> fields = new LinkedHashMap<>();
    for (String field : SelectorForm.FIELDS) {
      fields.put(field, text(ctx.queryParam(field)));
    }
    Optional<HostSelector> chosen = SelectorForm.read(fields, jdbi, user.orgId(), user.scope());
    if (chosen.isEmpty()) {
      return asked;
    }
    try {
      jdbi.useHandle(h -> HostSelectors.requireKnown(h, user.orgId(), user.scope(), chosen.get()));
    } catch (HostSelector.InvalidSelectorException e) {
      throw HttpProblem.badRequest(e.getMessage());
    }
    return new AccountQuery.Filter(
        asked.login(),
        asked.type(),
        asked.canLogIn(),
        asked.privileged(),
        asked.hasKeys(),
        asked.fingerprint(),
        asked.withRemoved(),
        chosen.get(),
        asked.page(),
        asked.size());
  }

  /** The form's fields as typed, to show them again (and to build the page and CSV links). */
  private static Map<String, String> typed(Context ctx) {
    Map<String, String> form = new LinkedHashMap<>();
    for (String field : FIELDS) {
      form.put(field, text(ctx.queryParam(field)));
    }
    for (String field : SelectorForm.FIELDS) {
      form.put(field, text(ctx.queryParam(field)));
    }
    return form;
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }

  private void hostTab(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    AccountQuery.Filter filter = AccountsApi.hostFilter(ctx, jdbi, user);
    AccountQuery.HostView view =
        jdbi.withHandle(h -> AccountQuery.forHost(h, user.orgId(), host.id(), filter));
    boolean mayOperate = scanTask.mayRequest(records.roleOn(user, host));
    Optional<Task> rescan = tasks.latest(user.orgId(), host.id(), scanTask.name());
    pages.page(
        ctx,
        "accounts/host.jte",
        host.shownName(),
        "hosts",
        new AccountViews.HostTab(
            host, view, typed(ctx), mayOperate && !host.isDeleted(), mayOperate, rescan));
  }

  /**
   * Queues an account scan of the host in the path as a task (which the task queue audits): the
   * agent runs the host's account and SSH key checks now.
   */
  private void rescan(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    if (!scanTask.mayRequest(user.role())) {
      throw HttpProblem.forbidden("read-only users cannot start scans");
    }
    HostDetail host = records.require(user, ctx.pathParam("id"));
    if (!scanTask.mayRequest(records.roleOn(user, host))) {
      throw HttpProblem.forbidden(
          "you are read-only on this host's groups; its accounts cannot be rescanned");
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
      throw new IllegalStateException("an account scan takes no parameters", e);
    } catch (TaskType.Refused e) {
      throw HttpProblem.conflict(e.getMessage());
    }
    ctx.redirect("/hosts/" + host.id() + "/accounts", HttpStatus.SEE_OTHER);
  }
}
