package io.ctops.server.inventory;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.hosts.HostDetail;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A host's Inventory tab: last scan and Rescan (with its progress), stale warning, Show removed,
 * search, CSV export; and the same data in the JSON API.
 */
public final class InventoryPages {
  private final Pages pages;
  private final HostRecords records;
  private final HostInventory inventory;
  private final SoftwareScans scans;

  public InventoryPages(Pages pages, HostRecords records, HostInventory inventory, Clock clock) {
    this.pages = pages;
    this.records = records;
    this.inventory = inventory;
    this.scans = new SoftwareScans(inventory.jdbi(), clock);
  }

  /** The tab: the host, its scan state, and one page of its packages. */
  public record InventoryView(
      HostDetail host,
      HostInventory.ScanState scans,
      HostInventory.PackagePage packages,
      HostInventory.PackageFilter filter,
      boolean canRescan) {
    public boolean showRemoved() {
      return filter.includeRemoved();
    }

    /** The tab's address for another page of the same filter. */
    public String pageUrl(int page) {
      StringBuilder query = new StringBuilder();
      if (!filter.search().isEmpty()) {
        query.append("&q=").append(URLEncoder.encode(filter.search(), StandardCharsets.UTF_8));
      }
      if (filter.includeRemoved()) {
        query.append("&removed=1");
      }
      if (page > 1) {
        query.append("&page=").append(page);
      }
      String path = "/hosts/" + host.id() + "/inventory";
      return query.isEmpty() ? path : path + "?" + query.substring(1);
    }
  }

  static final int MAX_SEARCH_LENGTH = 200;
  static final int MAX_PAGE = 100_000;

  public void routes(RoutesConfig routes) {
    routes.get("/hosts/{id}/inventory", this::tab);
    routes.get("/hosts/{id}/inventory/scan", this::scanStatus);
    routes.post("/hosts/{id}/rescan", this::rescan);
    routes.get("/hosts/{id}/inventory.csv", this::csv);
    routes.get("/api/v1/hosts/{id}/packages", this::api);
    routes.post("/api/v1/hosts/{id}/rescan", this::rescanApi);
  }

  /** Engineers and admins start scans; for a user scoped to groups, their role on the host's. */
  private static boolean canRescan(Role roleOnHost) {
    return roleOnHost != Role.READ_ONLY;
  }

  private static boolean removed(Context ctx) {
    return "1".equals(ctx.queryParam("removed")) || "true".equals(ctx.queryParam("removed"));
  }

  private static HostInventory.PackageFilter filter(Context ctx) {
    String search = Optional.ofNullable(ctx.queryParam("q")).orElse("").strip();
    if (search.length() > MAX_SEARCH_LENGTH) {
      throw HttpProblem.badRequest("q is limited to " + MAX_SEARCH_LENGTH + " characters");
    }
    return new HostInventory.PackageFilter(removed(ctx), search);
  }

  private static int page(Context ctx) {
    String text = Optional.ofNullable(ctx.queryParam("page")).orElse("").strip();
    if (text.isEmpty()) {
      return 1;
    }
    try {
      int page = Integer.parseInt(text);
      if (page >= 1 && page <= MAX_PAGE) {
        return page;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw HttpProblem.badRequest("page must be a whole number between 1 and " + MAX_PAGE);
  }

  private HostDetail host(Context ctx) {
    return records.require(WebAccess.principal(ctx), ctx.pathParam("id"));
  }

  private InventoryView view(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = host(ctx);
    HostInventory.PackageFilter filter = filter(ctx);
    return new InventoryView(
        host,
        inventory.scans(user.orgId(), host.id()),
        inventory.packagePage(host.id(), filter, page(ctx)),
        filter,
        canRescan(records.roleOn(user, host)));
  }

  private void tab(Context ctx) {
    InventoryView view = view(ctx);
    pages.page(ctx, "hosts/inventory.jte", view.host().hostname(), "hosts", view);
  }

  /** Polled while a scan is under way; when it has landed the page reloads to show the list. */
  private void scanStatus(Context ctx) {
    InventoryView view = view(ctx);
    if (!view.scans().isUnderWay() && "1".equals(ctx.queryParam("waiting"))) {
      ctx.header("HX-Refresh", "true");
    }
    pages.fragment(ctx, "hosts/scan-status.jte", view);
  }

  /** Queues a scan of the host in the path (or finds the one under way); returns its id. */
  private UUID queueScan(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    if (!canRescan(user.role())) {
      throw HttpProblem.forbidden("read-only users cannot start scans");
    }
    HostDetail host = records.require(user, ctx.pathParam("id"));
    if (!canRescan(records.roleOn(user, host))) {
      throw HttpProblem.forbidden(
          "you are read-only on this host's groups; it cannot be rescanned");
    }
    if (host.isDeleted()) {
      throw HttpProblem.conflict("the host is deleted");
    }
    return scans.queue(user.orgId(), host.id(), host.hostname(), WebAccess.actor(ctx));
  }

  /** The JSON API's answer to a rescan: the scan that will run (a new one or the one under way). */
  public record RescanResponse(UUID hostId, UUID scanId) {}

  private void rescanApi(Context ctx) {
    UUID scan = queueScan(ctx);
    ctx.status(202).json(new RescanResponse(UUID.fromString(ctx.pathParam("id")), scan));
  }

  private void rescan(Context ctx) {
    queueScan(ctx);
    InventoryView view = view(ctx);
    if (ctx.header("HX-Request") != null) {
      pages.fragment(ctx, "hosts/scan-status.jte", view);
    } else {
      ctx.redirect("/hosts/" + view.host().id() + "/inventory", HttpStatus.SEE_OTHER);
    }
  }

  private void csv(Context ctx) {
    HostDetail host = host(ctx);
    ctx.contentType("text/csv; charset=utf-8");
    ctx.header(
        "Content-Disposition",
        "attachment; filename=\"packages-"
            + host.hostname().replaceAll("[^A-Za-z0-9._-]", "_")
            + ".csv\"");
    ctx.result(PackageCsv.write(inventory.packages(host.id(), removed(ctx))));
  }

  /** The JSON API's answer for a host's packages. */
  public record PackagesResponse(
      UUID hostId,
      boolean scanUnderWay,
      boolean stale,
      HostInventory.ScanRow lastScan,
      HostInventory.ScanRow lastCompletedScan,
      List<HostInventory.PackageRow> packages) {}

  private void api(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = host(ctx);
    HostInventory.ScanState scans = inventory.scans(user.orgId(), host.id());
    ctx.json(
        new PackagesResponse(
            host.id(),
            scans.isUnderWay(),
            scans.isStale(),
            scans.latest().orElse(null),
            scans.lastCompleted().orElse(null),
            inventory.packages(host.id(), removed(ctx))));
  }
}
