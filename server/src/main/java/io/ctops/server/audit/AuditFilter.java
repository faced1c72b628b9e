package io.ctops.server.audit;

import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.QueryString;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Which entries the Audit page, its CSV and the API show: by actor (an email or a system part's
 * name, any case), action, target host, outcome, time, and every organisation for a super admin.
 * Parsed from the query string against allow-lists (a bad value is a 400 naming it) and written
 * back for links, so every view is a bookmark.
 */
public record AuditFilter(
    Optional<String> actor,
    Optional<AuditAction> action,
    Optional<UUID> host,
    Optional<Outcome> outcome,
    Optional<Instant> from,
    Optional<Instant> to,
    boolean allOrganisations,
    int page,
    int pageSize) {

  public static final List<Integer> PAGE_SIZES = List.of(25, 50, 100, 200);
  public static final int DEFAULT_PAGE_SIZE = 50;
  static final int MAX_PAGE = 1_000_000;

  /** Whether the action happened or was refused. */
  public enum Outcome {
    SUCCEEDED("succeeded"),
    FAILED("failed");

    private final String param;

    Outcome(String param) {
      this.param = param;
    }

    public String param() {
      return param;
    }
  }

  private static final Set<String> KNOWN =
      Set.of("actor", "action", "host", "outcome", "from", "to", "org", "page", "size");

  public static AuditFilter parse(Map<String, List<String>> query) {
    for (String name : KNOWN) {
      if (query.getOrDefault(name, List.of()).size() > 1) {
        throw HttpProblem.badRequest("parameter " + name + " may be given once");
      }
    }
    Optional<String> actor =
        QueryString.one(query, "actor").map(String::strip).filter(s -> !s.isEmpty());
    if (actor.isPresent() && actor.get().length() > 320) {
      throw HttpProblem.badRequest("actor is limited to 320 characters");
    }
    Optional<AuditAction> action =
        QueryString.one(query, "action")
            .filter(s -> !s.isEmpty())
            .map(
                name ->
                    AuditAction.parse(name)
                        .orElseThrow(
                            () ->
                                HttpProblem.badRequest(
                                    "action must be one of "
                                        + Arrays.stream(AuditAction.values())
                                            .map(AuditAction::dbName)
                                            .collect(Collectors.joining(", ")))));
    Optional<UUID> host =
        QueryString.one(query, "host").filter(s -> !s.isEmpty()).map(AuditFilter::uuid);
    Optional<Outcome> outcome =
        QueryString.one(query, "outcome")
            .filter(s -> !s.isEmpty())
            .map(
                value ->
                    Arrays.stream(Outcome.values())
                        .filter(o -> o.param.equals(value))
                        .findFirst()
                        .orElseThrow(
                            () -> HttpProblem.badRequest("outcome must be succeeded or failed")));
    Optional<Instant> from =
        QueryString.one(query, "from").filter(s -> !s.isEmpty()).map(t -> time(t, "from"));
    Optional<Instant> to =
        QueryString.one(query, "to").filter(s -> !s.isEmpty()).map(t -> time(t, "to"));
    if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
      throw HttpProblem.badRequest("from must be before to");
    }
    boolean all =
        switch (QueryString.one(query, "org").orElse("")) {
          case "" -> false;
          case "all" -> true;
          default -> throw HttpProblem.badRequest("org must be all or left out");
        };
    int page = QueryString.integer(query, "page", 1);
    if (page < 1 || page > MAX_PAGE) {
      throw HttpProblem.badRequest("page must be between 1 and " + MAX_PAGE);
    }
    int size = QueryString.integer(query, "size", DEFAULT_PAGE_SIZE);
    if (!PAGE_SIZES.contains(size)) {
      throw HttpProblem.badRequest("size must be one of 25, 50, 100, 200");
    }
    return new AuditFilter(actor, action, host, outcome, from, to, all, page, size);
  }

  private static UUID uuid(String text) {
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw HttpProblem.badRequest("host must be a host id");
    }
  }

  /**
   * A day ({@code 2026-12-01}, UTC: {@code from} is its start, {@code to} includes the whole day)
   * or an instant ({@code 2026-12-01T10:00:00Z}).
   */
  private static Instant time(String text, String name) {
    try {
      if (text.length() == 10) {
        LocalDate day = LocalDate.parse(text);
        return (name.equals("to") ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw HttpProblem.badRequest(
          name + " must be a day (2026-12-01) or an instant (2026-12-01T10:00:00Z)");
    }
  }

  public AuditFilter withPage(int newPage) {
    return new AuditFilter(
        actor, action, host, outcome, from, to, allOrganisations, newPage, pageSize);
  }

  /** The query string of this view, leaving out defaults. */
  public String queryString() {
    Map<String, String> params = new LinkedHashMap<>();
    actor.ifPresent(a -> params.put("actor", a));
    action.ifPresent(a -> params.put("action", a.dbName()));
    host.ifPresent(h -> params.put("host", h.toString()));
    outcome.ifPresent(o -> params.put("outcome", o.param));
    from.ifPresent(f -> params.put("from", f.toString()));
    to.ifPresent(t -> params.put("to", t.toString()));
    if (allOrganisations) {
      params.put("org", "all");
    }
    if (page != 1) {
      params.put("page", Integer.toString(page));
    }
    if (pageSize != DEFAULT_PAGE_SIZE) {
      params.put("size", Integer.toString(pageSize));
    }
    return QueryString.of(params);
  }

  public String url(String path) {
    return QueryString.url(path, queryString());
  }

  /** The same view without paging (the CSV has every matching entry). */
  public String csvUrl() {
    return withPage(1).url("/audit.csv");
  }

  /** The {@code from} day as the filter form's date field shows it, or empty. */
  public String fromDay() {
    return from.map(f -> f.atOffset(ZoneOffset.UTC).toLocalDate().toString()).orElse("");
  }

  /** The last day {@code to} includes, as the form's date field shows it, or empty. */
  public String toDay() {
    return to.map(t -> t.minusNanos(1).atOffset(ZoneOffset.UTC).toLocalDate().toString())
        .orElse("");
  }
}
