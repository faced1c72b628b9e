package io.ctops.server.auth;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The people who sign in: one organisation each, one role in it (on the whole organisation, or on
 * some groups only: {@link UserScopes}).
 */
public final class Users {
  static final int MIN_PASSWORD_LENGTH = 12;
  static final String LAST_ADMIN = "the organisation must keep at least one admin";

  private final Jdbi jdbi;
  private final PasswordHashing passwords;
  private final Clock clock;

  public Users(Jdbi jdbi, PasswordHashing passwords, Clock clock) {
    this.jdbi = jdbi;
    this.passwords = passwords;
    this.clock = clock;
  }

  public record User(
      UUID id, UUID orgId, String email, String displayName, Role role, Instant createdAt) {}

  /** A user as entered in a form, checked before anything is written. */
  public record NewUser(String email, String displayName, String password, Role role) {
    public NewUser {
      email = email == null ? "" : email.strip();
      displayName = displayName == null || displayName.isBlank() ? null : displayName.strip();
      checkEmail(email);
      if (displayName != null && displayName.length() > 200) {
        throw new IllegalArgumentException("a display name must be at most 200 characters");
      }
      checkPassword(password);
      if (role == null) {
        throw new IllegalArgumentException("choose a role");
      }
    }
  }

  /** Outcome of creating a user. */
  public sealed interface Creation {
    record Created(User user) implements Creation {}

    record EmailTaken(String email) implements Creation {}
  }

  public boolean anyExist() {
    return jdbi.withHandle(
        h -> h.createQuery("SELECT EXISTS (SELECT 1 FROM users)").mapTo(Boolean.class).one());
  }

  /**
   * Creates the first account of an installation, in the default organisation, only while no user
   * exists (two browsers racing on the setup page cannot both win: the table lock serialises them).
   * Set-up and quickstart make it a super admin: only a super admin grants super admin, so without
   * one no other organisation could ever be reached.
   */
  public Optional<User> createFirstAdmin(NewUser user, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          handle.execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE");
          if (handle
              .createQuery("SELECT EXISTS (SELECT 1 FROM users)")
              .mapTo(Boolean.class)
              .one()) {
            return Optional.empty();
          }
          UUID org =
              handle
                  .createQuery("SELECT id FROM organisations ORDER BY created_at, id LIMIT 1")
                  .mapTo(UUID.class)
                  .one();
          User created = insert(handle, org, user);
          AuditLog.record(
              handle,
              creation(org, by, created.email(), user.role())
                  .target(Target.user(created.id(), created.email())));
          return Optional.of(created);
        });
  }

  public Creation create(UUID orgId, NewUser user, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          AuditEntry entry = creation(orgId, by, user.email(), user.role());
          if (findByEmail(handle, user.email()).isPresent()) {
            AuditLog.record(handle, entry.failed("an account with this email already exists"));
            return new Creation.EmailTaken(user.email());
          }
          User created = insert(handle, orgId, user);
          AuditLog.record(handle, entry.target(Target.user(created.id(), created.email())));
          return new Creation.Created(created);
        });
  }

  private static AuditEntry creation(UUID orgId, Actor by, String email, Role role) {
    return AuditEntry.of(orgId, by, AuditAction.USER_CREATE)
        .param("email", email)
        .param("role", role.dbName());
  }

  private User insert(Handle handle, UUID orgId, NewUser user) {
    return handle
        .createQuery(
            """
            INSERT INTO users (org_id, email, display_name, password_hash, role, created_at)
            VALUES (:org, :email, :name, :hash, :role, :now)
            RETURNING id, org_id, email, display_name, role, created_at
            """)
        .bind("org", orgId)
        .bind("email", user.email())
        .bind("name", user.displayName())
        .bind("hash", passwords.hash(user.password()))
        .bind("role", user.role().dbName())
        .bind("now", Timestamp.from(clock.instant()))
        .map(Users::map)
        .one();
  }

  public List<User> list(UUID orgId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT id, org_id, email, display_name, role, created_at FROM users"
                        + " WHERE org_id = :org AND disabled_at IS NULL ORDER BY lower(email)")
                .bind("org", orgId)
                .map(Users::map)
                .list());
  }

  public Optional<User> find(UUID orgId, UUID userId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT id, org_id, email, display_name, role, created_at FROM users"
                        + " WHERE id = :id AND org_id = :org AND disabled_at IS NULL")
                .bind("id", userId)
                .bind("org", orgId)
                .map(Users::map)
                .findOne());
  }

  /** The account and its password hash for a sign-in attempt. */
  public record Credentials(UUID userId, UUID orgId, String passwordHash) {}

  public Optional<Credentials> credentials(String email) {
    if (email == null || email.length() > 320 || email.indexOf('\0') >= 0) {
      return Optional.empty(); // no account has such an email, and PostgreSQL text holds no NUL
    }
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT id, org_id, password_hash FROM users"
                        + " WHERE lower(email) = :email AND disabled_at IS NULL")
                .bind("email", email == null ? "" : email.strip().toLowerCase(Locale.ROOT))
                .map(
                    (rs, ctx) ->
                        new Credentials(
                            rs.getObject(1, UUID.class),
                            rs.getObject(2, UUID.class),
                            rs.getString(3)))
                .findOne());
  }

  /** The account with this email (any case), wherever it is. */
  public Optional<User> byEmail(String email) {
    if (email == null || email.length() > 320 || email.indexOf('\0') >= 0) {
      return Optional.empty();
    }
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT id, org_id, email, display_name, role, created_at FROM users"
                        + " WHERE lower(email) = :email AND disabled_at IS NULL")
                .bind("email", email.strip().toLowerCase(Locale.ROOT))
                .map(Users::map)
                .findOne());
  }

  /** A user as an operator lists them: with their organisation and last sign-in. */
  public record Account(User user, String orgName, Optional<Instant> lastSignInAt) {}

  /** Every live account, or one organisation's, by organisation then email. */
  public List<Account> accounts(Optional<UUID> orgId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    """
                    SELECT u.id, u.org_id, u.email, u.display_name, u.role, u.created_at,
                           u.last_sign_in_at, o.name AS org_name
                      FROM users u JOIN organisations o ON o.id = u.org_id
                     WHERE u.disabled_at IS NULL AND (CAST(:org AS uuid) IS NULL OR u.org_id = :org)
                     ORDER BY lower(o.name), lower(u.email)
                    """)
                .bind("org", orgId.orElse(null))
                .map(
                    (rs, ctx) ->
                        new Account(
                            map(rs, ctx),
                            rs.getString("org_name"),
                            Optional.ofNullable(rs.getTimestamp("last_sign_in_at"))
                                .map(Timestamp::toInstant)))
                .list());
  }

  /** Notes a successful sign-in, shown by {@code ctops user list}. */
  public void signedIn(UUID userId) {
    jdbi.useHandle(
        handle ->
            handle
                .createUpdate("UPDATE users SET last_sign_in_at = :now WHERE id = :id")
                .bind("now", Timestamp.from(clock.instant()))
                .bind("id", userId)
                .execute());
  }

  /** Outcome of changing or removing a user. */
  public sealed interface Change {
    record Done() implements Change {}

    record NotFound() implements Change {}

    record Refused(String reason) implements Change {}
  }

  public Change changeRole(UUID orgId, UUID userId, Role role, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          Optional<User> user = lock(handle, orgId, userId);
          if (user.isEmpty()) {
            return new Change.NotFound();
          }
          AuditEntry entry =
              AuditEntry.of(orgId, by, AuditAction.USER_ROLE_CHANGE)
                  .target(Target.user(userId, user.get().email()))
                  .param("from", user.get().role().dbName())
                  .param("to", role.dbName());
          if (user.get().role().isAdmin() && !role.isAdmin() && lastAdmin(handle, orgId)) {
            return refused(handle, entry, LAST_ADMIN);
          }
          handle
              .createUpdate("UPDATE users SET role = :role WHERE id = :id")
              .bind("role", role.dbName())
              .bind("id", userId)
              .execute();
          AuditLog.record(handle, entry);
          // a role for the organisation is a role on all of it: a user scoped to groups loses them
          UserScopes.scopeToOrganisation(handle, orgId, user.get(), by);
          return new Change.Done();
        });
  }

  public Change remove(UUID orgId, UUID userId, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          Optional<User> user = lock(handle, orgId, userId);
          if (user.isEmpty()) {
            return new Change.NotFound();
          }
          AuditEntry entry =
              AuditEntry.of(orgId, by, AuditAction.USER_REMOVE)
                  .target(Target.user(userId, user.get().email()))
                  .param("role", user.get().role().dbName());
          if (user.get().role().isAdmin() && lastAdmin(handle, orgId)) {
            return refused(handle, entry, LAST_ADMIN);
          }
          handle.createUpdate("DELETE FROM users WHERE id = :id").bind("id", userId).execute();
          AuditLog.record(handle, entry);
          return new Change.Done();
        });
  }

  private static Change refused(Handle handle, AuditEntry entry, String reason) {
    AuditLog.record(handle, entry.failed(reason));
    return new Change.Refused(reason);
  }

  /** Sets the user's own password (ending their other sessions); the log says so, not what. */
  public void changePassword(UUID userId, UUID orgId, String password, Actor by) {
    checkPassword(password);
    jdbi.useTransaction(
        handle -> {
          handle
              .createUpdate("UPDATE users SET password_hash = :hash WHERE id = :id")
              .bind("hash", passwords.hash(password))
              .bind("id", userId)
              .execute();
          // every other session of the account ends with the old password
          handle
              .createUpdate("DELETE FROM web_sessions WHERE user_id = :id")
              .bind("id", userId)
              .execute();
          AuditLog.record(
              handle,
              AuditEntry.of(orgId, by, AuditAction.PASSWORD_CHANGE)
                  .target(Target.user(userId, by.name())));
        });
  }

  static Optional<User> lock(Handle handle, UUID orgId, UUID userId) {
    // admins of one organisation change one at a time, so "the last admin" is decided once
    handle
        .createQuery("SELECT id FROM organisations WHERE id = :org FOR UPDATE")
        .bind("org", orgId)
        .mapTo(UUID.class)
        .findOne();
    return handle
        .createQuery(
            "SELECT id, org_id, email, display_name, role, created_at FROM users"
                + " WHERE id = :id AND org_id = :org AND disabled_at IS NULL")
        .bind("id", userId)
        .bind("org", orgId)
        .map(Users::map)
        .findOne();
  }

  static boolean lastAdmin(Handle handle, UUID orgId) {
    return handle
            .createQuery(
                "SELECT count(*) FROM users WHERE org_id = :org AND disabled_at IS NULL"
                    + " AND role IN ('org_admin', 'super_admin')")
            .bind("org", orgId)
            .mapTo(Integer.class)
            .one()
        <= 1;
  }

  private static Optional<User> findByEmail(Handle handle, String email) {
    return handle
        .createQuery(
            "SELECT id, org_id, email, display_name, role, created_at FROM users"
                + " WHERE lower(email) = :email")
        .bind("email", email.toLowerCase(Locale.ROOT))
        .map(Users::map)
        .findOne();
  }

  static void checkEmail(String email) {
    if (email.length() < 3 || email.length() > 320 || !email.matches("[^@\\s]+@[^@\\s]+")) {
      throw new IllegalArgumentException("enter a valid email address");
    }
  }

  /** The web app's password rule: 12 to 1024 characters. */
  public static void checkPassword(String password) {
    if (password == null || password.length() < MIN_PASSWORD_LENGTH) {
      throw new IllegalArgumentException(
          "a password must be at least " + MIN_PASSWORD_LENGTH + " characters");
    }
    if (password.length() > 1024) {
      throw new IllegalArgumentException("a password must be at most 1024 characters");
    }
  }

  private static User map(ResultSet rs, StatementContext ctx) throws SQLException {
    return new User(
        rs.getObject("id", UUID.class),
        rs.getObject("org_id", UUID.class),
        rs.getString("email"),
        rs.getString("display_name"),
        Role.fromDb(rs.getString("role")),
        rs.getTimestamp("created_at").toInstant());
  }
}
