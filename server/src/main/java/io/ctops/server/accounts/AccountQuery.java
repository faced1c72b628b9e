package io.ctops.server.accounts;

import io.ctops.server.auth.HostScope;
import io.ctops.server.groups.HostSelector;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * What the product knows of accounts on hosts: a host's accounts with their SSH keys and the
 * agent's notes, and the fleet's accounts filtered by login, kind, privilege, keys and hosts,
 * within the asking user's scope. The filters map to fixed SQL pieces; user text is only bound.
 */
public final class AccountQuery {
  private AccountQuery() {}

  /** Which accounts a list shows. */
  public record Filter(
      Optional<String> login,
      Optional<String> type,
      boolean canLogIn,
      boolean privileged,
      boolean hasKeys,
      Optional<String> fingerprint,
      boolean withRemoved,
      HostSelector selector,
      int page,
      int size) {
    public static final int MAX_SIZE = 500;
    static final List<String> TYPES = List.of("human", "service", "system");

    public Filter {
      login = login.map(String::strip).filter(l -> !l.isEmpty());
      if (login.isPresent() && login.get().length() > 256) {
        throw new IllegalArgumentException("a login is at most 256 characters");
      }
      type = type.map(t -> t.strip().toLowerCase(Locale.ROOT)).filter(t -> !t.isEmpty());
      if (type.isPresent() && !TYPES.contains(type.get())) {
        throw new IllegalArgumentException("type is one of human, service, system");
      }
      if (page < 1 || size < 1 || size > MAX_SIZE) {
        throw new IllegalArgumentException("page is 1 or more and size between 1 and " + MAX_SIZE);
      }
    }

    /** Every account of the hosts, removed ones too (a host's tab). */
    static Filter everything(int size) {
      return new Filter(
          Optional.empty(),
          Optional.empty(),
          false,
          false,
          false,
          Optional.empty(),
          true,
          HostSelector.ALL,
          1,
          size);
    }

    /** The same filter, removed accounts shown too (a host's tab shows them unless asked not). */
    Filter includingRemoved() {
      return new Filter(
          login, type, canLogIn, privileged, hasKeys, fingerprint, true, selector, page, size);
    }

    Filter page(int number) {
      return new Filter(
          login,
          type,
          canLogIn,
          privileged,
          hasKeys,
          fingerprint,
          withRemoved,
          selector,
          number,
          size);
    }
  }

  /** An SSH key that opens an account (never the key itself). */
  public record Key(
      String fingerprint,
      String keyType,
      Optional<Integer> bits,
      String comment,
      String filePath,
      String keySource,
      Optional<Instant> removedAt) {}

  /** An account on a host. */
  public record Account(
      UUID hostId,
      String hostname,
      String username,
      Optional<Long> uid,
      Optional<Long> gid,
      String home,
      String shell,
      String type,
      boolean canLogIn,
      boolean privileged,
      List<String> privilegedBy,
      List<String> groups,
      boolean domain,
      Optional<Boolean> locked,
      Optional<Boolean> passwordSet,
      Optional<Instant> passwordLastChanged,
      Optional<Instant> passwordExpiresAt,
      Optional<Instant> accountExpiresAt,
      Optional<Instant> lastLoginAt,
      Optional<Boolean> hasRunningProcesses,
      Instant firstSeen,
      Instant lastSeen,
      Optional<Instant> removedAt,
      long keyCount,
      List<Key> keys) {
    public boolean isRemoved() {
      return removedAt.isPresent();
    }
  }

  /** A report a host's agent sent: accounts or keys, when, its counts and notes. */
  public record Report(
      String kind,
      String checkName,
      Instant reportedAt,
      int listed,
      int total,
      int omitted,
      int skipped,
      List<String> notes) {}

  public record Page(List<Account> accounts, long total) {}

  /** A host's accounts (removed ones too, last), each with its keys, and the agent's reports. */
  public record HostView(
      List<Account> accounts, List<Key> keysWithoutAccount, List<Report> reports) {}

  public static HostView forHost(Handle handle, UUID orgId, UUID hostId, Filter filter) {
    Filter onHost =
        new Filter(
            filter.login(),
            filter.type(),
            filter.canLogIn(),
            filter.privileged(),
            filter.hasKeys(),
            filter.fingerprint(),
            filter.withRemoved(),
            new HostSelector.OneHost(hostId),
            1,
            Filter.MAX_SIZE);
    List<Account> listed =
        list(handle, orgId, HostScope.ORGANISATION, onHost, "a.removed_at IS NOT NULL, a.username");
    Map<String, List<Key>> keys = new HashMap<>();
    List<Key> without = new ArrayList<>();
    handle
        .createQuery(
            """
            SELECT k.*, (k.username <> '' AND EXISTS (SELECT 1 FROM host_accounts a
                        WHERE a.host_id = k.host_id AND a.username = k.username)) AS has_account
              FROM host_ssh_keys k WHERE k.host_id = :host
             ORDER BY k.removed_at IS NOT NULL, k.file_path, k.fingerprint
            """)
        .bind("host", hostId)
        .map(
            (rs, ctx) -> {
              Key key = key(rs);
              if (rs.getBoolean("has_account")) {
                keys.computeIfAbsent(rs.getString("username"), u -> new ArrayList<>()).add(key);
              } else {
                without.add(key);
              }
              return key;
            })
        .list();
    List<Account> accounts =
        listed.stream().map(a -> withKeys(a, keys.getOrDefault(a.username(), List.of()))).toList();
    List<Report> reports =
        handle
            .createQuery(
                """
                SELECT r.*, c.name AS check_name FROM host_account_reports r
                  JOIN checks c ON c.id = r.check_id
                 WHERE r.host_id = :host ORDER BY r.kind, c.name
                """)
            .bind("host", hostId)
            .map(
                (rs, ctx) ->
                    new Report(
                        rs.getString("kind"),
                        rs.getString("check_name"),
                        rs.getTimestamp("reported_at").toInstant(),
                        rs.getInt("listed"),
                        rs.getInt("total"),
                        rs.getInt("omitted"),
                        rs.getInt("skipped"),
                        strings(rs.getArray("notes"))))
            .list();
    return new HostView(accounts, without, reports);
  }

  public static Page fleet(Handle handle, UUID orgId, HostScope scope, Filter filter) {
    long total =
        bind(handle.createQuery("SELECT count(*)" + from(scope, filter)), orgId, scope, filter)
            .mapTo(Long.class)
            .one();
    return new Page(list(handle, orgId, scope, filter, "h.hostname, a.username"), total);
  }

  private static List<Account> list(
      Handle handle, UUID orgId, HostScope scope, Filter filter, String order) {
    return bind(
            handle.createQuery(
                """
                SELECT a.*, h.hostname,
                       (SELECT count(*) FROM host_ssh_keys k WHERE k.host_id = a.host_id
                           AND k.username = a.username AND k.removed_at IS NULL) AS key_count
                """
                    + from(scope, filter)
                    + " ORDER BY "
                    + order
                    + " LIMIT :limit OFFSET :offset"),
            orgId,
            scope,
            filter)
        .bind("limit", filter.size())
        .bind("offset", (long) (filter.page() - 1) * filter.size())
        .map((rs, ctx) -> account(rs))
        .list();
  }

  private static final String KEY_OF_ACCOUNT =
      "SELECT 1 FROM host_ssh_keys k WHERE k.host_id = a.host_id AND k.username = a.username"
          + " AND k.removed_at IS NULL";

  /** The accounts of the filter's hosts within the scope, by the filter's pieces. */
  private static String from(HostScope scope, Filter filter) {
    StringBuilder sql =
        new StringBuilder(
            " FROM host_accounts a JOIN hosts h ON h.id = a.host_id"
                + " WHERE h.org_id = :org AND h.deleted_at IS NULL AND ");
    sql.append(filter.selector().condition()).append(scope.filter("h.id"));
    if (filter.login().isPresent()) {
      sql.append(" AND strpos(lower(a.username), lower(:login)) > 0");
    }
    if (filter.type().isPresent()) {
      sql.append(" AND a.account_type = :type");
    }
    if (filter.canLogIn()) {
      sql.append(" AND a.can_log_in");
    }
    if (filter.privileged()) {
      sql.append(" AND a.privileged");
    }
    if (filter.hasKeys()) {
      sql.append(" AND EXISTS (").append(KEY_OF_ACCOUNT).append(")");
    }
    if (filter.fingerprint().isPresent()) {
      sql.append(" AND EXISTS (").append(KEY_OF_ACCOUNT).append(" AND k.fingerprint = :fp)");
    }
    if (!filter.withRemoved()) {
      sql.append(" AND a.removed_at IS NULL");
    }
    return sql.toString();
  }

  private static Query bind(Query query, UUID orgId, HostScope scope, Filter filter) {
    filter.login().ifPresent(login -> query.bind("login", login));
    filter.type().ifPresent(type -> query.bind("type", type));
    filter.fingerprint().ifPresent(fp -> query.bind("fp", fp));
    return scope.bind(filter.selector().bind(query)).bind("org", orgId);
  }

  private static Account withKeys(Account a, List<Key> keys) {
    return new Account(
        a.hostId(),
        a.hostname(),
        a.username(),
        a.uid(),
        a.gid(),
        a.home(),
        a.shell(),
        a.type(),
        a.canLogIn(),
        a.privileged(),
        a.privilegedBy(),
        a.groups(),
        a.domain(),
        a.locked(),
        a.passwordSet(),
        a.passwordLastChanged(),
        a.passwordExpiresAt(),
        a.accountExpiresAt(),
        a.lastLoginAt(),
        a.hasRunningProcesses(),
        a.firstSeen(),
        a.lastSeen(),
        a.removedAt(),
        a.keyCount(),
        keys);
  }

  private static Account account(ResultSet rs) throws SQLException {
    return new Account(
        rs.getObject("host_id", UUID.class),
        rs.getString("hostname"),
        rs.getString("username"),
        Optional.ofNullable(rs.getObject("uid", Long.class)),
        Optional.ofNullable(rs.getObject("gid", Long.class)),
        rs.getString("home"),
        rs.getString("shell"),
        rs.getString("account_type"),
        rs.getBoolean("can_log_in"),
        rs.getBoolean("privileged"),
        strings(rs.getArray("privileged_by")),
        strings(rs.getArray("groups")),
        rs.getBoolean("is_domain"),
        Optional.ofNullable(rs.getObject("locked", Boolean.class)),
        Optional.ofNullable(rs.getObject("password_set", Boolean.class)),
        time(rs.getTimestamp("password_last_changed")),
        time(rs.getTimestamp("password_expires_at")),
        time(rs.getTimestamp("account_expires_at")),
        time(rs.getTimestamp("last_login_at")),
        Optional.ofNullable(rs.getObject("has_running_processes", Boolean.class)),
        rs.getTimestamp("first_seen").toInstant(),
        rs.getTimestamp("last_seen").toInstant(),
        time(rs.getTimestamp("removed_at")),
        rs.getLong("key_count"),
        List.of());
  }

  private static Key key(ResultSet rs) throws SQLException {
    int bits = rs.getInt("bits");
    boolean noBits = rs.wasNull();
    return new Key(
        rs.getString("fingerprint"),
        rs.getString("key_type"),
        noBits ? Optional.empty() : Optional.of(bits),
        rs.getString("comment"),
        rs.getString("file_path"),
        rs.getString("key_source"),
        time(rs.getTimestamp("removed_at")));
  }

  private static Optional<Instant> time(Timestamp at) {
    return Optional.ofNullable(at).map(Timestamp::toInstant);
  }

  private static List<String> strings(Array array) throws SQLException {
    return array == null ? List.of() : List.of((String[]) array.getArray());
  }
}
