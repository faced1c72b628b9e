package io.ctops.server.audit;

import io.ctops.server.web.Csv;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.function.Function;

/**
 * The Audit page (admins: filters in the URL, paged), its CSV export and {@code GET /api/v1/audit}
 * with the same filters. Read-only by design: nothing here, or anywhere in the product, edits or
 * deletes an entry; only the retention purge removes old ones.
 */
public final class AuditPages {
  private final Pages pages;
  private final AuditEntryQuery query;
  private final Function<Context, AuditReader> readers;

  /**
   * {@code readers} names the request's reader, refusing (403) anyone who is not an admin; it comes
   * from the role, which knows the account model.
   */
  public AuditPages(Pages pages, AuditEntryQuery query, Function<Context, AuditReader> readers) {
    this.pages = pages;
    this.query = query;
    this.readers = readers;
  }

  /** The page's model. */
  public record AuditView(
      AuditEntryQuery.AuditPage page, List<AuditAction> actions, boolean mayReadAll) {}

  /** The API's answer: a page of entries with the numbers a client needs to page through them. */
  public record AuditListResponse(
      List<AuditRecord> items, long total, int page, int size, int pages) {}

  public void routes(RoutesConfig routes) {
    routes.get("/audit", this::page);
    routes.get("/audit.csv", this::csv);
    routes.get("/api/v1/audit", this::api);
  }

  private record Request(AuditReader reader, AuditFilter filter) {}

  private Request request(Context ctx) {
    AuditReader reader = readers.apply(ctx);
    AuditFilter filter = AuditFilter.parse(ctx.queryParamMap());
    if (filter.allOrganisations() && !reader.mayReadAll()) {
      throw HttpProblem.forbidden("only a super admin reads every organisation's audit log");
    }
    return new Request(reader, filter);
  }

  private void page(Context ctx) {
    Request request = request(ctx);
    pages.page(
        ctx,
        "audit.jte",
        "Audit log",
        "audit",
        new AuditView(
            query.page(request.reader(), request.filter()),
            List.of(AuditAction.values()),
            request.reader().mayReadAll()));
  }

  private void api(Context ctx) {
    Request request = request(ctx);
    AuditEntryQuery.AuditPage found = query.page(request.reader(), request.filter());
    ctx.json(
        new AuditListResponse(
            found.entries(),
            found.total(),
            request.filter().page(),
            request.filter().pageSize(),
            found.pageCount()));
  }

  private void csv(Context ctx) {
    Request request = request(ctx);
    StringBuilder csv =
        new StringBuilder(
            Csv.row(
                "time",
                "organisation",
                "actor_kind",
                "actor",
                "api_key",
                "action",
                "target_type",
                "target_id",
                "target",
                "parameters",
                "outcome",
                "reason",
                "source_address"));
    for (AuditRecord e : query.export(request.reader(), request.filter())) {
      csv.append(
          Csv.row(
              e.at().toString(),
              text(e.orgName()),
              e.actorKind(),
              e.actorName(),
              text(e.apiKeyName()),
              e.action(),
              text(e.targetType()),
              text(e.targetId()),
              text(e.targetLabel()),
              e.parameters().toString(),
              e.outcome(),
              text(e.reason()),
              text(e.sourceAddress())));
    }
    ctx.contentType("text/csv; charset=utf-8");
    ctx.header("Content-Disposition", "attachment; filename=\"audit-log.csv\"");
    ctx.result(csv.toString());
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }
}
