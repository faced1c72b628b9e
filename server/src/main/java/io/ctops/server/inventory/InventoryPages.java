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
import java.time.Clock;
import java.util.List;
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

  /** The tab: the host, its scan state, and its packages. */
  public record InventoryView(
      HostDetail host,
      HostInventory.ScanState scans,
      List<HostInventory.PackageRow> packages,
      boolean showRemoved,
      boolean canRescan) {}

  public void routes(RoutesConfig routes) {
    routes.get("/hosts/{id}/inventory", this::tab);
    routes.get("/hosts/{id}/inventory/scan", this::scanStatus);
    routes.post("/hosts/{id}/rescan", this::rescan);
    routes.get("/hosts/{id}/inventory.csv", this::csv);
    routes.get("/api/v1/hosts/{id}/packages", this::api);
    routes.post("/api/v1/hosts/{id}/rescan", this::rescanApi);
  }

  private static boolean canRescan(Principal user) {
    return user.role() != Role.READ_ONLY;
  }

  private InventoryView view(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = records.requireInOrg(user.orgId(), ctx.pathParam("id"));
    boolean removed =
        "1".equals(ctx.queryParam("removed")) || "true".equals(ctx.queryParam("removed"));
    return new InventoryView(
        host,
        inventory.scans(user.orgId(), host.id()),
        inventory.packages(host.id(), removed),
        removed,
        canRescan(user));
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
    if (!canRescan(user)) {
      throw HttpProblem.forbidden("read-only users cannot start scans");
    }
    HostDetail host = records.requireInOrg(user.orgId(), ctx.pathParam("id"));
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
    InventoryView view = view(ctx);
    ctx.contentType("text/csv; charset=utf-8");
    ctx.header(
        "Content-Disposition",
        "attachment; filename=\"packages-"
            + view.host().hostname().replaceAll("[^A-Za-z0-9._-]", "_")
            + ".csv\"");
    ctx.result(PackageCsv.write(view.packages()));
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
    InventoryView view = view(ctx);
    ctx.json(
        new PackagesResponse(
            view.host().id(),
            view.scans().isUnderWay(),
            view.scans().isStale(),
            view.scans().latest().orElse(null),
            view.scans().lastCompleted().orElse(null),
            view.packages()));
  }
}
