package io.ctops.server.certificates;

import io.ctops.server.certificates.CertificateQuery.Counts;
import io.ctops.server.certificates.CertificateQuery.FleetCertificate;
import io.ctops.server.certificates.CertificateQuery.FleetPage;
import io.ctops.server.certificates.CertificateQuery.HostCertificate;
import io.ctops.server.certificates.CertificateQuery.LastScan;
import io.ctops.server.certificates.CertificateQuery.Place;
import io.ctops.server.certificates.CertificateQuery.Status;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.hosts.HostDetail;
import io.ctops.server.tasks.Task;
import io.ctops.server.tasks.TaskState;
import io.ctops.server.web.Format;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** What the Certificates pages show, with the words and links their templates need. */
public final class CertificateViews {
  /** Places a fleet row shows before "and N more". */
  static final int PLACES_SHOWN = 3;

  /** SANs a host's row shows before folding the rest. */
  static final int SANS_SHOWN = 3;

  private CertificateViews() {}

  /** The class that colours a status as checks' are: valid as passing, expired as failing. */
  public static String statusClass(Status status) {
    return "cert-" + status.shown();
  }

  /**
   * A host's Certificates tab: its certificates by expiry, its last discovery scan, and the newest
   * rescan the operators asked for, while it matters (under way, or failed since the last scan).
   */
  public record HostTab(
      HostDetail host,
      List<HostCertificate> certificates,
      Optional<LastScan> lastScan,
      Optional<Task> rescan,
      int expiringDays,
      boolean mayRescan,
      boolean mayOperate,
      Instant now) {

    public String expiry(HostCertificate c) {
      return CertificateWords.expiry(c.certificate().notAfter(), now);
    }

    /**
     * For a certificate of a chain (position 1 or more), the common name of the one it signed at
     * the same place: "issuer of www.example.com".
     */
    public Optional<String> issuerOf(HostCertificate c) {
      StoredCertificate cert = c.certificate();
      if (cert.chainPosition() == 0) {
        return Optional.empty();
      }
      return certificates.stream()
          .map(HostCertificate::certificate)
          .filter(
              o ->
                  o.source().equals(cert.source())
                      && o.location().equals(cert.location())
                      && o.chainPosition() == cert.chainPosition() - 1)
          .map(o -> CertificateWords.commonName(o.subject()))
          .findFirst()
          .or(() -> Optional.of("the certificate above it"));
    }

    /** How many of the host's certificates sit beside a private key that is not theirs. */
    public long keyMismatches() {
      return certificates.stream()
          .filter(c -> c.certificate().privateKey().filter("does_not_match"::equals).isPresent())
          .count();
    }

    public boolean isRescanUnderWay() {
      return rescan.filter(t -> !t.isFinished()).isPresent();
    }

    /** The rescan asked for after the last scan ended without one (the agent's reason with it). */
    public Optional<Task> failedRescan() {
      return rescan.filter(
          t ->
              t.isFinished()
                  && TaskState.fromDb(t.state()) != TaskState.SUCCEEDED
                  && lastScan.map(s -> t.queuedAt().isAfter(s.completedAt())).orElse(true));
    }

    /** "Scanned 5m ago: 120 files, 3 skipped, 4 services". */
    public String scanLine() {
      return lastScan
          .map(
              s ->
                  "Scanned "
                      + Format.ago(s.completedAt())
                      + ": "
                      + count(s.filesScanned(), "file")
                      + ", "
                      + s.filesSkipped()
                      + " skipped, "
                      + count(s.servicesProbed(), "service"))
          .orElse("Not scanned by the agent yet");
    }
  }

  /**
   * The fleet page: one page of certificates and the counts of each status under the same hosts and
   * issuer; {@code form} holds the filter's fields as the form shows them (what was typed when the
   * filter was refused, with {@code error} saying why).
   */
  public record FleetView(
      FleetPage page,
      Counts counts,
      int pageNumber,
      int pageSize,
      int defaultPageSize,
      Map<String, String> form,
      List<HostGroups.Group> groups,
      int expiringDays,
      Optional<String> error,
      Instant now) {

    public String value(String field) {
      return form.getOrDefault(field, "");
    }

    public String expiry(FleetCertificate c) {
      return CertificateWords.expiry(c.notAfter(), now);
    }

    public List<Place> firstPlaces(FleetCertificate c) {
      return c.places().subList(0, Math.min(PLACES_SHOWN, c.places().size()));
    }

    public List<Place> morePlaces(FleetCertificate c) {
      return c.places().subList(Math.min(PLACES_SHOWN, c.places().size()), c.places().size());
    }

    /** Whether the place list stopped at its limit (more places than listed may exist). */
    public boolean placesCut(FleetCertificate c) {
      return c.places().size() >= CertificateQuery.PLACES_LISTED;
    }

    public long pageCount() {
      return Math.max(1, (page.total() + pageSize - 1) / pageSize);
    }

    /** This page's filter, another page of it. */
    public String pageUrl(int number) {
      return "/certificates" + query(form, number);
    }

    /** The same hosts and issuer with one status ("" for any). */
    public String statusUrl(String status) {
      Map<String, String> fields = new LinkedHashMap<>(form);
      fields.put("status", status);
      return "/certificates" + query(fields, 1);
    }

    /** Every certificate of the filter, all pages, as CSV. */
    public String csvUrl() {
      return "/certificates.csv" + query(form, 1);
    }

    private String query(Map<String, String> fields, int number) {
      Map<String, String> query = new LinkedHashMap<>(fields);
      if (number > 1) {
        query.put("page", Integer.toString(number));
      }
      if (pageSize != defaultPageSize) {
        query.put("size", Integer.toString(pageSize));
      }
      String text =
          query.entrySet().stream()
              .filter(e -> !e.getValue().isEmpty())
              .filter(e -> !(e.getKey().equals("selector_kind") && e.getValue().equals("all")))
              .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
              .collect(Collectors.joining("&"));
      return text.isEmpty() ? "" : "?" + text;
    }
  }

  private static String count(int n, String unit) {
    return n + " " + unit + (n == 1 ? "" : "s");
  }
}
