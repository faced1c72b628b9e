package io.ctops.server.checks;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Defining checks on the pages: the form (new and edit), saving it, deleting, enabling and
 * disabling. Only users {@link CheckEditors} allows reach any of it (403 otherwise, before a check
 * is even looked up); a refused form comes back with the reason (400) and what was typed, and saves
 * nothing.
 */
public final class CheckFormRoutes {
  private final Pages pages;
  private final Jdbi jdbi;
  private final CheckEditors editors;

  public CheckFormRoutes(Pages pages, Jdbi jdbi, CheckEditors editors) {
    this.pages = pages;
    this.jdbi = jdbi;
    this.editors = editors;
  }

  /**
   * The form: the check being edited (empty: a new one), what it shows, the groups the user may
   * pick, whether a password is stored (never shown), and why it was refused.
   */
  public record FormView(
      Optional<Check> check,
      Map<String, String> values,
      List<HostGroups.Group> groups,
      boolean hasStoredPassword,
      String error) {
    public String value(String name) {
      return values.getOrDefault(name, "");
    }

    public boolean checked(String name) {
      return "on".equals(values.get(name));
    }

    public String action() {
      return check.map(c -> "/checks/" + c.id()).orElse("/checks");
    }

    public List<CheckForm.Type> types() {
      return CheckForm.TYPES;
    }

    public Map<String, String> intervals() {
      return CheckForm.INTERVALS;
    }
  }

  /** Registered before the check pages: {@code /checks/new} is not a check's id. */
  public void routes(RoutesConfig routes) {
    routes.get("/checks/new", this::newForm);
    routes.post("/checks", this::create);
    routes.get("/checks/{id}/edit", this::edit);
    routes.post("/checks/{id}", this::update);
    routes.post("/checks/{id}/delete", this::delete);
    routes.post("/checks/{id}/enable", ctx -> setEnabled(ctx, true));
    routes.post("/checks/{id}/disable", ctx -> setEnabled(ctx, false));
  }

  private void newForm(Context ctx) {
    Principal user = editors.require(ctx);
    form(ctx, user, Optional.empty(), CheckForm.defaults(user), "");
  }

  private void edit(Context ctx) {
    Principal user = editors.require(ctx);
    Check check = requireCheck(ctx, user);
    form(ctx, user, Optional.of(check), CheckForm.valuesOf(check, jdbi, user), "");
  }

  private void create(Context ctx) {
    Principal user = editors.require(ctx);
    Map<String, String> values = CheckForm.values(ctx.formParamMap());
    try {
      CheckSpec spec = CheckForm.spec(values, jdbi, user, Optional.empty());
      UUID id =
          ChecksApi.orBadRequest(
              () ->
                  jdbi.inTransaction(
                      h ->
                          Checks.create(
                              h, user.orgId(), user.scope(), WebAccess.actor(ctx), spec)));
      ctx.redirect("/checks/" + id, HttpStatus.SEE_OTHER);
    } catch (HttpProblem e) {
      refused(ctx, user, Optional.empty(), values, e);
    }
  }

  private void update(Context ctx) {
    Principal user = editors.require(ctx);
    Check check = requireCheck(ctx, user);
    Map<String, String> values = CheckForm.values(ctx.formParamMap());
    try {
      CheckSpec spec = CheckForm.spec(values, jdbi, user, Optional.of(check));
      save(ctx, user, check, spec);
      ctx.redirect("/checks/" + check.id(), HttpStatus.SEE_OTHER);
    } catch (HttpProblem e) {
      refused(ctx, user, Optional.of(check), values, e);
    }
  }

  private void delete(Context ctx) {
    Principal user = editors.require(ctx);
    Check check = requireCheck(ctx, user);
    ChecksApi.orBadRequest(
        () ->
            jdbi.inTransaction(
                h ->
                    Checks.delete(
                        h, user.orgId(), user.scope(), WebAccess.actor(ctx), check.id())));
    ctx.redirect("/checks", HttpStatus.SEE_OTHER);
  }

  /** Back to the list or to the check's page, whichever the button was on. */
  private void setEnabled(Context ctx, boolean enabled) {
    Principal user = editors.require(ctx);
    Check check = requireCheck(ctx, user);
    CheckSpec was = check.spec();
    save(
        ctx,
        user,
        check,
        ChecksApi.orBadRequest(
            () ->
                new CheckSpec(
                    was.name(),
                    was.type(),
                    was.config(),
                    was.intervalSeconds(),
                    was.selector(),
                    enabled)));
    boolean fromList = "list".equals(ctx.formParam("back"));
    ctx.redirect(fromList ? "/checks" : "/checks/" + check.id(), HttpStatus.SEE_OTHER);
  }

  private void save(Context ctx, Principal user, Check check, CheckSpec spec) {
    ChecksApi.orBadRequest(
        () ->
            jdbi.inTransaction(
                h ->
                    Checks.update(
                        h, user.orgId(), user.scope(), WebAccess.actor(ctx), check.id(), spec)));
  }

  private void refused(
      Context ctx,
      Principal user,
      Optional<Check> check,
      Map<String, String> values,
      HttpProblem problem) {
    if (problem.status() != 400) {
      throw problem;
    }
    form(ctx, user, check, values, problem.getMessage());
  }

  private void form(
      Context ctx,
      Principal user,
      Optional<Check> check,
      Map<String, String> values,
      String error) {
    if (!error.isEmpty()) {
      ctx.status(400);
    }
    pages.page(
        ctx,
        "checks/form.jte",
        check.map(c -> "Edit " + c.name()).orElse("New check"),
        "checks",
        new FormView(
            check,
            values,
            jdbi.withHandle(h -> HostGroups.list(h, user.orgId(), user.scope())),
            CheckForm.hasStoredPassword(check),
            error));
  }

  private Check requireCheck(Context ctx, Principal user) {
    UUID id = UuidParam.parse(ctx.pathParam("id"), "check");
    return jdbi.withHandle(h -> Checks.find(h, user.orgId(), id))
        .orElseThrow(() -> HttpProblem.notFound("no such check"));
  }
}
