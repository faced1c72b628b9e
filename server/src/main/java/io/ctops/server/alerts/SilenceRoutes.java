package io.ctops.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctops.server.alerts.Silences.Silence;
import io.ctops.server.alerts.Silences.SilenceSpec;
import io.ctops.server.auth.HostScope;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.groups.GroupRequests;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.groups.SelectorForm;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Silences on the pages ({@code /alerts/silences}: the list, the form, ending one) and in the API
 * ({@code /api/v1/silences}). Everyone reads them; engineers and admins of the whole organisation
 * write them (a silence mutes alerts across the organisation's hosts).
 */
public final class SilenceRoutes {
  private final Pages pages;
  private final Jdbi jdbi;
  private final Clock clock;

  public SilenceRoutes(Pages pages, Jdbi jdbi, Clock clock) {
    this.pages = pages;
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** The Silences page. */
  public record SilencesView(List<Silence> silences, Instant now, boolean canEdit) {}

  /** The silence form: what was typed, the rules and groups to pick from, why it was refused. */
  public record FormView(
      Optional<Silence> silence,
      Map<String, String> values,
      List<AlertRules.AlertRule> rules,
      List<HostGroups.Group> groups,
      String error) {
    public String value(String name) {
      return values.getOrDefault(name, "");
    }

    public String action() {
      return silence.map(s -> "/alerts/silences/" + s.id()).orElse("/alerts/silences");
    }
  }

  /** A silence in the API. */
  public record SilenceJson(
      UUID id,
      UUID ruleId,
      String ruleName,
      JsonNode selector,
      String reason,
      Instant startsAt,
      Instant endsAt,
      String createdBy,
      boolean active) {}

  public record SilenceList(List<SilenceJson> items) {}

  public void routes(RoutesConfig routes) {
    routes.get("/alerts/silences", this::list);
    routes.get("/alerts/silences/new", this::newForm);
    routes.post("/alerts/silences", this::create);
    routes.get("/alerts/silences/{id}/edit", this::editForm);
    routes.post("/alerts/silences/{id}", this::update);
    routes.post("/alerts/silences/{id}/end", this::end);
    routes.get("/api/v1/silences", this::listApi);
    routes.post("/api/v1/silences", this::createApi);
    routes.get("/api/v1/silences/{id}", ctx -> ctx.json(json(require(ctx))));
    routes.patch("/api/v1/silences/{id}", this::updateApi);
    routes.delete("/api/v1/silences/{id}", this::endApi);
  }

  /** Engineers and admins of the whole organisation silence; a user scoped to groups does not. */
  private static Principal requireSilencer(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    if (user.role() == Role.READ_ONLY) {
      throw HttpProblem.forbidden("read-only users cannot silence alerts");
    }
    if (!user.scope().isWholeOrganisation()) {
      throw HttpProblem.forbidden(
          "a silence mutes alerts across the organisation: ask an engineer of the whole"
              + " organisation");
    }
    return user;
  }

  private void list(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    Instant now = clock.instant();
    pages.page(
        ctx,
        "alerts/silences.jte",
        "Silences",
        "alerts",
        new SilencesView(
            jdbi.withHandle(h -> Silences.list(h, user.orgId(), now)),
            now,
            user.role() != Role.READ_ONLY && user.scope().isWholeOrganisation()));
  }

  private Silence require(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    UUID id = UuidParam.parse(ctx.pathParam("id"), "silence");
    return jdbi.withHandle(h -> Silences.find(h, user.orgId(), id))
        .orElseThrow(() -> HttpProblem.notFound("no such silence"));
  }

  /** The form, filled from the Alerts page's "Silence" (a rule on a host) for an hour. */
  private void newForm(Context ctx) {
    Principal user = requireSilencer(ctx);
    Map<String, String> values = new LinkedHashMap<>();
    values.put("duration_minutes", "60");
    Optional.ofNullable(ctx.queryParam("rule")).ifPresent(r -> values.put("rule_id", r));
    Optional.ofNullable(ctx.queryParam("host"))
        .flatMap(
            host -> {
              try {
                UUID id = UUID.fromString(host);
                return jdbi.withHandle(
                    h ->
                        h.createQuery("SELECT hostname FROM hosts WHERE id = :id AND org_id = :org")
                            .bind("id", id)
                            .bind("org", user.orgId())
                            .mapTo(String.class)
                            .findOne());
              } catch (IllegalArgumentException e) {
                return Optional.empty();
              }
            })
        .ifPresent(
            hostname -> {
              values.put("selector_kind", "host");
              values.put("selector_host", hostname);
            });
    form(ctx, user, Optional.empty(), values, "");
  }

  private void editForm(Context ctx) {
    Principal user = requireSilencer(ctx);
    Silence silence = require(ctx);
    Map<String, String> values = new LinkedHashMap<>();
    silence.ruleId().ifPresent(r -> values.put("rule_id", r.toString()));
    silence
        .selector()
        .ifPresent(
            s -> values.putAll(SelectorForm.fields(s, jdbi, user.orgId(), HostScope.ORGANISATION)));
    values.put("reason", silence.reason());
    values.put("ends_at", silence.endsAt().toString());
    form(ctx, user, Optional.of(silence), values, "");
  }

  private void form(
      Context ctx,
      Principal user,
      Optional<Silence> silence,
      Map<String, String> values,
      String error) {
    if (!error.isEmpty()) {
      ctx.status(400);
    }
    pages.page(
        ctx,
        "alerts/silence-form.jte",
        silence.isPresent() ? "Edit silence" : "New silence",
        "alerts",
        new FormView(
            silence,
            values,
            jdbi.withHandle(h -> AlertRules.list(h, user.orgId())),
            jdbi.withHandle(h -> HostGroups.list(h, user.orgId(), HostScope.ORGANISATION)),
            error));
  }

  private static final List<String> FIELDS =
      List.of("rule_id", "duration_minutes", "ends_at", "reason");

  private void create(Context ctx) {
    Principal user = requireSilencer(ctx);
    Map<String, String> values = fields(ctx);
    try {
      SilenceSpec spec = fromForm(values, user.orgId(), clock.instant(), Optional.empty());
      jdbi.useTransaction(h -> Silences.create(h, user.orgId(), WebAccess.actor(ctx), spec));
      ctx.redirect("/alerts/silences", HttpStatus.SEE_OTHER);
    } catch (HttpProblem e) {
      if (e.status() != 400) {
        throw e;
      }
      form(ctx, user, Optional.empty(), values, e.getMessage());
    }
  }

  private void update(Context ctx) {
    Principal user = requireSilencer(ctx);
    Silence silence = require(ctx);
    Map<String, String> values = fields(ctx);
    try {
      SilenceSpec spec = fromForm(values, user.orgId(), clock.instant(), Optional.of(silence));
      jdbi.useTransaction(
          h -> Silences.update(h, user.orgId(), WebAccess.actor(ctx), silence.id(), spec));
      ctx.redirect("/alerts/silences", HttpStatus.SEE_OTHER);
    } catch (HttpProblem e) {
      if (e.status() != 400) {
        throw e;
      }
      form(ctx, user, Optional.of(silence), values, e.getMessage());
    }
  }

  private void end(Context ctx) {
    Principal user = requireSilencer(ctx);
    Silence silence = require(ctx);
    jdbi.useTransaction(
        h -> Silences.end(h, user.orgId(), WebAccess.actor(ctx), silence.id(), clock.instant()));
    ctx.redirect("/alerts/silences", HttpStatus.SEE_OTHER);
  }

  private static Map<String, String> fields(Context ctx) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String field :
        java.util.stream.Stream.concat(FIELDS.stream(), SelectorForm.FIELDS.stream()).toList()) {
      String value = ctx.formParam(field);
      if (value != null) {
        values.put(field, value);
      }
    }
    return values;
  }

  /**
   * The form as a spec: a rule (or any), hosts (or every host of the rule), the reason and either a
   * duration from now or an end time (ISO-8601, or the browser's local date and time as UTC).
   */
  private SilenceSpec fromForm(
      Map<String, String> values, UUID orgId, Instant now, Optional<Silence> base) {
    Optional<UUID> rule =
        Optional.ofNullable(values.get("rule_id"))
            .filter(r -> !r.isBlank())
            .map(r -> UuidParam.parse(r, "rule"));
    Optional<HostSelector> selector =
        SelectorForm.read(values, jdbi, orgId, HostScope.ORGANISATION);
    Instant starts = base.map(Silence::startsAt).filter(s -> s.isBefore(now)).orElse(now);
    Instant ends;
    String until = values.getOrDefault("ends_at", "").strip();
    String minutes = values.getOrDefault("duration_minutes", "").strip();
    if (!minutes.isEmpty()) {
      ends = now.plus(Duration.ofMinutes(minutesOf(minutes)));
    } else if (!until.isEmpty()) {
      ends = instant(until);
    } else {
      throw HttpProblem.badRequest("say how long: a duration in minutes or an end time");
    }
    return AlertsApi.orBadRequest(
        () -> new SilenceSpec(rule, selector, values.getOrDefault("reason", ""), starts, ends));
  }

  private static long minutesOf(String text) {
    try {
      long minutes = Long.parseLong(text);
      if (minutes < 1 || minutes > Silences.LONGEST.toMinutes()) {
        throw HttpProblem.badRequest("a duration is 1 to 129600 minutes (90 days)");
      }
      return minutes;
    } catch (NumberFormatException e) {
      throw HttpProblem.badRequest("a duration is a whole number of minutes");
    }
  }

  private static Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      try {
        return java.time.LocalDateTime.parse(text).toInstant(java.time.ZoneOffset.UTC);
      } catch (DateTimeParseException again) {
        throw HttpProblem.badRequest("an end time looks like 2026-12-24T18:00:00Z");
      }
    }
  }

  private static SilenceJson json(Silence s) {
    return new SilenceJson(
        s.id(),
        s.ruleId().orElse(null),
        s.ruleName().orElse(null),
        s.selector().map(HostSelector::toJson).orElse(null),
        s.reason(),
        s.startsAt(),
        s.endsAt(),
        s.createdBy(),
        s.isActive(Instant.now()));
  }

  private void listApi(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    ctx.json(
        new SilenceList(
            jdbi.withHandle(h -> Silences.list(h, user.orgId(), clock.instant())).stream()
                .map(SilenceRoutes::json)
                .toList()));
  }

  private static final String EXAMPLE =
      "{\"rule_id\": \"…\", \"selector\": {\"kind\": \"group\", \"group_id\": \"…\"},"
          + " \"reason\": \"kernel upgrades\", \"duration_minutes\": 120}";

  /**
   * {@code rule_id}, {@code selector} (at least one), {@code reason}, and {@code duration_minutes}
   * or {@code ends_at}; a PATCH keeps what it does not send.
   */
  private SilenceSpec fromJson(JsonNode body, UUID orgId, Optional<Silence> base) {
    for (var names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!List.of("rule_id", "selector", "reason", "duration_minutes", "ends_at").contains(name)) {
        throw HttpProblem.badRequest(
            "unknown property \""
                + name
                + "\"; a silence has rule_id, selector, reason,"
                + " duration_minutes and ends_at");
      }
    }
    Instant now = clock.instant();
    Optional<UUID> rule =
        body.has("rule_id")
            ? Optional.ofNullable(body.get("rule_id"))
                .filter(n -> !n.isNull())
                .map(n -> UuidParam.parse(n.asText(""), "rule_id"))
            : base.flatMap(Silence::ruleId);
    Optional<HostSelector> selector =
        body.has("selector")
            ? Optional.ofNullable(body.get("selector"))
                .filter(n -> !n.isNull())
                .map(n -> AlertsApi.orBadRequest(() -> HostSelector.fromJson(n)))
            : base.flatMap(Silence::selector);
    String reason =
        body.has("reason") ? body.get("reason").asText("") : base.map(Silence::reason).orElse("");
    Instant ends;
    if (body.has("duration_minutes")) {
      JsonNode minutes = body.get("duration_minutes");
      if (!minutes.isIntegralNumber()) {
        throw HttpProblem.badRequest("duration_minutes is a whole number");
      }
      ends = now.plus(Duration.ofMinutes(minutesOf(minutes.asText())));
    } else if (body.has("ends_at")) {
      ends = instant(body.get("ends_at").asText(""));
    } else {
      ends =
          base.map(Silence::endsAt)
              .orElseThrow(
                  () -> HttpProblem.badRequest("say how long: duration_minutes or ends_at"));
    }
    Instant starts = base.map(Silence::startsAt).filter(s -> s.isBefore(now)).orElse(now);
    return AlertsApi.orBadRequest(() -> new SilenceSpec(rule, selector, reason, starts, ends));
  }

  private void createApi(Context ctx) {
    Principal user = requireSilencer(ctx);
    JsonNode body = GroupRequests.object(ctx.body(), EXAMPLE);
    SilenceSpec spec = fromJson(body, user.orgId(), Optional.empty());
    UUID id =
        AlertsApi.orBadRequest(
            () ->
                jdbi.inTransaction(
                    h -> Silences.create(h, user.orgId(), WebAccess.actor(ctx), spec)));
    ctx.status(201)
        .json(json(jdbi.withHandle(h -> Silences.find(h, user.orgId(), id)).orElseThrow()));
  }

  private void updateApi(Context ctx) {
    Principal user = requireSilencer(ctx);
    Silence silence = require(ctx);
    JsonNode body = GroupRequests.object(ctx.body(), "{\"duration_minutes\": 30}");
    SilenceSpec spec = fromJson(body, user.orgId(), Optional.of(silence));
    AlertsApi.orBadRequest(
        () ->
            jdbi.inTransaction(
                h -> Silences.update(h, user.orgId(), WebAccess.actor(ctx), silence.id(), spec)));
    ctx.json(
        json(jdbi.withHandle(h -> Silences.find(h, user.orgId(), silence.id())).orElseThrow()));
  }

  /** Ends the silence now; it stays listed as ended. */
  private void endApi(Context ctx) {
    Principal user = requireSilencer(ctx);
    Silence silence = require(ctx);
    jdbi.useTransaction(
        h -> Silences.end(h, user.orgId(), WebAccess.actor(ctx), silence.id(), clock.instant()));
    ctx.status(204);
  }
}
