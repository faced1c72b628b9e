package io.ctops.server.inventory;

import io.ctops.server.auth.HostScope;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Fleet software search: which live hosts of the organisation (within the user's host scope) have a
 * package (by exact name, any case), in which version, since when.
 */
public final class FleetSoftware {
  public static final int LIMIT = 5000;

  private final Jdbi jdbi;

  public FleetSoftware(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** One host that has the package. */
  public record Holder(
      UUID hostId,
      String hostname,
      String name,
      String version,
      String architecture,
      Instant since) {}

  /**
   * Versions to keep: at least {@code from} and below {@code before} in {@link PackageVersions}
   * order; an empty bound does not limit.
   */
  public record VersionRange(String from, String before) {
    public static final VersionRange ANY = new VersionRange("", "");

    public VersionRange {
      from = from == null ? "" : from.strip();
      before = before == null ? "" : before.strip();
    }

    public boolean unbounded() {
      return from.isEmpty() && before.isEmpty();
    }

    public boolean contains(String version) {
      return (from.isEmpty() || PackageVersions.compare(version, from) >= 0)
          && (before.isEmpty() || PackageVersions.compare(version, before) < 0);
    }
  }

  /**
   * The holders of a package, in natural host name order (web-2 before web-10), at most {@link
   * #LIMIT}. A version range is applied to every row of that name before the limit (version order
   * is not SQL's).
   */
  public List<Holder> hostsWith(UUID orgId, HostScope scope, String name, VersionRange range) {
    List<Holder> holders =
        holders(orgId, scope, name, range.unbounded() ? LIMIT : Integer.MAX_VALUE);
    if (range.unbounded()) {
      return holders;
    }
    return holders.stream().filter(h -> range.contains(h.version())).limit(LIMIT).toList();
  }

  private List<Holder> holders(UUID orgId, HostScope scope, String name, int limit) {
    return jdbi.withHandle(
        handle ->
            scope
                .bind(
                    handle.createQuery(
                        """
                    SELECT h.id, h.hostname, p.name, p.version, p.architecture, p.first_seen
                      FROM software_packages p JOIN hosts h ON h.id = p.host_id
                     WHERE p.org_id = :org AND lower(p.name) = lower(:name)
                       AND p.removed_at IS NULL AND h.deleted_at IS NULL %s
                     ORDER BY lower(h.hostname) COLLATE ctops_natural, h.id, p.version, p.architecture
                     LIMIT :limit
                    """
                            .formatted(scope.filter("h.id"))))
                .bind("org", orgId)
                .bind("name", name)
                .bind("limit", limit)
                .map(
                    (rs, ctx) ->
                        new Holder(
                            rs.getObject(1, UUID.class),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getString(5),
                            ((Timestamp) rs.getObject(6)).toInstant()))
                .list());
  }
}
