package io.ctops.server.hosts;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.groups.GroupRequests;
import io.ctops.server.groups.HostTags;
import io.ctops.server.groups.Tag;
import io.ctops.server.web.HttpProblem;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * Operators' tags on one host, from the host page (htmx forms) and the API: engineers and admins
 * (on a group holding the host, for a scoped user) add and remove them; the agent's own tags change
 * only in the agent's configuration.
 */
public final class HostTagRoutes {
  private final Jdbi jdbi;
  private final HostRecords records;

  public HostTagRoutes(Jdbi jdbi, HostRecords records) {
    this.jdbi = jdbi;
    this.records = records;
  }

  /** The host's tags after a change, as the API answers. */
  public record HostTagsResponse(List<HostTags.ShownTag> tags) {}

  public void routes(RoutesConfig routes) {
    routes.post("/hosts/{id}/tags", this::addFromPage);
    routes.post("/hosts/{id}/tags/remove", this::removeFromPage);
    routes.post("/api/v1/hosts/{id}/tags", this::addFromApi);
    routes.delete("/api/v1/hosts/{id}/tags/{tag}", this::removeFromApi);
  }

  /**
   * Whether the user may set tags on the host: engineers and admins, and a scoped user only with
   * the engineer role on a group that holds it.
   */
  static boolean mayTag(HostRecords records, Principal user, HostDetail host) {
    return records.roleOn(user, host) != Role.READ_ONLY;
  }

  private HostDetail writableHost(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    if (!mayTag(records, user, host)) {
      throw HttpProblem.forbidden("read-only users cannot tag hosts");
    }
    if (host.isDeleted()) {
      throw HttpProblem.conflict("the host is deleted; restore it to tag it");
    }
    return host;
  }

  private void add(Context ctx, HostDetail host, List<Tag> tags) {
    if (tags.isEmpty()) {
      throw HttpProblem.badRequest("no tag given: send a tag like env:prod");
    }
    Principal user = WebAccess.principal(ctx);
    jdbi.useTransaction(
        handle ->
            HostTags.tag(handle, user.orgId(), WebAccess.actor(ctx), Set.of(host.id()), tags));
  }

  /** Removes one operator tag; 404 when the host has no operator tag it names. */
  private void remove(Context ctx, HostDetail host, Tag tag) {
    Principal user = WebAccess.principal(ctx);
    int changed =
        jdbi.inTransaction(
            handle ->
                HostTags.untag(
                    handle, user.orgId(), WebAccess.actor(ctx), Set.of(host.id()), List.of(tag)));
    if (changed == 0) {
      throw HttpProblem.notFound(
          "the host has no operator tag "
              + tag
              + " (the agent's tags change in the agent's configuration)");
    }
  }

  private void addFromPage(Context ctx) {
    HostDetail host = writableHost(ctx);
    String typed = Optional.ofNullable(ctx.formParam("tag")).orElse("");
    add(ctx, host, GroupRequests.orBadRequest(() -> List.of(Tag.parse(typed))));
    HostPages.redirect(ctx, "/hosts/" + host.id());
  }

  private void removeFromPage(Context ctx) {
    HostDetail host = writableHost(ctx);
    String typed = Optional.ofNullable(ctx.formParam("tag")).orElse("");
    remove(ctx, host, GroupRequests.orBadRequest(() -> Tag.parse(typed)));
    HostPages.redirect(ctx, "/hosts/" + host.id());
  }

  /** {@code {"tags": ["env:prod", "pci"]}}: sets each, replacing the operator's tag of that key. */
  private void addFromApi(Context ctx) {
    HostDetail host = writableHost(ctx);
    JsonNode body = GroupRequests.object(ctx.body(), "{\"tags\": [\"env:prod\"]}");
    for (var names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!name.equals("tags")) {
        throw HttpProblem.badRequest("unknown property \"" + name + "\"; send {\"tags\": […]}");
      }
    }
    if (!body.has("tags")) {
      throw HttpProblem.badRequest("send {\"tags\": [\"env:prod\"]}");
    }
    add(ctx, host, GroupRequests.tags(body.get("tags"), "tags"));
    answer(ctx, host);
  }

  /** The tag in the path, URL-encoded: a bare key removes the key whatever its value. */
  private void removeFromApi(Context ctx) {
    HostDetail host = writableHost(ctx);
    remove(ctx, host, GroupRequests.orBadRequest(() -> Tag.parse(ctx.pathParam("tag"))));
    answer(ctx, host);
  }

  private void answer(Context ctx, HostDetail host) {
    Principal user = WebAccess.principal(ctx);
    ctx.json(new HostTagsResponse(records.require(user, host.id().toString()).tags()));
  }
}
