package io.ctops.server.certificates;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.auth.HostScope;
import io.ctops.server.groups.HostSelector;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * What the product knows of certificates: a host's, each at its place, by expiry; and the fleet's,
 * de-duplicated by fingerprint with the hosts and places that hold each, filtered by status, issuer
 * and host selector, within the asking user's scope. A certificate is expired past its not-after,
 * expiring within the organisation's days (30 by default) before it, valid otherwise.
 */
public final class CertificateQuery {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Places listed per certificate on the fleet page; the host count is always whole. */
  public static final int PLACES_LISTED = 50;

  private CertificateQuery() {}

  /** valid, expiring or expired. */
  public enum Status {
    VALID,
    EXPIRING,
    EXPIRED;

    public String shown() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Status of(Instant notAfter, Instant now, int expiringDays) {
      if (notAfter.isBefore(now)) {
        return EXPIRED;
      }
      return notAfter.isBefore(now.plus(Duration.ofDays(expiringDays))) ? EXPIRING : VALID;
    }

    public static Optional<Status> parse(String text) {
      return Arrays.stream(values()).filter(s -> s.shown().equals(text)).findFirst();
    }
  }

  /** A certificate at one place on a host. */
  public record HostCertificate(
      StoredCertificate certificate, Status status, long daysLeft, Optional<String> checkName) {}

  /** The host's last discovery scan. */
  public record LastScan(
      Instant completedAt,
      int certificates,
      int filesScanned,
      int filesSkipped,
      int servicesProbed,
      boolean truncated) {}

  /** The host's certificates, soonest to expire first, and its last discovery scan (if any). */
  public record HostView(List<HostCertificate> certificates, Optional<LastScan> lastScan) {}

  public static HostView forHost(Handle handle, UUID hostId, Instant now, int expiringDays) {
    List<HostCertificate> rows =
        handle
            .createQuery(
                """
                SELECT hc.*, c.name AS check_name FROM host_certificates hc
                  LEFT JOIN checks c ON c.id = hc.check_id
                 WHERE hc.host_id = :host
                 ORDER BY hc.not_after, hc.location, hc.chain_position
                """)
            .bind("host", hostId)
            .map(
                (rs, ctx) -> {
                  StoredCertificate c = certificate(rs);
                  return new HostCertificate(
                      c,
                      Status.of(c.notAfter(), now, expiringDays),
                      Duration.between(now, c.notAfter()).toDays(),
                      Optional.ofNullable(rs.getString("check_name")));
                })
            .list();
    Optional<LastScan> scan =
        handle
            .createQuery("SELECT * FROM certificate_scans WHERE host_id = :host")
            .bind("host", hostId)
            .map(
                (rs, ctx) ->
                    new LastScan(
                        rs.getTimestamp("completed_at").toInstant(),
                        rs.getInt("certificates"),
                        rs.getInt("files_scanned"),
                        rs.getInt("files_skipped"),
                        rs.getInt("services_probed"),
                        rs.getBoolean("truncated")))
            .findOne();
    return new HostView(rows, scan);
  }

  /** Which certificates the fleet page lists. */
  public record Filter(
      Optional<Status> status, Optional<String> issuer, HostSelector selector, int page, int size) {
    public static final int MAX_SIZE = 500;

    public Filter {
      issuer = issuer.map(String::strip).filter(i -> !i.isEmpty());
      if (issuer.isPresent() && issuer.get().length() > 200) {
        throw new IllegalArgumentException("an issuer filter is limited to 200 characters");
      }
      if (page < 1 || size < 1 || size > MAX_SIZE) {
        throw new IllegalArgumentException("page is 1 or more and size between 1 and " + MAX_SIZE);
      }
    }
  }

  /** A place a certificate is on. */
  public record Place(UUID hostId, String hostname, String source, String location) {}

  /** One certificate of the fleet, with every place it is on (the first {@link #PLACES_LISTED}). */
  public record FleetCertificate(
      String fingerprint,
      String subject,
      String issuer,
      List<String> sans,
      Instant notAfter,
      Status status,
      long daysLeft,
      boolean selfSigned,
      String keyAlgorithm,
      Optional<Integer> keySizeBits,
      long hosts,
      List<Place> places) {}

  public record FleetPage(List<FleetCertificate> certificates, long total) {}

  public static FleetPage fleet(
      Handle handle, UUID orgId, HostScope scope, Filter filter, Instant now, int expiringDays) {
    String where =
        from(scope, filter) + filter.status().map(CertificateQuery::statusCondition).orElse("");
    long total =
        bind(
                handle.createQuery("SELECT count(DISTINCT hc.fingerprint)" + where),
                orgId,
                scope,
                filter,
                now,
                expiringDays)
            .mapTo(Long.class)
            .one();
    List<FleetCertificate> rows =
        bind(
                handle.createQuery(
                    """
                    SELECT hc.fingerprint, min(hc.subject) AS subject, min(hc.issuer) AS issuer,
                           min(array_to_string(hc.sans, E'\\n')) AS sans,
                           min(hc.not_after) AS not_after, bool_or(hc.is_self_signed) AS self_signed,
                           min(hc.key_algorithm) AS key_algorithm, max(hc.key_size_bits) AS key_size,
                           count(DISTINCT hc.host_id) AS hosts,
                           CAST(json_agg(json_build_object('host_id', h.id, 'hostname', h.hostname,
                                    'source', hc.source, 'location', hc.location)
                                ORDER BY h.hostname, hc.location) AS text) AS places
                    """
                        + where
                        + " GROUP BY hc.fingerprint ORDER BY min(hc.not_after), hc.fingerprint"
                        + " LIMIT :limit OFFSET :offset"),
                orgId,
                scope,
                filter,
                now,
                expiringDays)
            .bind("limit", filter.size())
            .bind("offset", (long) (filter.page() - 1) * filter.size())
            .map(
                (rs, ctx) -> {
                  Instant notAfter = rs.getTimestamp("not_after").toInstant();
                  int keySize = rs.getInt("key_size");
                  return new FleetCertificate(
                      rs.getString("fingerprint"),
                      rs.getString("subject"),
                      rs.getString("issuer"),
                      lines(rs.getString("sans")),
                      notAfter,
                      Status.of(notAfter, now, expiringDays),
                      Duration.between(now, notAfter).toDays(),
                      rs.getBoolean("self_signed"),
                      rs.getString("key_algorithm"),
                      rs.wasNull() || keySize == 0 ? Optional.empty() : Optional.of(keySize),
                      rs.getLong("hosts"),
                      places(rs.getString("places")));
                })
            .list();
    return new FleetPage(rows, total);
  }

  /**
   * How many certificates of each status the filter's hosts and issuer hold, whatever its status.
   */
  public record Counts(long expired, long expiring, long valid) {}

  public static Counts counts(
      Handle handle, UUID orgId, HostScope scope, Filter filter, Instant now, int expiringDays) {
    // a fingerprint is one certificate, so one not-after: its status is the same at every place
    return bind(
            handle.createQuery(
                """
                SELECT count(*) FILTER (WHERE c.not_after < CAST(:now AS timestamptz)),
                       count(*) FILTER (WHERE c.not_after >= CAST(:now AS timestamptz)
                           AND c.not_after < CAST(:now AS timestamptz)
                                             + make_interval(days => :expiringDays)),
                       count(*) FILTER (WHERE c.not_after >= CAST(:now AS timestamptz)
                                             + make_interval(days => :expiringDays))
                  FROM (SELECT min(hc.not_after) AS not_after
                """
                    + from(scope, filter)
                    + " GROUP BY hc.fingerprint) c"),
            orgId,
            scope,
            filter,
            now,
            expiringDays)
        .map((rs, ctx) -> new Counts(rs.getLong(1), rs.getLong(2), rs.getLong(3)))
        .one();
  }

  /** The certificates of the filter's hosts (within the scope) and issuer, any status. */
  private static String from(HostScope scope, Filter filter) {
    return " FROM host_certificates hc JOIN hosts h ON h.id = hc.host_id"
        + " WHERE h.org_id = :org AND h.deleted_at IS NULL AND "
        + filter.selector().condition()
        + scope.filter("h.id")
        + (filter.issuer().isPresent() ? " AND strpos(lower(hc.issuer), lower(:issuer)) > 0" : "");
  }

  private static String statusCondition(Status status) {
    String soon = "CAST(:now AS timestamptz) + make_interval(days => :expiringDays)";
    return switch (status) {
      case EXPIRED -> " AND hc.not_after < CAST(:now AS timestamptz)";
      case EXPIRING -> " AND hc.not_after >= CAST(:now AS timestamptz) AND hc.not_after < " + soon;
      case VALID -> " AND hc.not_after >= " + soon;
    };
  }

  private static Query bind(
      Query query, UUID orgId, HostScope scope, Filter filter, Instant now, int expiringDays) {
    filter.issuer().ifPresent(issuer -> query.bind("issuer", issuer));
    return scope
        .bind(filter.selector().bind(query))
        .bind("org", orgId)
        .bind("now", Timestamp.from(now))
        .bind("expiringDays", expiringDays);
  }

  private static List<Place> places(String json) {
    try {
      List<Place> places = new ArrayList<>();
      for (JsonNode p : JSON.readTree(json)) {
        if (places.size() == PLACES_LISTED) {
          break;
        }
        places.add(
            new Place(
                UUID.fromString(p.get("host_id").asText()),
                p.get("hostname").asText(),
                p.get("source").asText(),
                p.get("location").asText()));
      }
      return places;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the database builds JSON", e);
    }
  }

  static StoredCertificate certificate(ResultSet rs) throws SQLException {
    Timestamp notBefore = rs.getTimestamp("not_before");
    int keySize = rs.getInt("key_size_bits");
    boolean noKeySize = rs.wasNull();
    return new StoredCertificate(
        rs.getString("source"),
        rs.getString("location"),
        rs.getString("fingerprint"),
        rs.getInt("chain_position"),
        rs.getString("subject"),
        rs.getString("issuer"),
        strings(rs.getArray("sans")),
        rs.getString("serial_number"),
        Optional.ofNullable(notBefore).map(Timestamp::toInstant),
        rs.getTimestamp("not_after").toInstant(),
        rs.getString("key_algorithm"),
        noKeySize ? Optional.empty() : Optional.of(keySize),
        rs.getString("signature_algorithm"),
        rs.getBoolean("is_self_signed"),
        Optional.ofNullable(rs.getString("private_key")),
        Optional.ofNullable(rs.getObject("check_id", UUID.class)));
  }

  private static List<String> lines(String text) {
    return text == null || text.isEmpty() ? List.of() : List.of(text.split("\n"));
  }

  private static List<String> strings(Array array) throws SQLException {
    return array == null ? List.of() : List.of((String[]) array.getArray());
  }
}
