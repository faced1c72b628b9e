package io.ctops.server.checks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.protocol.checks.CheckConfig.InvalidCheckException;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.groups.GroupRequests;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * Checks in the JSON API: everyone reads definitions, the fleet's summary (hosts they see) and a
 * host's checks; admins (and engineers, when the organisation allows it) write definitions.
 */
public final class ChecksApi {
  private final Jdbi jdbi;
  private final CheckEditors editors;
  private final Clock clock;

  public ChecksApi(Jdbi jdbi, CheckEditors editors, Clock clock) {
    this.jdbi = jdbi;
    this.editors = editors;
    this.clock = clock;
  }

  public void routes(RoutesConfig routes) {
    routes.get("/api/v1/checks", this::list);
    routes.post("/api/v1/checks", this::create);
    routes.get("/api/v1/checks/{id}", this::one);
    routes.patch("/api/v1/checks/{id}", this::update);
    routes.delete("/api/v1/checks/{id}", this::delete);
    routes.get("/api/v1/hosts/{id}/checks", this::forHost);
  }

  private void list(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    ArrayNode items = JsonNodeFactory.instance.arrayNode();
    jdbi.withHandle(
            h -> CheckStatusQuery.summaries(h, user.orgId(), user.scope(), clock.instant(), 0))
        .forEach(summary -> items.add(summaryJson(summary)));
    ctx.json(JsonNodeFactory.instance.objectNode().set("items", items));
  }

  private void one(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    Check check = requireCheck(ctx, user);
    ctx.json(
        summaryJson(
            jdbi.withHandle(
                h ->
                    CheckStatusQuery.summary(
                        h,
                        user.orgId(),
                        user.scope(),
                        check,
                        clock.instant(),
                        CheckStatusQuery.FAILING_LISTED))));
  }

  private void create(Context ctx) {
    Principal user = editors.require(ctx);
    JsonNode body = GroupRequests.object(ctx.body(), CheckRequests.EXAMPLE);
    UUID id =
        orBadRequest(
            () -> {
              CheckSpec spec = CheckRequests.fromJson(body, Optional.empty());
              return jdbi.inTransaction(
                  h -> Checks.create(h, user.orgId(), user.scope(), WebAccess.actor(ctx), spec));
            });
    ctx.status(201).json(CheckRequests.toJson(find(user, id)));
  }

  /** Changes the fields given; the others keep their value. */
  private void update(Context ctx) {
    Principal user = editors.require(ctx);
    Check check = requireCheck(ctx, user);
    JsonNode body = GroupRequests.object(ctx.body(), "{\"enabled\": false}");
    orBadRequest(
        () -> {
          CheckSpec spec = CheckRequests.fromJson(body, Optional.of(check));
          return jdbi.inTransaction(
              h ->
                  Checks.update(
                      h, user.orgId(), user.scope(), WebAccess.actor(ctx), check.id(), spec));
        });
    ctx.json(CheckRequests.toJson(find(user, check.id())));
  }

  private void delete(Context ctx) {
    Principal user = editors.require(ctx);
    Check check = requireCheck(ctx, user);
    jdbi.useTransaction(h -> Checks.delete(h, user.orgId(), WebAccess.actor(ctx), check.id()));
    ctx.status(204);
  }

  private void forHost(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    UUID hostId = editors.requireVisibleHost(user, ctx.pathParam("id"));
    ArrayNode items = JsonNodeFactory.instance.arrayNode();
    jdbi.withHandle(h -> CheckStatusQuery.forHost(h, user.orgId(), hostId, clock.instant()))
        .forEach(row -> items.add(hostJson(row)));
    ctx.json(JsonNodeFactory.instance.objectNode().set("items", items));
  }

  private Check find(Principal user, UUID id) {
    return jdbi.withHandle(h -> Checks.find(h, user.orgId(), id)).orElseThrow();
  }

  private Check requireCheck(Context ctx, Principal user) {
    UUID id = UuidParam.parse(ctx.pathParam("id"), "check");
    return jdbi.withHandle(h -> Checks.find(h, user.orgId(), id))
        .orElseThrow(() -> HttpProblem.notFound("no such check"));
  }

  static ObjectNode summaryJson(CheckStatusQuery.Summary summary) {
    ObjectNode json = CheckRequests.toJson(summary.check());
    ObjectNode hosts = json.putObject("hosts");
    hosts.put("total", summary.hosts());
    hosts.put("passing", summary.passing());
    hosts.put("failing", summary.failing());
    hosts.put("error", summary.errors());
    hosts.put("stale", summary.stale());
    hosts.put("waiting", summary.waiting());
    if (!summary.failingHosts().isEmpty()) {
      ArrayNode failing = json.putArray("failing_hosts");
      summary
          .failingHosts()
          .forEach(
              f ->
                  failing
                      .addObject()
                      .put("host_id", f.hostId().toString())
                      .put("hostname", f.hostname())
                      .put("status", f.status())
                      .put("output", f.output())
                      .put("since", f.since().toString())
                      .put("consecutive_failures", f.consecutiveFailures()));
    }
    return json;
  }

  static ObjectNode hostJson(CheckStatusQuery.HostCheck row) {
    ObjectNode json = CheckRequests.toJson(row.check());
    json.put("status", row.shownStatus());
    row.state()
        .ifPresent(
            s -> {
              ObjectNode latest = json.putObject("latest");
              latest.put("status", s.status());
              latest.put("output", s.output());
              latest.put("duration_ms", s.durationMs());
              latest.put("ran_at", s.ranAt().toString());
              latest.put("since", s.since().toString());
              latest.put("consecutive_failures", s.consecutiveFailures());
            });
    ArrayNode recent = json.putArray("recent");
    row.recent()
        .forEach(
            r ->
                recent
                    .addObject()
                    .put("status", r.status())
                    .put("ran_at", r.ranAt().toString())
                    .put("duration_ms", r.durationMs()));
    return json;
  }

  /** Runs a parse or a write, turning what was wrong with the check into a 400. */
  static <T> T orBadRequest(Supplier<T> work) {
    try {
      return work.get();
    } catch (InvalidCheckException | HostSelector.InvalidSelectorException e) {
      throw HttpProblem.badRequest(e.getMessage());
    } catch (Checks.DuplicateNameException e) {
      throw HttpProblem.badRequest(e.getMessage());
    }
  }
}
