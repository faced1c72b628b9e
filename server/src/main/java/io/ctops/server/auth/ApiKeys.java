package io.ctops.server.auth;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Personal API keys for scripts ({@code Authorization: Bearer ctops_…}). A key acts as its owner
 * with the owner's current role; only its SHA-256 is stored, the plain key is shown once.
 */
public final class ApiKeys {
  public static final String PREFIX = "ctops_";

  private final Jdbi jdbi;
  private final Clock clock;

  public ApiKeys(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  public record ApiKey(
      UUID id,
      String name,
      String hint,
      Instant createdAt,
      Optional<Instant> lastUsedAt,
      Optional<Instant> revokedAt,
      Optional<Instant> expiresAt) {

    /** "active", "revoked" or "expired", as the profile page shows it. */
    public String state(Instant now) {
      if (revokedAt.isPresent()) {
        return "revoked";
      }
      return expiresAt.filter(at -> !at.isAfter(now)).isPresent() ? "expired" : "active";
    }
  }

  public record CreatedKey(ApiKey key, String plainKey) {}

  /** A new key of the user's, recorded (by name, never the key) in the organisation's log. */
  public CreatedKey create(UUID userId, UUID orgId, String name, Actor by) {
    return create(userId, orgId, name, by, Optional.empty());
  }

  /** Likewise, a key that stops working at {@code expiresAt} when given. */
  public CreatedKey create(
      UUID userId, UUID orgId, String name, Actor by, Optional<Instant> expiresAt) {
    if (name == null || name.isBlank() || name.length() > 200) {
      throw new IllegalArgumentException("a key name must be 1 to 200 characters");
    }
    if (name.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("a key name must not contain control characters");
    }
    String plain = SecretTokens.generate(PREFIX);
    UUID id =
        jdbi.inTransaction(
            handle -> {
              UUID created =
                  handle
                      .createQuery(
                          """
                          INSERT INTO api_keys (user_id, name, key_hash, key_hint, created_at,
                                                expires_at)
                          VALUES (:user, :name, :hash, :hint, :now, :expires) RETURNING id
                          """)
                      .bind("user", userId)
                      .bind("name", name.strip())
                      .bind("hash", SecretTokens.sha256(plain))
                      .bind("hint", plain.substring(plain.length() - 4))
                      .bind("now", Timestamp.from(clock.instant()))
                      .bind("expires", expiresAt.map(Timestamp::from).orElse(null))
                      .mapTo(UUID.class)
                      .one();
              AuditLog.record(
                  handle,
                  AuditEntry.of(orgId, by, AuditAction.API_KEY_CREATE)
                      .target(Target.apiKey(created, name.strip()))
                      .param("hint", plain.substring(plain.length() - 4))
                      .param("expires_at", expiresAt.map(Instant::toString).orElse(null)));
              return created;
            });
    return new CreatedKey(
        list(userId).stream().filter(k -> k.id().equals(id)).findFirst().orElseThrow(), plain);
  }

  public List<ApiKey> list(UUID userId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    """
                    SELECT id, name, key_hint, created_at, last_used_at, revoked_at, expires_at
                      FROM api_keys WHERE user_id = :user ORDER BY created_at DESC
                    """)
                .bind("user", userId)
                .map(
                    (rs, ctx) ->
                        new ApiKey(
                            rs.getObject("id", UUID.class),
                            rs.getString("name"),
                            rs.getString("key_hint"),
                            rs.getTimestamp("created_at").toInstant(),
                            Optional.ofNullable(rs.getTimestamp("last_used_at"))
                                .map(Timestamp::toInstant),
                            Optional.ofNullable(rs.getTimestamp("revoked_at"))
                                .map(Timestamp::toInstant),
                            Optional.ofNullable(rs.getTimestamp("expires_at"))
                                .map(Timestamp::toInstant)))
                .list());
  }

  /** Revokes one of the user's own keys; false when there is no such live key. */
  public boolean revoke(UUID userId, UUID orgId, UUID keyId, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          Optional<String> revoked =
              handle
                  .createQuery(
                      "UPDATE api_keys SET revoked_at = :now"
                          + " WHERE id = :id AND user_id = :user AND revoked_at IS NULL"
                          + " RETURNING name")
                  .bind("now", Timestamp.from(clock.instant()))
                  .bind("id", keyId)
                  .bind("user", userId)
                  .mapTo(String.class)
                  .findOne();
          revoked.ifPresent(
              name ->
                  AuditLog.record(
                      handle,
                      AuditEntry.of(orgId, by, AuditAction.API_KEY_REVOKE)
                          .target(Target.apiKey(keyId, name))));
          return revoked.isPresent();
        });
  }

  /** The owner of a live key. */
  public Optional<Principal> authenticate(String plain) {
    if (plain == null || !plain.startsWith(PREFIX) || plain.length() > 100) {
      return Optional.empty();
    }
    byte[] hash = SecretTokens.sha256(plain);
    return jdbi.withHandle(
        handle -> {
          Optional<Principal> principal =
              handle
                  .createQuery(
                      Sessions.PRINCIPAL_COLUMNS
                          + ", k.id AS key_id, k.name AS key_name"
                          + Sessions.PRINCIPAL_FROM
                          + """
                            JOIN api_keys k ON k.user_id = u.id
                           WHERE k.key_hash = :hash AND k.revoked_at IS NULL
                             AND (k.expires_at IS NULL OR k.expires_at > :now)
                             AND u.disabled_at IS NULL
                          """)
                  .bind("hash", hash)
                  .bind("now", Timestamp.from(clock.instant()))
                  .map(
                      (rs, ctx) ->
                          Sessions.principal(
                              rs,
                              "",
                              Optional.of(
                                  new Principal.ApiKeyUsed(
                                      rs.getObject("key_id", UUID.class),
                                      rs.getString("key_name")))))
                  .findOne();
          if (principal.isPresent()) {
            handle
                .createUpdate("UPDATE api_keys SET last_used_at = :now WHERE key_hash = :hash")
                .bind("now", Timestamp.from(clock.instant()))
                .bind("hash", hash)
                .execute();
          }
          return principal;
        });
  }
}
