package io.ctops.server.auth;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Browser sessions kept in PostgreSQL, so any web instance serves any browser and a restart signs
 * nobody out. The cookie carries a random secret; the table holds its SHA-256. A session ends after
 * {@code idle} without a request, and after at most {@link #ABSOLUTE_LIFETIME} whatever happens.
 */
public final class Sessions {
  static final Duration ABSOLUTE_LIFETIME = Duration.ofDays(7);

  /** Refreshing the activity time on every request would write on every page load. */
  private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

  static final String PRINCIPAL_COLUMNS =
      "SELECT u.id AS user_id, u.org_id, o.name AS org_name, u.email, u.display_name, u.role, "
          + Sessions.SCOPE_COLUMNS;

  /** The user's host scope: whole organisation or groups, and the role on each group. */
  static final String SCOPE_COLUMNS =
      "u.host_scope, ARRAY(SELECT r.group_id::text || ' ' || r.role FROM user_group_roles r"
          + " WHERE r.user_id = u.id) AS group_roles";

  static final String PRINCIPAL_FROM = " FROM users u JOIN organisations o ON o.id = u.org_id ";

  private final Jdbi jdbi;
  private final Clock clock;
  private final Duration idle;

  public Sessions(Jdbi jdbi, Clock clock, Duration idle) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.idle = idle;
  }

  /**
   * A new session, with its sign-in in the audit log (from {@code address}); the returned value
   * goes into the cookie and nowhere else.
   */
  public String start(UUID userId, String address) {
    String secret = SecretTokens.generate("");
    Instant now = clock.instant();
    jdbi.useTransaction(
        handle -> {
          handle
              .createUpdate(
                  """
                    INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at,
                                              last_active_at, expires_at)
                    VALUES (:hash, :user, :csrf, :now, :now, :expires)
                    """)
              .bind("hash", SecretTokens.sha256(secret))
              .bind("user", userId)
              .bind("csrf", SecretTokens.generate(""))
              .bind("now", Timestamp.from(now))
              .bind("expires", Timestamp.from(now.plus(ABSOLUTE_LIFETIME)))
              .execute();
          record Account(UUID orgId, String email) {}
          Account account =
              handle
                  .createQuery("SELECT org_id, email FROM users WHERE id = :id")
                  .bind("id", userId)
                  .map((rs, ctx) -> new Account(rs.getObject(1, UUID.class), rs.getString(2)))
                  .one();
          AuditLog.record(
              handle,
              AuditEntry.of(
                  account.orgId(),
                  Actor.user(userId, account.email(), address),
                  AuditAction.SIGN_IN));
        });
    return secret;
  }

  /** The signed-in user of a live session, extending its idle time. */
  public Optional<Principal> find(String secret) {
    if (secret == null || secret.isEmpty() || secret.length() > 100) {
      return Optional.empty();
    }
    byte[] hash = SecretTokens.sha256(secret);
    Instant now = clock.instant();
    return jdbi.inTransaction(
        handle -> {
          record Row(Principal principal, Instant lastActive) {}
          Optional<Row> row =
              handle
                  .createQuery(
                      """
                      SELECT u.id AS user_id, o.id AS org_id, o.name AS org_name, u.email,
                             u.display_name, u.role, s.csrf_token, s.last_active_at,
                             %s
                        FROM web_sessions s
                        JOIN users u ON u.id = s.user_id
                        JOIN organisations o
                          ON o.id = CASE WHEN u.role = 'super_admin'
                                         THEN coalesce(s.org_id, u.org_id) ELSE u.org_id END
                       WHERE s.token_hash = :hash AND s.expires_at > :now
                         AND s.last_active_at > :idleSince AND u.disabled_at IS NULL
                      """
                          .formatted(SCOPE_COLUMNS))
                  .bind("hash", hash)
                  .bind("now", Timestamp.from(now))
                  .bind("idleSince", Timestamp.from(now.minus(idle)))
                  .map(
                      (rs, ctx) ->
                          new Row(
                              principal(rs, rs.getString("csrf_token"), Optional.empty()),
                              rs.getTimestamp("last_active_at").toInstant()))
                  .findOne();
          row.filter(r -> r.lastActive().isBefore(now.minus(TOUCH_EVERY)))
              .ifPresent(
                  r ->
                      handle
                          .createUpdate(
                              "UPDATE web_sessions SET last_active_at = :now"
                                  + " WHERE token_hash = :hash")
                          .bind("now", Timestamp.from(now))
                          .bind("hash", hash)
                          .execute());
          return row.map(Row::principal);
        });
  }

  /** A super admin's session works in another organisation from now on. */
  public void actIn(String secret, UUID orgId) {
    jdbi.useHandle(
        handle ->
            handle
                .createUpdate("UPDATE web_sessions SET org_id = :org WHERE token_hash = :hash")
                .bind("org", orgId)
                .bind("hash", SecretTokens.sha256(secret))
                .execute());
  }

  public void end(String secret) {
    if (secret == null || secret.isEmpty()) {
      return;
    }
    jdbi.useHandle(
        handle ->
            handle
                .createUpdate("DELETE FROM web_sessions WHERE token_hash = :hash")
                .bind("hash", SecretTokens.sha256(secret))
                .execute());
  }

  /** Removes sessions that can no longer be used; returns how many. */
  public int purgeExpired() {
    Instant now = clock.instant();
    return jdbi.withHandle(
        handle ->
            handle
                .createUpdate(
                    "DELETE FROM web_sessions WHERE expires_at <= :now OR last_active_at <= :idle")
                .bind("now", Timestamp.from(now))
                .bind("idle", Timestamp.from(now.minus(idle)))
                .execute());
  }

  /** The principal of a row with {@link #PRINCIPAL_COLUMNS} (or the session query's). */
  static Principal principal(ResultSet rs, String csrf, Optional<Principal.ApiKeyUsed> apiKey)
      throws SQLException {
    return new Principal(
        rs.getObject("user_id", UUID.class),
        rs.getObject("org_id", UUID.class),
        rs.getString("org_name"),
        rs.getString("email"),
        rs.getString("display_name"),
        Role.fromDb(rs.getString("role")),
        scope(rs.getString("host_scope"), (String[]) rs.getArray("group_roles").getArray()),
        csrf,
        apiKey);
  }

  private static HostScope scope(String kind, String[] groupRoles) {
    if (kind.equals("organisation")) {
      return HostScope.ORGANISATION;
    }
    Map<UUID, Role> roles = new HashMap<>();
    for (String groupRole : groupRoles) {
      int space = groupRole.indexOf(' ');
      roles.put(
          UUID.fromString(groupRole.substring(0, space)),
          Role.fromDb(groupRole.substring(space + 1)));
    }
    return new HostScope.Groups(roles);
  }
}
