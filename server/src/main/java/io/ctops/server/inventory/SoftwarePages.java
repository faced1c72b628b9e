package io.ctops.server.inventory;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.hosts.HostDetail;
import io.ctops.server.hosts.HostListParams;
import io.ctops.server.hosts.HostListQuery;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.hosts.HostRow;
import io.ctops.server.web.Csv;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Comparing two hosts' software (Compare on the Inventory tab) and searching the fleet for a
 * package (the Software page), with CSV and JSON for both.
 */
public final class SoftwarePages {
  private final Pages pages;
  private final HostRecords records;
  private final HostListQuery hosts;
  private final PackageDiff diff;
  private final FleetSoftware fleet;

  public SoftwarePages(
      Pages pages,
      HostRecords records,
      HostListQuery hosts,
      PackageDiff diff,
      FleetSoftware fleet) {
    this.pages = pages;
    this.records = records;
    this.hosts = hosts;
    this.diff = diff;
    this.fleet = fleet;
  }

  public void routes(RoutesConfig routes) {
    routes.get("/hosts/{id}/inventory/compare", this::compare);
    routes.get("/api/v1/hosts/{id}/packages/diff", this::compareApi);
    routes.get("/software", this::software);
    routes.get("/software.csv", this::softwareCsv);
    routes.get("/api/v1/software", this::softwareApi);
  }

  private HostDetail other(Principal user, String id) {
    return records.require(user, id);
  }

  private void compare(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    String search = Optional.ofNullable(ctx.queryParam("q")).orElse("").strip();
    List<HostRow> candidates = List.of();
    if (!search.isEmpty()) {
      candidates =
          hosts
              .page(
                  user.orgId(),
                  user.scope(),
                  HostListParams.parse(Map.of("q", List.of(search), "size", List.of("25"))))
              .rows()
              .stream()
              .filter(r -> !r.id().equals(host.id()))
              .toList();
    }
    String with = ctx.queryParam("with");
    HostDetail other = with == null ? null : other(user, with);
    pages.page(
        ctx,
        "compare.jte",
        "Compare " + host.hostname(),
        "hosts",
        new CompareView(
            host,
            search,
            candidates,
            other,
            other == null ? null : diff.compare(host.id(), other.id())));
  }

  /** The diff as JSON: the two hosts and the four lists. */
  public record DiffResponse(UUID hostId, UUID otherHostId, PackageDiff.Diff diff) {}

  private void compareApi(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    HostDetail host = records.require(user, ctx.pathParam("id"));
    String with = ctx.queryParam("with");
    if (with == null || with.isBlank()) {
      throw HttpProblem.badRequest("with=<host id> names the host to compare with");
    }
    HostDetail other = other(user, with);
    ctx.json(new DiffResponse(host.id(), other.id(), diff.compare(host.id(), other.id())));
  }

  private static String name(Context ctx) {
    String name = Optional.ofNullable(ctx.queryParam("name")).orElse("").strip();
    if (name.length() > 1024) {
      throw HttpProblem.badRequest("name is limited to 1,024 characters");
    }
    return name;
  }

  private static FleetSoftware.VersionRange range(Context ctx) {
    FleetSoftware.VersionRange range =
        new FleetSoftware.VersionRange(
            ctx.queryParam("version_from"), ctx.queryParam("version_before"));
    if (range.from().length() > 1024 || range.before().length() > 1024) {
      throw HttpProblem.badRequest(
          "version_from and version_before are limited to 1,024 characters");
    }
    if (!range.from().isEmpty()
        && !range.before().isEmpty()
        && PackageVersions.compare(range.from(), range.before()) >= 0) {
      // an empty range would silently answer "no host", which reads as "none is affected"
      throw HttpProblem.badRequest(
          "version_from ("
              + range.from()
              + ") must be lower than version_before ("
              + range.before()
              + "): no version lies between them");
    }
    return range;
  }

  private SoftwareView search(Context ctx, boolean nameRequired) {
    Principal user = WebAccess.principal(ctx);
    String name = name(ctx);
    FleetSoftware.VersionRange range = range(ctx);
    if (name.isEmpty()) {
      if (nameRequired) {
        throw HttpProblem.badRequest("name=<package> is required");
      }
      return new SoftwareView(name, range, List.of());
    }
    return new SoftwareView(name, range, fleet.hostsWith(user.orgId(), user.scope(), name, range));
  }

  private void software(Context ctx) {
    pages.page(ctx, "software.jte", "Software", "software", search(ctx, false));
  }

  private void softwareCsv(Context ctx) {
    SoftwareView found = search(ctx, true);
    StringBuilder csv =
        new StringBuilder("\"host\",\"package\",\"version\",\"architecture\",\"since\"\r\n");
    for (FleetSoftware.Holder h : found.holders()) {
      csv.append(
          Csv.row(h.hostname(), h.name(), h.version(), h.architecture(), h.since().toString()));
    }
    ctx.contentType("text/csv; charset=utf-8");
    ctx.header("Content-Disposition", "attachment; filename=\"hosts-with-package.csv\"");
    ctx.result(csv.toString());
  }

  private void softwareApi(Context ctx) {
    ctx.json(search(ctx, true));
  }
}
