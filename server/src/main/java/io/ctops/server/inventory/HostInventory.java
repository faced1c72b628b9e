package io.ctops.server.inventory;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** A host's packages and scans, for its Inventory tab, CSV export and the JSON API. */
public final class HostInventory {
  private final Jdbi jdbi;
  private final Clock clock;

  public HostInventory(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** One package of the host; {@code removedAt} is set when the last scans no longer list it. */
  public record PackageRow(
      String name,
      String version,
      String architecture,
      String source,
      String publisher,
      Instant installedAt,
      Instant firstSeen,
      Instant lastSeen,
      Instant removedAt) {}

  /** The newest scan of the host (any outcome) and the newest completed one. */
  public record ScanState(
      Optional<ScanRow> latest, Optional<ScanRow> lastCompleted, Duration interval, Instant now) {
    public boolean isUnderWay() {
      return latest
          .map(s -> s.status().equals("queued") || s.status().equals("running"))
          .orElse(false);
    }

    /** No completed scan, or the last one is older than the organisation's interval. */
    public boolean isStale() {
      return lastCompleted.map(s -> s.finishedAt().plus(interval).isBefore(now)).orElse(true);
    }
  }

  /** A scan as the tab shows it. */
  public record ScanRow(
      UUID id,
      String status,
      String source,
      Integer packageCount,
      String error,
      Instant queuedAt,
      Instant finishedAt) {}

  Jdbi jdbi() {
    return jdbi;
  }

  /** Rows per page of the Inventory tab: long lists (hundreds of packages) are paged. */
  public static final int PAGE_SIZE = 100;

  /** One page of a host's packages and how many match in all. */
  public record PackagePage(List<PackageRow> rows, long total, int page) {
    public int pageCount() {
      return (int) Math.max(1, (total + PAGE_SIZE - 1) / PAGE_SIZE);
    }
  }

  /** Which packages: removed ones too or not, and a name search (empty: all). */
  public record PackageFilter(boolean includeRemoved, String search) {
    /** The search as a LIKE pattern matching anywhere, with LIKE's own characters escaped. */
    String likePattern() {
      return search.isEmpty()
          ? null
          : "%"
              + search
                  .toLowerCase(Locale.ROOT)
                  .replace("\\", "\\\\")
                  .replace("%", "\\%")
                  .replace("_", "\\_")
              + "%";
    }
  }

  /**
   * Packages in natural name order (lib2 before lib10; the collation of V12__natural_sort.sql),
   * then version and architecture.
   */
  private static final String SELECT_PACKAGES =
      """
      SELECT name, version, architecture, source, publisher, installed_at,
             first_seen, last_seen, removed_at
        FROM software_packages
       WHERE host_id = :host AND (:removed OR removed_at IS NULL)
         AND (CAST(:pattern AS text) IS NULL OR lower(name) LIKE :pattern)
       ORDER BY lower(name) COLLATE ctops_natural, name, version, architecture
      """;

  /** Every package of the host (CSV export, JSON API). */
  public List<PackageRow> packages(UUID hostId, boolean includeRemoved) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(SELECT_PACKAGES)
                .bind("host", hostId)
                .bind("removed", includeRemoved)
                .bind("pattern", (String) null)
                .map((rs, ctx) -> packageRow(rs))
                .list());
  }

  /** One page of the host's packages that pass the filter. */
  public PackagePage packagePage(UUID hostId, PackageFilter filter, int page) {
    return jdbi.inTransaction(
        handle -> {
          long total =
              handle
                  .createQuery(
                      """
                      SELECT count(*) FROM software_packages
                       WHERE host_id = :host AND (:removed OR removed_at IS NULL)
                         AND (CAST(:pattern AS text) IS NULL OR lower(name) LIKE :pattern)
                      """)
                  .bind("host", hostId)
                  .bind("removed", filter.includeRemoved())
                  .bind("pattern", filter.likePattern())
                  .mapTo(Long.class)
                  .one();
          List<PackageRow> rows =
              handle
                  .createQuery(SELECT_PACKAGES + " LIMIT :limit OFFSET :offset")
                  .bind("host", hostId)
                  .bind("removed", filter.includeRemoved())
                  .bind("pattern", filter.likePattern())
                  .bind("limit", PAGE_SIZE)
                  .bind("offset", (long) (page - 1) * PAGE_SIZE)
                  .map((rs, ctx) -> packageRow(rs))
                  .list();
          return new PackagePage(rows, total, page);
        });
  }

  private static PackageRow packageRow(ResultSet rs) throws SQLException {
    return new PackageRow(
        rs.getString("name"),
        rs.getString("version"),
        rs.getString("architecture"),
        rs.getString("source"),
        rs.getString("publisher"),
        instant(rs.getTimestamp("installed_at")),
        instant(rs.getTimestamp("first_seen")),
        instant(rs.getTimestamp("last_seen")),
        instant(rs.getTimestamp("removed_at")));
  }

  public ScanState scans(UUID orgId, UUID hostId) {
    return jdbi.withHandle(
        handle -> {
          String select =
              "SELECT id, status, source, package_count, error, queued_at, finished_at"
                  + " FROM software_scans WHERE host_id = :host";
          Optional<ScanRow> latest =
              handle
                  .createQuery(select + " ORDER BY queued_at DESC LIMIT 1")
                  .bind("host", hostId)
                  .map((rs, ctx) -> row(rs))
                  .findOne();
          Optional<ScanRow> completed =
              handle
                  .createQuery(
                      select + " AND status = 'completed' ORDER BY finished_at DESC LIMIT 1")
                  .bind("host", hostId)
                  .map((rs, ctx) -> row(rs))
                  .findOne();
          int hours =
              handle
                  .createQuery(
                      "SELECT inventory_scan_interval_hours FROM organisations WHERE id = :org")
                  .bind("org", orgId)
                  .mapTo(Integer.class)
                  .one();
          return new ScanState(latest, completed, Duration.ofHours(hours), clock.instant());
        });
  }

  private static ScanRow row(ResultSet rs) throws SQLException {
    return new ScanRow(
        rs.getObject("id", UUID.class),
        rs.getString("status"),
        rs.getString("source"),
        (Integer) rs.getObject("package_count"),
        rs.getString("error"),
        instant(rs.getTimestamp("queued_at")),
        instant(rs.getTimestamp("finished_at")));
  }

  private static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }
}
