package io.ctops.server.enrolment;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * Enrolment tokens: the secret an agent presents to register. Only the token's SHA-256 is stored;
 * the plain token exists once, in the answer to {@link #create}. SHA-256 without salt is right here
 * because a token is 256 random bits, not a password: there is nothing to brute-force.
 */
public final class EnrolmentTokens {
  static final String PREFIX = "ctops_";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String COMMAND_LINE = "command line";

  private final Jdbi jdbi;
  private final Clock clock;

  public EnrolmentTokens(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** A token as stored, with its organisation's name for display. */
  public record EnrolmentToken(
      UUID id,
      UUID orgId,
      String orgName,
      String name,
      String hint,
      boolean autoApprove,
      Optional<Instant> expiresAt,
      Optional<Integer> maxUses,
      int useCount,
      Optional<Instant> revokedAt,
      Instant createdAt) {

    public State state(Instant now) {
      if (revokedAt.isPresent()) {
        return State.REVOKED;
      }
      if (expiresAt.isPresent() && !expiresAt.get().isAfter(now)) {
        return State.EXPIRED;
      }
      if (maxUses.isPresent() && useCount >= maxUses.get()) {
        return State.EXHAUSTED;
      }
      return State.ACTIVE;
    }
  }

  /** Why a token can or cannot enrol an agent now. */
  public enum State {
    ACTIVE,
    EXPIRED,
    REVOKED,
    EXHAUSTED
  }

  /** What a user asks for when creating a token. */
  public record TokenRequest(
      UUID orgId,
      String name,
      boolean autoApprove,
      Optional<Instant> expiresAt,
      Optional<Integer> maxUses) {

    public TokenRequest {
      if (name == null || name.isBlank() || name.length() > 200) {
        throw new IllegalArgumentException("a token name must be 1 to 200 characters");
      }
      if (name.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException("a token name must not contain control characters");
      }
      if (maxUses.isPresent() && maxUses.get() < 1) {
        throw new IllegalArgumentException("max uses must be at least 1");
      }
    }
  }

  /** The stored token and the plain secret, which is never shown again. */
  public record CreatedToken(EnrolmentToken token, String plainToken) {}

  /** Outcome of a revocation. */
  public sealed interface Revocation {
    record Revoked(EnrolmentToken token) implements Revocation {}

    record AlreadyRevoked(EnrolmentToken token) implements Revocation {}

    record NotFound(UUID id) implements Revocation {}
  }

  /** A token made with the command line ({@code ctops token create}, quickstart). */
  public CreatedToken create(TokenRequest request) {
    return create(request, Actor.system(COMMAND_LINE));
  }

  /** A new token, recorded in the audit log with its settings and hint, never the token. */
  public CreatedToken create(TokenRequest request, Actor by) {
    Instant now = clock.instant();
    if (request.expiresAt().isPresent() && !request.expiresAt().get().isAfter(now)) {
      throw new IllegalArgumentException("the expiry must be in the future");
    }
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String plain = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    UUID id =
        jdbi.inTransaction(
            handle -> {
              UUID created =
                  handle
                      .createUpdate(
                          """
                        INSERT INTO enrolment_tokens
                            (org_id, name, token_hash, token_hint, auto_approve, expires_at,
                             max_uses, created_at)
                        VALUES (:org, :name, :hash, :hint, :autoApprove, :expiresAt, :maxUses, :now)
                        """)
                      .bind("org", request.orgId())
                      .bind("name", request.name().strip())
                      .bind("hash", hash(plain))
                      .bind("hint", hintOf(plain))
                      .bind("autoApprove", request.autoApprove())
                      .bind("expiresAt", request.expiresAt().map(Timestamp::from).orElse(null))
                      .bind("maxUses", request.maxUses().orElse(null))
                      .bind("now", Timestamp.from(now))
                      .executeAndReturnGeneratedKeys("id")
                      .mapTo(UUID.class)
                      .one();
              AuditLog.record(
                  handle,
                  AuditEntry.of(request.orgId(), by, AuditAction.TOKEN_CREATE)
                      .target(Target.token(created, request.name().strip()))
                      .param("hint", hintOf(plain))
                      .param("auto_approve", request.autoApprove())
                      .param("expires_at", request.expiresAt().map(Instant::toString).orElse(null))
                      .param("max_uses", request.maxUses().orElse(null)));
              return created;
            });
    return new CreatedToken(find(id).orElseThrow(), plain);
  }

  public Optional<EnrolmentToken> find(UUID id) {
    return jdbi.withHandle(handle -> find(handle, id));
  }

  /** The token whose secret this is (for a holder that kept the secret, like quickstart). */
  public Optional<EnrolmentToken> findBySecret(String plainToken) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(SELECT + " WHERE t.token_hash = :hash")
                .bind("hash", hash(plainToken))
                .map(MAPPER)
                .findOne());
  }

  static Optional<EnrolmentToken> find(Handle handle, UUID id) {
    return handle.createQuery(SELECT + " WHERE t.id = :id").bind("id", id).map(MAPPER).findOne();
  }

  /** Tokens newest first, of one organisation or of all. */
  public List<EnrolmentToken> list(Optional<UUID> orgId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    SELECT
                        + " WHERE (CAST(:org AS uuid) IS NULL OR t.org_id = :org)"
                        + " ORDER BY t.created_at DESC, t.id")
                .bind("org", orgId.orElse(null))
                .map(MAPPER)
                .list());
  }

  /** A revocation with the command line ({@code ctops token revoke}) as the actor. */
  public Revocation revoke(UUID id) {
    return revoke(id, Actor.system(COMMAND_LINE));
  }

  public Revocation revoke(UUID id, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          Optional<EnrolmentToken> token =
              handle
                  .createQuery(SELECT + " WHERE t.id = :id FOR UPDATE OF t")
                  .bind("id", id)
                  .map(MAPPER)
                  .findOne();
          if (token.isEmpty()) {
            return new Revocation.NotFound(id);
          }
          AuditEntry entry =
              AuditEntry.of(token.get().orgId(), by, AuditAction.TOKEN_REVOKE)
                  .target(Target.token(id, token.get().name()));
          if (token.get().revokedAt().isPresent()) {
            AuditLog.record(handle, entry.failed("the token is already revoked"));
            return new Revocation.AlreadyRevoked(token.get());
          }
          handle
              .createUpdate("UPDATE enrolment_tokens SET revoked_at = :now WHERE id = :id")
              .bind("now", Timestamp.from(clock.instant()))
              .bind("id", id)
              .execute();
          AuditLog.record(handle, entry);
          return new Revocation.Revoked(
              handle.createQuery(SELECT + " WHERE t.id = :id").bind("id", id).map(MAPPER).one());
        });
  }

  static byte[] hash(String plainToken) {
    try {
      return MessageDigest.getInstance("SHA-256")
          .digest(plainToken.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Enough of the token to tell tokens apart in a list, too little to guess it. */
  static String hintOf(String plainToken) {
    return PREFIX + "…" + plainToken.substring(plainToken.length() - 4);
  }

  private static final String SELECT =
      """
      SELECT t.id, t.org_id, o.name AS org_name, t.name, t.token_hint, t.auto_approve,
             t.expires_at, t.max_uses,
             t.use_count + coalesce((SELECT sum(u.uses) FROM enrolment_token_uses u
                                      WHERE u.token_id = t.id), 0) AS use_count,
             t.revoked_at, t.created_at
      FROM enrolment_tokens t
      JOIN organisations o ON o.id = t.org_id
      """;

  private static final RowMapper<EnrolmentToken> MAPPER =
      (rs, ctx) ->
          new EnrolmentToken(
              rs.getObject("id", UUID.class),
              rs.getObject("org_id", UUID.class),
              rs.getString("org_name"),
              rs.getString("name"),
              rs.getString("token_hint"),
              rs.getBoolean("auto_approve"),
              Optional.ofNullable(rs.getTimestamp("expires_at")).map(Timestamp::toInstant),
              Optional.ofNullable((Integer) rs.getObject("max_uses")),
              rs.getInt("use_count"),
              Optional.ofNullable(rs.getTimestamp("revoked_at")).map(Timestamp::toInstant),
              rs.getTimestamp("created_at").toInstant());
}
