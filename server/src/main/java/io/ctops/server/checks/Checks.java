package io.ctops.server.checks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import io.ctops.server.auth.HostScope;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.groups.HostSelectors;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * An organisation's checks: create, change, delete, read. Every change is audited in its
 * transaction and announced ({@code NOTIFY checks_changed}), so ingest instances send the new set
 * to the agents concerned with their next heartbeat answer.
 */
public final class Checks {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where changes of definitions are announced; the payload is empty. */
  public static final String NOTIFY_CHANNEL = "checks_changed";

  private Checks() {}

  /** The check's name is taken in the organisation. */
  public static final class DuplicateNameException extends RuntimeException {
    DuplicateNameException() {
      super("another check has this name already; check names are unique in an organisation");
    }
  }

  public static List<Check> list(Handle handle, UUID orgId) {
    return handle
        .createQuery("SELECT * FROM checks WHERE org_id = :org ORDER BY lower(name), id")
        .bind("org", orgId)
        .map((rs, ctx) -> check(rs))
        .list();
  }

  public static Optional<Check> find(Handle handle, UUID orgId, UUID id) {
    return handle
        .createQuery("SELECT * FROM checks WHERE org_id = :org AND id = :id")
        .bind("org", orgId)
        .bind("id", id)
        .map((rs, ctx) -> check(rs))
        .findOne();
  }

  /** Saves a new check; the group or host its selector names must be the organisation's. */
  public static UUID create(
      Handle handle, UUID orgId, HostScope scope, Actor actor, CheckSpec spec) {
    requireWithin(handle, orgId, scope, spec.selector());
    UUID id;
    try {
      id =
          bind(
                  handle.createQuery(
                      """
                      INSERT INTO checks (org_id, name, check_type, config, interval_seconds,
                          selector, selector_terms, enabled, created_by)
                      VALUES (:org, :name, :type, CAST(:config AS jsonb), :interval,
                          CAST(:selector AS jsonb), :terms, :enabled, :createdBy)
                      RETURNING id
                      """),
                  spec)
              .bind("org", orgId)
              .bind("createdBy", actor.userId().orElse(null))
              .mapTo(UUID.class)
              .one();
    } catch (UnableToExecuteStatementException e) {
      throw duplicateOr(e);
    }
    announce(handle);
    AuditLog.record(
        handle,
        AuditEntry.of(orgId, actor, AuditAction.CHECK_CREATE)
            .target(Target.check(id, spec.name()))
            .param("type", spec.type())
            .param("config", spec.config().toString())
            .param("interval_seconds", spec.intervalSeconds())
            .param("selector", spec.selector().toJson().toString()));
    return id;
  }

  /** Replaces a check; false when it is not the organisation's. */
  public static boolean update(
      Handle handle, UUID orgId, HostScope scope, Actor actor, UUID id, CheckSpec spec) {
    requireWithin(handle, orgId, scope, spec.selector());
    int changed;
    try {
      changed =
          bind(
                  handle.createUpdate(
                      """
                      UPDATE checks SET name = :name, check_type = :type,
                          config = CAST(:config AS jsonb), interval_seconds = :interval,
                          selector = CAST(:selector AS jsonb), selector_terms = :terms,
                          enabled = :enabled, updated_at = now()
                       WHERE id = :id AND org_id = :org
                      """),
                  spec)
              .bind("id", id)
              .bind("org", orgId)
              .execute();
    } catch (UnableToExecuteStatementException e) {
      throw duplicateOr(e);
    }
    if (changed == 0) {
      return false;
    }
    announce(handle);
    AuditLog.record(
        handle,
        AuditEntry.of(orgId, actor, AuditAction.CHECK_UPDATE)
            .target(Target.check(id, spec.name()))
            .param("type", spec.type())
            .param("config", spec.config().toString())
            .param("interval_seconds", spec.intervalSeconds())
            .param("selector", spec.selector().toJson().toString())
            .param("enabled", spec.enabled()));
    return true;
  }

  /** Deletes a check with its results; false when unknown. */
  public static boolean delete(Handle handle, UUID orgId, Actor actor, UUID id) {
    Optional<String> name =
        handle
            .createQuery("DELETE FROM checks WHERE id = :id AND org_id = :org RETURNING name")
            .bind("id", id)
            .bind("org", orgId)
            .mapTo(String.class)
            .findOne();
    name.ifPresent(
        n -> {
          announce(handle);
          AuditLog.record(
              handle,
              AuditEntry.of(orgId, actor, AuditAction.CHECK_DELETE).target(Target.check(id, n)));
        });
    return name.isPresent();
  }

  /**
   * The selector's group or host exists and is within the user's scope; a user limited to groups
   * cannot name every host or a tag (both reach beyond their groups).
   */
  private static void requireWithin(
      Handle handle, UUID orgId, HostScope scope, HostSelector selector) {
    if (!scope.isWholeOrganisation()
        && (selector instanceof HostSelector.AllHosts || selector instanceof HostSelector.Tags)) {
      throw new HostSelector.InvalidSelectorException(
          "your access is limited to some groups: a check of yours names one of your groups or"
              + " one of their hosts");
    }
    HostSelectors.requireKnown(handle, orgId, scope, selector);
  }

  private static void announce(Handle handle) {
    handle.execute("SELECT pg_notify('" + NOTIFY_CHANNEL + "', '')");
  }

  private static <T extends SqlStatement<T>> T bind(T statement, CheckSpec spec) {
    return statement
        .bind("name", spec.name())
        .bind("type", spec.type())
        .bind("config", spec.config().toString())
        .bind("interval", spec.intervalSeconds())
        .bind("selector", spec.selector().toJson().toString())
        .bind("terms", spec.selector().storedTerms())
        .bind("enabled", spec.enabled());
  }

  private static RuntimeException duplicateOr(UnableToExecuteStatementException e) {
    return e.getCause() instanceof SQLException sql
            && "23505".equals(sql.getSQLState())
            && sql.getMessage().contains("checks_org_id_name_key")
        ? new DuplicateNameException()
        : e;
  }

  static Check check(ResultSet rs) throws SQLException {
    return new Check(
        rs.getObject("id", UUID.class),
        new CheckSpec(
            rs.getString("name"),
            rs.getString("check_type"),
            (ObjectNode) json(rs.getString("config")),
            rs.getInt("interval_seconds"),
            HostSelector.fromJson(json(rs.getString("selector"))),
            rs.getBoolean("enabled")),
        rs.getTimestamp("updated_at").toInstant());
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the database holds JSON", e);
    }
  }
}
