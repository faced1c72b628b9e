package io.ctops.server.orgs;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** Looks up organisations: every host, agent, token and user belongs to exactly one. */
public final class Organisations {
  public static final String DEFAULT_SLUG = "default";

  private final Jdbi jdbi;

  public Organisations(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  public record Organisation(UUID id, String name, String slug) {}

  /** Thrown when a name given by a user matches no organisation, or none is implied. */
  public static final class UnknownOrganisationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnknownOrganisationException(String message) {
      super(message);
    }
  }

  /** An organisation with how many live hosts and users it has. */
  public record OrganisationSummary(UUID id, String name, String slug, long hosts, long users) {}

  /** Outcome of creating an organisation. */
  public sealed interface Creation {
    record Created(Organisation organisation) implements Creation {}

    record Refused(String reason) implements Creation {}
  }

  /** How often hosts of the organisation are scanned for software without being asked. */
  public int inventoryIntervalHours(UUID orgId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT inventory_scan_interval_hours FROM organisations WHERE id = :id")
                .bind("id", orgId)
                .mapTo(Integer.class)
                .one());
  }

  /** Whether the organisation's terminal sessions are recorded (their output only). */
  public boolean recordsTerminals(UUID orgId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery("SELECT terminal_recording FROM organisations WHERE id = :id")
                .bind("id", orgId)
                .mapTo(Boolean.class)
                .one());
  }

  /** Turns the recording of new terminal sessions on or off. */
  public void setTerminalRecording(UUID orgId, boolean record, Actor by) {
    changeSetting(orgId, "terminal_recording", record, by);
  }

  /** Whether engineers may define checks too (admins always may). */
  public boolean engineersManageChecks(UUID orgId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery("SELECT engineers_manage_checks FROM organisations WHERE id = :id")
                .bind("id", orgId)
                .mapTo(Boolean.class)
                .one());
  }

  /** Lets engineers define checks, or makes it admins' alone again. */
  public void setEngineersManageChecks(UUID orgId, boolean allowed, Actor by) {
    changeSetting(orgId, "engineers_manage_checks", allowed, by);
  }

  /** How many days before its expiry a certificate shows as expiring (30 by default). */
  public int certificateExpiringDays(UUID orgId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery("SELECT certificate_expiring_days FROM organisations WHERE id = :id")
                .bind("id", orgId)
                .mapTo(Integer.class)
                .one());
  }

  /** Changes when certificates show as expiring; 1 to 365 days. */
  public void setCertificateExpiringDays(UUID orgId, int days, Actor by) {
    if (days < 1 || days > 365) {
      throw new IllegalArgumentException("certificates show as expiring 1 to 365 days ahead");
    }
    changeSetting(orgId, "certificate_expiring_days", days, by);
  }

  /** Changes the scan interval; 1 hour to 1 year. */
  public void setInventoryIntervalHours(UUID orgId, int hours, Actor by) {
    if (hours < 1 || hours > 8760) {
      throw new IllegalArgumentException("the scan interval must be between 1 and 8760 hours");
    }
    changeSetting(orgId, "inventory_scan_interval_hours", hours, by);
  }

  /**
   * Sets one of the organisation's setting columns (a name from this class, never from a request)
   * and audits the change with the value before and after.
   */
  private void changeSetting(UUID orgId, String column, Object value, Actor by) {
    jdbi.useTransaction(
        handle -> {
          record Before(String name, Object value) {}
          Before before =
              handle
                  .createQuery(
                      "SELECT name, " + column + " FROM organisations WHERE id = :id FOR UPDATE")
                  .bind("id", orgId)
                  .map((rs, ctx) -> new Before(rs.getString(1), rs.getObject(2)))
                  .one();
          handle
              .createUpdate("UPDATE organisations SET " + column + " = :value WHERE id = :id")
              .bindByType("value", value, value.getClass())
              .bind("id", orgId)
              .execute();
          AuditLog.record(
              handle,
              AuditEntry.of(orgId, by, AuditAction.ORG_SETTINGS_CHANGE)
                  .target(Target.organisation(orgId, before.name()))
                  .param("setting", column)
                  .param("from", before.value())
                  .param("to", value));
        });
  }

  public Optional<Organisation> find(UUID id) {
    return all().stream().filter(org -> org.id().equals(id)).findFirst();
  }

  public List<OrganisationSummary> summaries() {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    """
                    SELECT o.id, o.name, o.slug,
                           (SELECT count(*) FROM hosts h
                             WHERE h.org_id = o.id AND h.deleted_at IS NULL) AS hosts,
                           (SELECT count(*) FROM users u
                             WHERE u.org_id = o.id AND u.disabled_at IS NULL) AS users
                      FROM organisations o ORDER BY lower(o.name)
                    """)
                .map(
                    (rs, ctx) ->
                        new OrganisationSummary(
                            rs.getObject("id", UUID.class),
                            rs.getString("name"),
                            rs.getString("slug"),
                            rs.getLong("hosts"),
                            rs.getLong("users")))
                .list());
  }

  /**
   * A new organisation; its slug is derived from the name and must be unique, as the name. The
   * creation is recorded in the new organisation's audit log; a refusal for a taken name in no
   * organisation's (super admins, who alone create them, see it).
   */
  public Creation create(String name, Actor by) {
    String trimmed = name == null ? "" : name.strip();
    if (trimmed.isEmpty() || trimmed.length() > 200) {
      return new Creation.Refused("a name must be 1 to 200 characters");
    }
    if (trimmed.chars().anyMatch(Character::isISOControl)) {
      return new Creation.Refused("a name must not contain control characters");
    }
    String slug =
        trimmed.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    if (slug.isEmpty()) {
      return new Creation.Refused("a name needs at least one letter or digit");
    }
    String finalSlug = slug.length() > 63 ? slug.substring(0, 63).replaceAll("-+$", "") : slug;
    return jdbi.inTransaction(
        handle -> {
          boolean taken =
              handle
                  .createQuery(
                      "SELECT EXISTS (SELECT 1 FROM organisations"
                          + " WHERE lower(name) = lower(:name) OR slug = :slug)")
                  .bind("name", trimmed)
                  .bind("slug", finalSlug)
                  .mapTo(Boolean.class)
                  .one();
          AuditEntry entry = AuditEntry.of(null, by, AuditAction.ORG_CREATE).param("name", trimmed);
          if (taken) {
            String reason = "an organisation with this name already exists";
            AuditLog.record(handle, entry.failed(reason));
            return new Creation.Refused(reason);
          }
          Organisation created =
              handle
                  .createQuery(
                      "INSERT INTO organisations (name, slug) VALUES (:name, :slug)"
                          + " RETURNING id, name, slug")
                  .bind("name", trimmed)
                  .bind("slug", finalSlug)
                  .map(
                      (rs, ctx) ->
                          new Organisation(
                              rs.getObject("id", UUID.class),
                              rs.getString("name"),
                              rs.getString("slug")))
                  .one();
          // every organisation reads its hosts' accounts and SSH keys every 6 hours (V26)
          handle
              .createQuery("SELECT add_default_account_checks(:org)")
              .bind("org", created.id())
              .mapTo(Integer.class)
              .one();
          AuditLog.record(
              handle,
              AuditEntry.of(created.id(), by, AuditAction.ORG_CREATE)
                  .target(Target.organisation(created.id(), created.name()))
                  .param("name", created.name()));
          return new Creation.Created(created);
        });
  }

  public List<Organisation> all() {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery("SELECT id, name, slug FROM organisations ORDER BY lower(name)")
                .map(
                    (rs, ctx) ->
                        new Organisation(
                            rs.getObject("id", UUID.class),
                            rs.getString("name"),
                            rs.getString("slug")))
                .list());
  }

  /**
   * The organisation a command means: the one named (by name or slug, case-insensitive), or when
   * none is named the default one.
   */
  public Organisation resolve(Optional<String> nameOrSlug) {
    List<Organisation> all = all();
    if (nameOrSlug.isEmpty()) {
      return all.stream()
          .filter(org -> org.slug().equals(DEFAULT_SLUG))
          .findFirst()
          .or(() -> all.size() == 1 ? Optional.of(all.get(0)) : Optional.empty())
          .orElseThrow(
              () ->
                  new UnknownOrganisationException(
                      "there are several organisations and none is the default; name one with"
                          + " --org ("
                          + names(all)
                          + ")"));
    }
    String wanted = nameOrSlug.get().strip();
    return all.stream()
        .filter(org -> org.name().equalsIgnoreCase(wanted) || org.slug().equalsIgnoreCase(wanted))
        .findFirst()
        .orElseThrow(
            () ->
                new UnknownOrganisationException(
                    "no organisation named '" + wanted + "' (known: " + names(all) + ")"));
  }

  private static String names(List<Organisation> all) {
    return String.join(", ", all.stream().map(Organisation::name).toList());
  }
}
