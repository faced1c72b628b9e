package io.ctops.server.groups;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
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
 * The Groups page (every group with its member counts), a group's page (its hosts through the host
 * list itself, with the group fixed) and the admins' forms: create, edit, delete, and pick a static
 * group's hosts by hostname.
 */
public final class GroupPages {
  private final Pages pages;
  private final Jdbi jdbi;

  public GroupPages(Pages pages, Jdbi jdbi) {
    this.pages = pages;
    this.jdbi = jdbi;
  }

  /** The Groups page. */
  public record GroupsView(List<HostGroups.Group> groups, boolean canEdit) {}

  /**
   * The group form: {@code group} empty for a new one; {@code values} what was typed (kept when it
   * was refused, with {@code error} saying why).
   */
  public record FormView(
      Optional<HostGroups.Group> group, Map<String, String> values, String error) {
    public String value(String name) {
      return values.getOrDefault(name, "");
    }

    public boolean isDynamic() {
      return value("kind").equals("dynamic");
    }

    public String action() {
      return group.map(g -> "/groups/" + g.id()).orElse("/groups");
    }

    public List<String> statuses() {
      return List.of("online", "offline", "unknown", "pending", "revoked");
    }
  }

  /** Hosts matching a hostname search on a static group's page, each a member or not. */
  public record CandidatesView(UUID groupId, String search, List<GroupMembers.Candidate> hosts) {}

  public void routes(RoutesConfig routes) {
    routes.get("/groups", this::list);
    routes.get("/groups/new", ctx -> form(ctx, Optional.empty()));
    routes.post("/groups", this::create);
    routes.get("/groups/{id}/edit", ctx -> form(ctx, Optional.of(requireGroup(ctx))));
    routes.post("/groups/{id}", this::update);
    routes.post("/groups/{id}/delete", this::delete);
    routes.get("/groups/{id}/candidates", this::candidates);
    routes.post("/groups/{id}/members", this::addMembers);
    routes.post("/groups/{id}/members/remove", this::removeMembers);
  }

  private void list(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    List<HostGroups.Group> groups =
        jdbi.withHandle(handle -> HostGroups.list(handle, user.orgId(), user.scope()));
    pages.page(ctx, "groups/index.jte", "Groups", "groups", new GroupsView(groups, user.isAdmin()));
  }

  private HostGroups.Group requireGroup(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    UUID id = UuidParam.parse(ctx.pathParam("id"), "group");
    return jdbi.withHandle(handle -> HostGroups.find(handle, user.orgId(), user.scope(), id))
        .orElseThrow(() -> HttpProblem.notFound("no such group"));
  }

  private void form(Context ctx, Optional<HostGroups.Group> group) {
    WebAccess.requireAdmin(ctx);
    Map<String, String> values = group.map(GroupPages::formValues).orElse(Map.of("kind", "static"));
    showForm(ctx, group, values, "");
  }

  private void showForm(
      Context ctx, Optional<HostGroups.Group> group, Map<String, String> values, String error) {
    pages.page(
        ctx,
        "groups/form.jte",
        group.map(g -> "Edit " + g.name()).orElse("New group"),
        "groups",
        new FormView(group, values, error));
  }

  private static Map<String, String> formValues(HostGroups.Group group) {
    GroupRule rule = group.rule();
    return Map.of(
        "name", group.name(),
        "description", group.description(),
        "kind", group.dynamic() ? "dynamic" : "static",
        "rule_tags", String.join(", ", rule.tags().stream().map(Tag::toString).toList()),
        "rule_os", rule.os().orElse(""),
        "rule_hostname", rule.hostnamePattern().orElse(""),
        "rule_cidr", rule.cidr().orElse(""),
        "rule_status", rule.status().orElse(""));
  }

  /** What the form sent, to show again beside the reason it was refused. */
  private static Map<String, String> typed(Context ctx) {
    Map<String, String> values = new java.util.HashMap<>();
    for (String name :
        List.of(
            "name",
            "description",
            "kind",
            "rule_tags",
            "rule_os",
            "rule_hostname",
            "rule_cidr",
            "rule_status")) {
      values.put(name, Optional.ofNullable(ctx.formParam(name)).orElse(""));
    }
    return values;
  }

  private void create(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    try {
      UUID id =
          GroupRequests.orBadRequest(
              () -> {
                HostGroups.GroupSpec spec = GroupRequests.fromForm(ctx.formParamMap());
                return jdbi.inTransaction(
                    handle -> HostGroups.create(handle, user.orgId(), WebAccess.actor(ctx), spec));
              });
      redirect(ctx, "/groups/" + id);
    } catch (HttpProblem e) {
      refused(ctx, Optional.empty(), e);
    }
  }

  private void update(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    HostGroups.Group group = requireGroup(ctx);
    try {
      GroupRequests.orBadRequest(
          () -> {
            HostGroups.GroupSpec spec = GroupRequests.fromForm(ctx.formParamMap());
            return jdbi.inTransaction(
                handle ->
                    HostGroups.update(
                        handle, user.orgId(), WebAccess.actor(ctx), group.id(), spec));
          });
      redirect(ctx, "/groups/" + group.id());
    } catch (HttpProblem e) {
      refused(ctx, Optional.of(group), e);
    }
  }

  /** A refused form comes back with what was typed and the reason, answered 400. */
  private void refused(Context ctx, Optional<HostGroups.Group> group, HttpProblem problem) {
    if (problem.status() != 400 || ctx.header("HX-Request") != null) {
      throw problem;
    }
    showForm(ctx, group, typed(ctx), problem.getMessage());
    ctx.status(400);
  }

  private void delete(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    HostGroups.Group group = requireGroup(ctx);
    jdbi.useTransaction(
        handle -> HostGroups.delete(handle, user.orgId(), WebAccess.actor(ctx), group.id()));
    redirect(ctx, "/groups");
  }

  private void candidates(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    HostGroups.Group group = requireGroup(ctx);
    String search = Optional.ofNullable(ctx.queryParam("q")).orElse("").strip();
    if (search.length() > 200) {
      throw HttpProblem.badRequest("search is limited to 200 characters");
    }
    List<GroupMembers.Candidate> hosts =
        search.isEmpty()
            ? List.of()
            : jdbi.withHandle(
                handle ->
                    GroupMembers.candidates(
                        handle, user.orgId(), user.scope(), group.id(), search));
    pages.fragment(ctx, "groups/candidates.jte", new CandidatesView(group.id(), search, hosts));
  }

  private void addMembers(Context ctx) {
    changeMembers(ctx, true);
  }

  private void removeMembers(Context ctx) {
    changeMembers(ctx, false);
  }

  private void changeMembers(Context ctx, boolean add) {
    Principal user = WebAccess.requireAdmin(ctx);
    HostGroups.Group group = requireGroup(ctx);
    List<UUID> hosts =
        ctx.formParams("host_id").stream().map(id -> UuidParam.parse(id, "host")).toList();
    if (hosts.isEmpty()) {
      throw HttpProblem.badRequest("choose at least one host");
    }
    GroupRequests.orBadRequest(
        () ->
            jdbi.inTransaction(
                handle -> {
                  GroupMembers.requireHosts(handle, user.orgId(), user.scope(), hosts);
                  return add
                      ? HostGroups.addMembers(
                          handle, user.orgId(), WebAccess.actor(ctx), group.id(), hosts)
                      : HostGroups.removeMembers(
                          handle, user.orgId(), WebAccess.actor(ctx), group.id(), hosts);
                }));
    redirect(ctx, "/groups/" + group.id());
  }

  /** After a form post: htmx follows HX-Redirect, a plain form follows 303. */
  private static void redirect(Context ctx, String location) {
    if (ctx.header("HX-Request") != null) {
      ctx.header("HX-Redirect", location);
      ctx.status(204);
      return;
    }
    ctx.redirect(location, HttpStatus.SEE_OTHER);
  }
}
