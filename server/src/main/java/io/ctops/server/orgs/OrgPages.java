package io.ctops.server.orgs;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The organisations page, for super admins only: every organisation with its numbers, creating one,
 * and choosing which one this session works in (everything else then shows that one).
 */
public final class OrgPages {
  private final Pages pages;
  private final Organisations organisations;
  private final WebAccess access;

  public OrgPages(Pages pages, Organisations organisations, WebAccess access) {
    this.pages = pages;
    this.organisations = organisations;
    this.access = access;
  }

  /** The page: the organisations, the one in use, and the last action's message. */
  public record OrgsView(
      List<Organisations.OrganisationSummary> organisations,
      UUID current,
      String message,
      boolean isError) {}

  public void routes(RoutesConfig routes) {
    routes.get("/orgs", ctx -> show(ctx, "", false));
    routes.post("/orgs", this::create);
    routes.post("/orgs/switch", this::switchTo);
  }

  private static Principal superAdmin(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    if (user.role() != Role.SUPER_ADMIN) {
      throw HttpProblem.forbidden("only a super admin works across organisations");
    }
    return user;
  }

  private void show(Context ctx, String message, boolean isError) {
    Principal user = superAdmin(ctx);
    pages.page(
        ctx,
        "orgs.jte",
        "Organisations",
        "orgs",
        new OrgsView(organisations.summaries(), user.orgId(), message, isError));
  }

  private void create(Context ctx) {
    superAdmin(ctx);
    String name = Optional.ofNullable(ctx.formParam("name")).orElse("");
    switch (organisations.create(name, WebAccess.actor(ctx))) {
      case Organisations.Creation.Created c ->
          show(ctx, "Created " + c.organisation().name(), false);
      case Organisations.Creation.Refused r -> {
        ctx.status(400);
        show(ctx, r.reason(), true);
      }
    }
  }

  private void switchTo(Context ctx) {
    superAdmin(ctx);
    UUID org =
        UuidParam.parse(Optional.ofNullable(ctx.formParam("org")).orElse(""), "organisation");
    if (organisations.find(org).isEmpty()) {
      throw HttpProblem.notFound("no such organisation");
    }
    access.actInOrganisation(ctx, org);
    ctx.redirect("/hosts", HttpStatus.SEE_OTHER);
  }
}
