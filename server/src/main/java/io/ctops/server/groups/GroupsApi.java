package io.ctops.server.groups;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Host groups in the JSON API ({@code /api/v1/groups}) and the host selector's preview ({@code
 * /api/v1/host-selectors/resolve}): the same rules as the pages — everyone reads the groups they
 * may see, admins write them. A group's hosts are the host list's ({@code GroupPage}).
 */
public final class GroupsApi {
  /** How many ids a selector preview lists; the count is always the whole. */
  static final int RESOLVED_IDS = 1_000;

  private final Jdbi jdbi;

  public GroupsApi(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** A group in the API. */
  public record GroupJson(
      UUID id, String name, String description, String kind, RuleJson rule, MembersJson members) {
    static GroupJson of(HostGroups.Group group) {
      GroupRule rule = group.rule();
      return new GroupJson(
          group.id(),
          group.name(),
          group.description(),
          group.dynamic() ? "dynamic" : "static",
          new RuleJson(
              rule.tags().stream().map(Tag::toString).toList(),
              rule.os().orElse(null),
              rule.hostnamePattern().orElse(null),
              rule.cidr().orElse(null),
              rule.status().orElse(null)),
          new MembersJson(group.members(), group.online(), group.offline()));
    }
  }

  /** A dynamic group's conditions (all must hold); empty for a static group. */
  public record RuleJson(
      List<String> tags, String os, String hostnamePattern, String cidr, String status) {}

  /** How many live hosts a group holds, and how many of them are online and offline. */
  public record MembersJson(long total, long online, long offline) {}

  public record GroupList(List<GroupJson> items) {}

  public record Added(int added) {}

  public record Removed(int removed) {}

  /** A selector's preview: how many hosts it names, and the first of their ids. */
  public record Resolved(long count, List<UUID> hostIds) {}

  public void routes(RoutesConfig routes) {
    routes.get("/api/v1/groups", this::list);
    routes.post("/api/v1/groups", this::create);
    routes.get("/api/v1/groups/{id}", ctx -> ctx.json(GroupJson.of(require(ctx))));
    routes.patch("/api/v1/groups/{id}", this::update);
    routes.delete("/api/v1/groups/{id}", this::delete);
    routes.post("/api/v1/groups/{id}/members", ctx -> members(ctx, true));
    routes.delete("/api/v1/groups/{id}/members", ctx -> members(ctx, false));
    routes.post("/api/v1/host-selectors/resolve", this::resolve);
  }

  private void list(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    ctx.json(
        new GroupList(
            jdbi.withHandle(handle -> HostGroups.list(handle, user.orgId(), user.scope())).stream()
                .map(GroupJson::of)
                .toList()));
  }

  private HostGroups.Group require(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    UUID id = UuidParam.parse(ctx.pathParam("id"), "group");
    return find(user, id).orElseThrow(() -> HttpProblem.notFound("no such group"));
  }

  private Optional<HostGroups.Group> find(Principal user, UUID id) {
    return jdbi.withHandle(handle -> HostGroups.find(handle, user.orgId(), user.scope(), id));
  }

  private void create(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    JsonNode body = GroupRequests.object(ctx.body(), "{\"name\": \"web\", \"kind\": \"static\"}");
    UUID id =
        GroupRequests.orBadRequest(
            () -> {
              HostGroups.GroupSpec spec = GroupRequests.fromJson(body, Optional.empty());
              return jdbi.inTransaction(
                  handle -> HostGroups.create(handle, user.orgId(), WebAccess.actor(ctx), spec));
            });
    ctx.status(201).json(GroupJson.of(find(user, id).orElseThrow()));
  }

  /** Changes the fields given; the others keep their value. */
  private void update(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    HostGroups.Group group = require(ctx);
    JsonNode body = GroupRequests.object(ctx.body(), "{\"description\": \"…\"}");
    GroupRequests.orBadRequest(
        () -> {
          HostGroups.GroupSpec spec = GroupRequests.fromJson(body, Optional.of(group));
          return jdbi.inTransaction(
              handle ->
                  HostGroups.update(handle, user.orgId(), WebAccess.actor(ctx), group.id(), spec));
        });
    ctx.json(GroupJson.of(find(user, group.id()).orElseThrow()));
  }

  private void delete(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    HostGroups.Group group = require(ctx);
    jdbi.useTransaction(
        handle -> HostGroups.delete(handle, user.orgId(), WebAccess.actor(ctx), group.id()));
    ctx.status(204);
  }

  /** {@code {"host_ids": [...]}} into or out of a static group; 404 for an unknown host id. */
  private void members(Context ctx, boolean add) {
    Principal user = WebAccess.requireAdmin(ctx);
    HostGroups.Group group = require(ctx);
    JsonNode body = GroupRequests.object(ctx.body(), "{\"host_ids\": [\"…\"]}");
    Set<UUID> hosts = GroupRequests.hostIds(body);
    int changed =
        GroupRequests.orBadRequest(
            () ->
                jdbi.inTransaction(
                    handle -> {
                      if (group.dynamic()) {
                        throw HttpProblem.badRequest(
                            "the members of the dynamic group \""
                                + group.name()
                                + "\" follow its rule; change the rule or the hosts' tags"
                                + " instead");
                      }
                      GroupMembers.requireHosts(handle, user.orgId(), user.scope(), hosts);
                      return add
                          ? HostGroups.addMembers(
                              handle, user.orgId(), WebAccess.actor(ctx), group.id(), hosts)
                          : HostGroups.removeMembers(
                              handle, user.orgId(), WebAccess.actor(ctx), group.id(), hosts);
                    }));
    if (add) {
      ctx.json(new Added(changed));
    } else {
      ctx.json(new Removed(changed));
    }
  }

  /** A selector in its JSON form; group and host ids must be the user's to see. */
  private void resolve(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    JsonNode body = GroupRequests.object(ctx.body(), "{\"kind\": \"tags\", \"tags\": [\"env\"]}");
    ctx.json(
        GroupRequests.orBadRequest(
            () ->
                jdbi.inTransaction(
                    handle -> {
                      HostSelector selector = HostSelector.fromJson(body);
                      HostSelectors.requireKnown(handle, user.orgId(), user.scope(), selector);
                      long count =
                          HostSelectors.count(handle, user.orgId(), user.scope(), selector);
                      return new Resolved(
                          count,
                          HostSelectors.first(
                              handle, user.orgId(), user.scope(), selector, RESOLVED_IDS));
                    })));
  }
}
