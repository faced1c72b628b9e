package io.ctops.server.certificates;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.groups.HostSelectors;
import io.ctops.server.groups.Tag;
import io.ctops.server.hosts.HostDetail;
import io.ctops.server.hosts.HostRecords;
import io.ctops.server.orgs.Organisations;
import io.ctops.server.web.Csv;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;

/**
 * Certificates in the JSON API (and their CSV export): the fleet's, de-duplicated by fingerprint,
 * and a host's. Everyone reads them, within the hosts they see. A rescan is a task ({@code POST
 * /api/v1/hosts/{id}/tasks} with {@code certificate_scan}).
 */
public final class CertificatesApi {
  private final Jdbi jdbi;
  private final HostRecords hosts;
  private final Organisations organisations;
  private final Clock clock;

  public CertificatesApi(Jdbi jdbi, HostRecords hosts, Organisations organisations, Clock clock) {
    this.jdbi = jdbi;
    this.hosts = hosts;
    this.organisations = organisations;
    this.clock = clock;
  }

  public void routes(RoutesConfig routes) {
    routes.get("/api/v1/certificates", this::fleet);
    routes.get("/api/v1/certificates.csv", this::csv);
    routes.get("/api/v1/hosts/{id}/certificates", this::forHost);
  }

  /**
   * The filter of the fleet list from the query: {@code status} (valid, expiring, expired), {@code
   * issuer} (a part of it), which hosts ({@code group}, {@code host} or {@code tag}, repeatable:
   * all of them), {@code page} and {@code size}.
   */
  public static CertificateQuery.Filter filter(Context ctx, Jdbi jdbi, Principal user, int size) {
    try {
      Optional<CertificateQuery.Status> status =
          Optional.ofNullable(ctx.queryParam("status"))
              .filter(s -> !s.isBlank())
              .map(
                  s ->
                      CertificateQuery.Status.parse(s)
                          .orElseThrow(
                              () ->
                                  HttpProblem.badRequest(
                                      "status is one of valid, expiring, expired")));
      HostSelector selector = HostSelector.ALL;
      String group = ctx.queryParam("group");
      String host = ctx.queryParam("host");
      List<String> tags = ctx.queryParams("tag").stream().filter(t -> !t.isBlank()).toList();
      if (group != null && !group.isBlank()) {
        selector = new HostSelector.Group(id(group, "group"));
      } else if (host != null && !host.isBlank()) {
        selector = new HostSelector.OneHost(id(host, "host"));
      } else if (!tags.isEmpty()) {
        List<Tag> parsed = new ArrayList<>();
        for (String tag : tags) {
          parsed.add(Tag.parse(tag));
        }
        selector = new HostSelector.Tags(parsed);
      }
      HostSelector named = selector;
      jdbi.useHandle(h -> HostSelectors.requireKnown(h, user.orgId(), user.scope(), named));
      return new CertificateQuery.Filter(
          status,
          Optional.ofNullable(ctx.queryParam("issuer")),
          selector,
          number(ctx, "page", 1),
          number(ctx, "size", size));
    } catch (Tag.InvalidTagException | HostSelector.InvalidSelectorException e) {
      throw HttpProblem.badRequest(e.getMessage());
    } catch (IllegalArgumentException e) {
      throw HttpProblem.badRequest(e.getMessage());
    }
  }

  private static UUID id(String text, String name) {
    try {
      return UUID.fromString(text.strip());
    } catch (IllegalArgumentException e) {
      throw HttpProblem.badRequest(name + " is the id of a " + name);
    }
  }

  private static int number(Context ctx, String name, int fallback) {
    String text = ctx.queryParam(name);
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw HttpProblem.badRequest(name + " is a whole number");
    }
  }

  /** The fleet's certificates for a user, by the request's filter. */
  public CertificateQuery.FleetPage fleet(Principal user, CertificateQuery.Filter filter) {
    int days = organisations.certificateExpiringDays(user.orgId());
    return jdbi.withHandle(
        h -> CertificateQuery.fleet(h, user.orgId(), user.scope(), filter, clock.instant(), days));
  }

  private void fleet(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    CertificateQuery.Filter filter = filter(ctx, jdbi, user, 100);
    CertificateQuery.FleetPage page = fleet(user, filter);
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    ArrayNode items = json.putArray("items");
    page.certificates().forEach(c -> items.add(json(c)));
    json.put("total", page.total());
    json.put("page", filter.page());
    json.put("size", filter.size());
    json.put("expiring_days", organisations.certificateExpiringDays(user.orgId()));
    ctx.json(json);
  }

  private void csv(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    csv(ctx, user, filter(ctx, jdbi, user, CertificateQuery.Filter.MAX_SIZE));
  }

  /**
   * Answers with every certificate the filter names (all pages, whatever its page), one line each,
   * its places joined; the Certificates page's export answers with the same.
   */
  void csv(Context ctx, Principal user, CertificateQuery.Filter asked) {
    CertificateQuery.Filter first =
        new CertificateQuery.Filter(
            asked.status(), asked.issuer(), asked.selector(), 1, CertificateQuery.Filter.MAX_SIZE);
    StringBuilder out =
        new StringBuilder(
            Csv.row(
                "fingerprint_sha256",
                "subject",
                "issuer",
                "sans",
                "not_after",
                "days_left",
                "status",
                "self_signed",
                "key",
                "hosts",
                "places"));
    for (int page = 1; ; page++) {
      CertificateQuery.Filter filter =
          new CertificateQuery.Filter(
              first.status(), first.issuer(), first.selector(), page, first.size());
      CertificateQuery.FleetPage rows = fleet(user, filter);
      for (CertificateQuery.FleetCertificate c : rows.certificates()) {
        out.append(
            Csv.row(
                c.fingerprint(),
                c.subject(),
                c.issuer(),
                String.join(" ", c.sans()),
                c.notAfter().toString(),
                Long.toString(c.daysLeft()),
                c.status().shown(),
                Boolean.toString(c.selfSigned()),
                c.keyAlgorithm() + c.keySizeBits().map(b -> " " + b).orElse(""),
                Long.toString(c.hosts()),
                c.places().stream()
                    .map(p -> p.hostname() + " " + p.location())
                    .collect(Collectors.joining("; "))));
      }
      if ((long) page * filter.size() >= rows.total() || rows.certificates().isEmpty()) {
        break;
      }
    }
    ctx.header("Content-Disposition", "attachment; filename=\"certificates.csv\"");
    ctx.contentType("text/csv; charset=utf-8").result(out.toString());
  }

  private void forHost(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    UUID hostId =
        hosts
            .find(user, UuidParam.parse(ctx.pathParam("id"), "host"))
            .filter(h -> !h.isDeleted())
            .map(HostDetail::id)
            .orElseThrow(() -> HttpProblem.notFound("no such host in this organisation"));
    int days = organisations.certificateExpiringDays(user.orgId());
    Instant now = clock.instant();
    CertificateQuery.HostView view =
        jdbi.withHandle(h -> CertificateQuery.forHost(h, hostId, now, days));
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    ArrayNode items = json.putArray("items");
    for (CertificateQuery.HostCertificate c : view.certificates()) {
      ObjectNode item = json(c.certificate());
      item.put("status", c.status().shown());
      item.put("days_left", c.daysLeft());
      c.checkName().ifPresent(name -> item.put("check", name));
      items.add(item);
    }
    view.lastScan()
        .ifPresent(
            s ->
                json.putObject("last_scan")
                    .put("completed_at", s.completedAt().toString())
                    .put("certificates", s.certificates())
                    .put("files_scanned", s.filesScanned())
                    .put("files_skipped", s.filesSkipped())
                    .put("services_probed", s.servicesProbed())
                    .put("truncated", s.truncated()));
    json.put("expiring_days", days);
    ctx.json(json);
  }

  private static ObjectNode json(StoredCertificate c) {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("fingerprint_sha256", c.fingerprint());
    json.put("subject", c.subject());
    json.put("issuer", c.issuer());
    ArrayNode sans = json.putArray("sans");
    c.sans().forEach(sans::add);
    json.put("serial_number", c.serialNumber());
    c.notBefore().ifPresent(t -> json.put("not_before", t.toString()));
    json.put("not_after", c.notAfter().toString());
    json.put("key_algorithm", c.keyAlgorithm());
    c.keySizeBits().ifPresent(b -> json.put("key_size_bits", b));
    json.put("signature_algorithm", c.signatureAlgorithm());
    json.put("is_self_signed", c.selfSigned());
    json.put("source", c.source());
    json.put("location", c.location());
    json.put("chain_position", c.chainPosition());
    c.privateKey().ifPresent(k -> json.put("private_key", k));
    return json;
  }

  private static ObjectNode json(CertificateQuery.FleetCertificate c) {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("fingerprint_sha256", c.fingerprint());
    json.put("subject", c.subject());
    json.put("issuer", c.issuer());
    ArrayNode sans = json.putArray("sans");
    c.sans().forEach(sans::add);
    json.put("not_after", c.notAfter().toString());
    json.put("status", c.status().shown());
    json.put("days_left", c.daysLeft());
    json.put("is_self_signed", c.selfSigned());
    json.put("key_algorithm", c.keyAlgorithm());
    c.keySizeBits().ifPresent(b -> json.put("key_size_bits", b));
    json.put("hosts", c.hosts());
    ArrayNode places = json.putArray("places");
    c.places()
        .forEach(
            p ->
                places
                    .addObject()
                    .put("host_id", p.hostId().toString())
                    .put("hostname", p.hostname())
                    .put("source", p.source())
                    .put("location", p.location()));
    return json;
  }
}
