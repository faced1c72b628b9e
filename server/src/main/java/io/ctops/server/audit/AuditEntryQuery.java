package io.ctops.server.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Reads the audit log for a reader: their organisation (or every one, for a super admin who asks),
 * narrowed by the filter, newest first. The WHERE clause is composed of fixed pieces, one per
 * filter given; the request only ever reaches SQL as bound values.
 */
public final class AuditEntryQuery {
  /** The CSV's ceiling: an export larger than this is narrowed by its filters instead. */
  static final int MAX_EXPORT = 100_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Jdbi jdbi;

  public AuditEntryQuery(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** One page of entries and how many match in all. */
  public record AuditPage(List<AuditRecord> entries, long total, AuditFilter filter) {
    public int pageCount() {
      return (int) Math.max(1, (total + filter.pageSize() - 1) / filter.pageSize());
    }
  }

  public AuditPage page(AuditReader reader, AuditFilter filter) {
    Where where = where(reader, filter);
    return jdbi.withHandle(
        handle -> {
          var count = handle.createQuery("SELECT count(*) FROM audit_entries e" + where.sql());
          where.binds().forEach(bind -> bind.accept(count));
          long total = count.mapTo(Long.class).one();
          var rows =
              handle.createQuery(
                  SELECT
                      + where.sql()
                      + " ORDER BY e.at DESC, e.id DESC LIMIT :limit OFFSET :offset");
          where.binds().forEach(bind -> bind.accept(rows));
          List<AuditRecord> entries =
              rows.bind("limit", filter.pageSize())
                  .bind("offset", (long) (filter.page() - 1) * filter.pageSize())
                  .map((rs, ctx) -> record(rs))
                  .list();
          return new AuditPage(entries, total, filter);
        });
  }

  /** Every matching entry, newest first, up to {@link #MAX_EXPORT} (paging ignored). */
  public List<AuditRecord> export(AuditReader reader, AuditFilter filter) {
    Where where = where(reader, filter);
    return jdbi.withHandle(
        handle -> {
          var rows =
              handle.createQuery(
                  SELECT + where.sql() + " ORDER BY e.at DESC, e.id DESC LIMIT :limit");
          where.binds().forEach(bind -> bind.accept(rows));
          return rows.bind("limit", MAX_EXPORT).map((rs, ctx) -> record(rs)).list();
        });
  }

  private static final String SELECT =
      """
      SELECT e.id, e.at, e.org_id, o.name AS org_name, e.actor_kind, e.actor_user_id,
             e.actor_name, e.api_key_id, e.api_key_name, e.action, e.target_type, e.target_id,
             e.target_label, e.target_host_id, e.parameters::text AS parameters, e.outcome,
             e.reason, e.source_address
        FROM audit_entries e
        LEFT JOIN organisations o ON o.id = e.org_id
      """;

  /** A WHERE clause of fixed pieces and the values they bind. */
  private record Where(String sql, List<Consumer<SqlStatement<?>>> binds) {}

  private static Where where(AuditReader reader, AuditFilter filter) {
    List<String> pieces = new ArrayList<>();
    List<Consumer<SqlStatement<?>>> binds = new ArrayList<>();
    if (!(filter.allOrganisations() && reader.mayReadAll())) {
      pieces.add("e.org_id = :org");
      binds.add(s -> s.bind("org", reader.orgId()));
    }
    filter
        .actor()
        .ifPresent(
            actor -> {
              pieces.add("lower(e.actor_name) = lower(:actor)");
              binds.add(s -> s.bind("actor", actor));
            });
    filter
        .action()
        .ifPresent(
            action -> {
              pieces.add("e.action = :action");
              binds.add(s -> s.bind("action", action.dbName()));
            });
    filter
        .host()
        .ifPresent(
            host -> {
              pieces.add("e.target_host_id = :host");
              binds.add(s -> s.bind("host", host));
            });
    filter
        .outcome()
        .ifPresent(
            outcome -> {
              pieces.add("e.outcome = :outcome");
              binds.add(s -> s.bind("outcome", outcome.param()));
            });
    filter
        .from()
        .ifPresent(
            from -> {
              pieces.add("e.at >= :from");
              binds.add(s -> s.bind("from", Timestamp.from(from)));
            });
    filter
        .to()
        .ifPresent(
            to -> {
              pieces.add("e.at < :to");
              binds.add(s -> s.bind("to", Timestamp.from(to)));
            });
    String sql = pieces.isEmpty() ? "" : " WHERE " + String.join(" AND ", pieces);
    return new Where(sql, binds);
  }

  static AuditRecord record(ResultSet rs) throws SQLException {
    try {
      return new AuditRecord(
          rs.getLong("id"),
          rs.getTimestamp("at").toInstant(),
          rs.getObject("org_id", UUID.class),
          rs.getString("org_name"),
          rs.getString("actor_kind"),
          rs.getObject("actor_user_id", UUID.class),
          rs.getString("actor_name"),
          rs.getObject("api_key_id", UUID.class),
          rs.getString("api_key_name"),
          rs.getString("action"),
          rs.getString("target_type"),
          rs.getString("target_id"),
          rs.getString("target_label"),
          rs.getObject("target_host_id", UUID.class),
          JSON.readTree(rs.getString("parameters")),
          rs.getString("outcome"),
          rs.getString("reason"),
          rs.getString("source_address"));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored audit parameters are not JSON", e);
    }
  }
}
