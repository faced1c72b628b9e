package io.ctops.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.server.alerts.AlertQuery.AlertRow;
import io.ctops.server.alerts.AlertRules.AlertRule;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.groups.GroupRequests;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * Alert rules and alerts in the JSON API: everyone reads rules and the alerts of hosts they see;
 * admins write rules; engineers and admins acknowledge (a user scoped to groups: on hosts of their
 * groups where they are an engineer).
 */
public final class AlertsApi {
  /** How many hosts a preview lists; the count is always the whole. */
  static final int PREVIEW_HOSTS = 100;

  private final Jdbi jdbi;
  private final Clock clock;

  public AlertsApi(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  public record RuleList(List<ObjectNode> items) {}

  public record AlertList(List<AlertJson> items, long total, int page, int size) {}

  /** An alert in the API. */
  public record AlertJson(
      UUID id,
      Ref rule,
      HostRef host,
      String severity,
      String state,
      Double value,
      Double firedValue,
      Instant pendingSince,
      Instant firingSince,
      Instant resolvedAt,
      String resolvedReason,
      Acknowledgement acknowledged,
      Instant silencedUntil) {
    static AlertJson of(AlertRow row) {
      return new AlertJson(
          row.id(),
          new Ref(row.ruleId(), row.ruleName()),
          new HostRef(row.hostId(), row.hostname()),
          row.severity().dbName(),
          row.state(),
          row.value(),
          row.firedValue(),
          row.pendingSince(),
          row.firingSince(),
          row.resolvedAt(),
          row.resolvedReason(),
          row.isAcknowledged()
              ? new Acknowledgement(
                  row.acknowledgedAt(), row.acknowledgedBy(), row.acknowledgeComment())
              : null,
          row.isSilenced() ? row.silencedUntil() : null);
    }
  }

  public record Ref(UUID id, String name) {}

  public record HostRef(UUID id, String hostname) {}

  public record Acknowledgement(Instant at, String by, String comment) {}

  public record PreviewJson(long count, List<AlertEvaluator.Breach> hosts) {}

  public void routes(RoutesConfig routes) {
    routes.get("/api/v1/alert-rules", this::rules);
    routes.post("/api/v1/alert-rules", this::create);
    routes.post("/api/v1/alert-rules/preview", this::preview);
    routes.get("/api/v1/alert-rules/{id}", ctx -> ctx.json(json(requireRule(ctx))));
    routes.patch("/api/v1/alert-rules/{id}", this::update);
    routes.delete("/api/v1/alert-rules/{id}", this::delete);
    routes.get("/api/v1/alerts", this::alerts);
    routes.get("/api/v1/alerts/{id}", ctx -> ctx.json(AlertJson.of(requireAlert(ctx))));
    routes.post("/api/v1/alerts/{id}/acknowledge", this::acknowledge);
  }

  /** A rule as the API answers it: its fields, its condition in words, its open alerts. */
  static ObjectNode json(AlertRule rule) {
    ObjectNode json = RuleRequests.toJson(rule.spec());
    ObjectNode out = json.objectNode().put("id", rule.id().toString());
    out.setAll(json);
    out.put("condition", rule.spec().conditionText());
    out.putObject("alerts").put("firing", rule.firing()).put("pending", rule.pending());
    return out;
  }

  private void rules(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    ctx.json(
        new RuleList(
            jdbi.withHandle(h -> AlertRules.list(h, user.orgId())).stream()
                .map(AlertsApi::json)
                .toList()));
  }

  private AlertRule requireRule(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    UUID id = UuidParam.parse(ctx.pathParam("id"), "rule");
    return jdbi.withHandle(h -> AlertRules.find(h, user.orgId(), id))
        .orElseThrow(() -> HttpProblem.notFound("no such alert rule"));
  }

  private void create(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    JsonNode body = GroupRequests.object(ctx.body(), EXAMPLE);
    UUID id =
        orBadRequest(
            () -> {
              RuleSpec spec = RuleRequests.fromJson(body, Optional.empty());
              return jdbi.inTransaction(
                  h -> AlertRules.create(h, user.orgId(), WebAccess.actor(ctx), spec));
            });
    ctx.status(201)
        .json(json(jdbi.withHandle(h -> AlertRules.find(h, user.orgId(), id)).orElseThrow()));
  }

  /** Changes the fields given; the others keep their value. */
  private void update(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    AlertRule rule = requireRule(ctx);
    JsonNode body = GroupRequests.object(ctx.body(), "{\"enabled\": false}");
    orBadRequest(
        () -> {
          RuleSpec spec = RuleRequests.fromJson(body, Optional.of(rule));
          return jdbi.inTransaction(
              h ->
                  AlertRules.update(
                      h, user.orgId(), WebAccess.actor(ctx), rule.id(), spec, clock.instant()));
        });
    ctx.json(json(jdbi.withHandle(h -> AlertRules.find(h, user.orgId(), rule.id())).orElseThrow()));
  }

  private void delete(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    AlertRule rule = requireRule(ctx);
    jdbi.useTransaction(h -> AlertRules.delete(h, user.orgId(), WebAccess.actor(ctx), rule.id()));
    ctx.status(204);
  }

  /** Which hosts a rule (sent as for create) would fire for now; nothing is saved. */
  private void preview(Context ctx) {
    Principal user = WebAccess.requireAdmin(ctx);
    JsonNode body = GroupRequests.object(ctx.body(), EXAMPLE);
    AlertEvaluator.Preview preview =
        orBadRequest(
            () -> {
              RuleSpec spec = RuleRequests.fromJson(body, Optional.empty());
              return jdbi.withHandle(
                  h ->
                      AlertEvaluator.preview(
                          h, user.orgId(), spec, clock.instant(), PREVIEW_HOSTS));
            });
    ctx.json(new PreviewJson(preview.count(), preview.first()));
  }

  private void alerts(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    AlertQuery.Filter filter = AlertQuery.Filter.parse(ctx.queryParamMap());
    AlertQuery.AlertPage page =
        jdbi.withHandle(h -> AlertQuery.list(h, user.orgId(), user.scope(), filter));
    ctx.json(
        new AlertList(
            page.rows().stream().map(AlertJson::of).toList(),
            page.total(),
            filter.page(),
            filter.size()));
  }

  private AlertRow requireAlert(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    UUID id = UuidParam.parse(ctx.pathParam("id"), "alert");
    return jdbi.withHandle(h -> AlertQuery.find(h, user.orgId(), user.scope(), id))
        .orElseThrow(() -> HttpProblem.notFound("no such alert"));
  }

  /** {@code {"comment": "…"}} (optional): 409 when the alert has resolved meanwhile. */
  private void acknowledge(Context ctx) {
    Principal user = requireResponder(ctx);
    AlertRow alert = requireAlert(ctx);
    String comment = "";
    if (!ctx.body().isBlank()) {
      JsonNode body = GroupRequests.object(ctx.body(), "{\"comment\": \"looking into it\"}");
      JsonNode text = body.get("comment");
      if (text != null && !text.isNull() && !text.isTextual()) {
        throw HttpProblem.badRequest("comment is a string");
      }
      comment = text == null || text.isNull() ? "" : text.asText().strip();
    }
    acknowledge(ctx, user, alert, comment);
    ctx.json(AlertJson.of(requireAlert(ctx)));
  }

  /** Engineers and admins (scoped: an engineer on one group at least) answer alerts. */
  static Principal requireResponder(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    if (user.role() == Role.READ_ONLY) {
      throw HttpProblem.forbidden("read-only users cannot acknowledge alerts");
    }
    return user;
  }

  /** Acknowledges for the pages and the API alike; the checks are the same. */
  void acknowledge(Context ctx, Principal user, AlertRow alert, String comment) {
    if (comment.length() > AlertAcknowledgements.MAX_COMMENT) {
      throw HttpProblem.badRequest("a comment is limited to 2,000 characters");
    }
    jdbi.useTransaction(
        h -> {
          Role role =
              user.scope()
                  .roleOn(h, alert.hostId(), user.role())
                  .orElseThrow(() -> HttpProblem.notFound("no such alert"));
          if (role == Role.READ_ONLY) {
            throw HttpProblem.forbidden("read-only users cannot acknowledge alerts");
          }
          if (AlertAcknowledgements.acknowledge(
                  h, user.orgId(), WebAccess.actor(ctx), alert, comment, clock.instant())
              == AlertAcknowledgements.Outcome.ALREADY_RESOLVED) {
            throw HttpProblem.conflict("the alert has resolved; there is nothing to acknowledge");
          }
        });
  }

  static final String EXAMPLE =
      "{\"name\": \"CPU hot\", \"kind\": \"metric_threshold\", \"parameters\": {\"metric\":"
          + " \"cpu\", \"operator\": \">=\", \"threshold\": 90}}";

  /** Runs a parse or a write, turning what was wrong with the rule into a 400. */
  static <T> T orBadRequest(Supplier<T> work) {
    try {
      return work.get();
    } catch (InvalidRuleException | HostSelector.InvalidSelectorException e) {
      throw HttpProblem.badRequest(e.getMessage());
    } catch (AlertRules.DuplicateNameException e) {
      throw HttpProblem.badRequest(
          "another rule has this name already; rule names are unique in an organisation");
    }
  }
}
