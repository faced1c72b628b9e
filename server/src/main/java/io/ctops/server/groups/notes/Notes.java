package io.ctops.server.groups.notes;

import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditAction;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The notes table: a subject's live notes (pinned first, then newest), adding, editing (the
 * replaced body kept as a revision), pinning and soft deletion. Every change records its audit
 * entry in its own transaction. Callers have checked the subject and the note belong to the
 * caller's organisation; the queries still name the organisation, so a slip cannot cross it.
 */
final class Notes {
  /** Who writes: the account, and its name as shown now (kept with the note). */
  record Author(UUID userId, String name) {}

  private static final String COLUMNS =
      """
      n.id, n.host_id, n.group_id, n.body, n.pinned, n.author_id, n.author_name, n.created_at,
      n.updated_at, n.updated_by, n.updated_by_name,
      (SELECT count(*) FROM note_revisions r WHERE r.note_id = n.id) AS revisions
      """;

  private final Jdbi jdbi;
  private final Clock clock;

  Notes(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  List<Note> of(UUID orgId, NoteSubject subject) {
    String column = subject instanceof NoteSubject.Host ? "host_id" : "group_id";
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM notes n WHERE n."
                        + column
                        + " = :subject AND n.org_id = :org AND n.deleted_at IS NULL"
                        + " ORDER BY n.pinned DESC, n.created_at DESC, n.id")
                .bind("subject", subject.id())
                .bind("org", orgId)
                .map((rs, ctx) -> note(rs))
                .list());
  }

  Optional<Note> find(UUID orgId, UUID noteId) {
    return jdbi.withHandle(handle -> find(handle, orgId, noteId));
  }

  private static Optional<Note> find(Handle handle, UUID orgId, UUID noteId) {
    return handle
        .createQuery(
            "SELECT "
                + COLUMNS
                + " FROM notes n WHERE n.id = :id AND n.org_id = :org AND n.deleted_at IS NULL")
        .bind("id", noteId)
        .bind("org", orgId)
        .map((rs, ctx) -> note(rs))
        .findOne();
  }

  Note add(UUID orgId, NoteSubject subject, String body, boolean pinned, Author author, Actor by) {
    Timestamp now = Timestamp.from(clock.instant());
    return jdbi.inTransaction(
        handle -> {
          UUID id =
              handle
                  .createQuery(
                      """
                      INSERT INTO notes (org_id, host_id, group_id, body, pinned, author_id,
                                         author_name, created_at, updated_at, updated_by,
                                         updated_by_name)
                      VALUES (:org, :host, :group, :body, :pinned, :author, :name, :now, :now,
                              :author, :name)
                      RETURNING id
                      """)
                  .bind("org", orgId)
                  .bind("host", subject instanceof NoteSubject.Host ? subject.id() : null)
                  .bind("group", subject instanceof NoteSubject.Group ? subject.id() : null)
                  .bind("body", body)
                  .bind("pinned", pinned)
                  .bind("author", author.userId())
                  .bind("name", author.name())
                  .bind("now", now)
                  .mapTo(UUID.class)
                  .one();
          AuditLog.record(
              handle,
              AuditEntry.of(orgId, by, AuditAction.NOTE_ADD)
                  .target(subject.auditTarget(id))
                  .param("characters", characters(body))
                  .param("pinned", pinned ? Boolean.TRUE : null));
          return find(handle, orgId, id).orElseThrow();
        });
  }

  /**
   * Replaces the body, keeping the old one as a revision; the same body again changes nothing.
   * Empty when the note is not (or no longer) a live note of the organisation.
   */
  Optional<Note> edit(
      UUID orgId, UUID noteId, NoteSubject subject, String body, Author author, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          Optional<String> before =
              handle
                  .createQuery(
                      "SELECT body FROM notes"
                          + " WHERE id = :id AND org_id = :org AND deleted_at IS NULL FOR UPDATE")
                  .bind("id", noteId)
                  .bind("org", orgId)
                  .mapTo(String.class)
                  .findOne();
          if (before.isEmpty()) {
            return Optional.empty();
          }
          if (before.get().equals(body)) {
            return find(handle, orgId, noteId);
          }
          Timestamp now = Timestamp.from(clock.instant());
          handle
              .createUpdate(
                  """
                  INSERT INTO note_revisions (note_id, body, edited_by, edited_by_name, edited_at)
                  VALUES (:id, :body, :user, :name, :now)
                  """)
              .bind("id", noteId)
              .bind("body", before.get())
              .bind("user", author.userId())
              .bind("name", author.name())
              .bind("now", now)
              .execute();
          handle
              .createUpdate(
                  """
                  UPDATE notes SET body = :body, updated_at = :now, updated_by = :user,
                                   updated_by_name = :name
                   WHERE id = :id
                  """)
              .bind("id", noteId)
              .bind("body", body)
              .bind("user", author.userId())
              .bind("name", author.name())
              .bind("now", now)
              .execute();
          AuditLog.record(
              handle,
              AuditEntry.of(orgId, by, AuditAction.NOTE_EDIT)
                  .target(subject.auditTarget(noteId))
                  .param("characters", characters(body)));
          return find(handle, orgId, noteId);
        });
  }

  /** Pins or unpins; pinning a pinned note changes nothing. Empty when there is no such note. */
  Optional<Note> pin(UUID orgId, UUID noteId, NoteSubject subject, boolean pinned, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          int changed =
              handle
                  .createUpdate(
                      "UPDATE notes SET pinned = :pinned WHERE id = :id AND org_id = :org"
                          + " AND deleted_at IS NULL AND pinned <> :pinned")
                  .bind("pinned", pinned)
                  .bind("id", noteId)
                  .bind("org", orgId)
                  .execute();
          if (changed > 0) {
            AuditLog.record(
                handle,
                AuditEntry.of(orgId, by, AuditAction.NOTE_PIN)
                    .target(subject.auditTarget(noteId))
                    .param("pinned", pinned));
          }
          return find(handle, orgId, noteId);
        });
  }

  /** Marks the note deleted; false when it was not a live note of the organisation. */
  boolean delete(UUID orgId, UUID noteId, NoteSubject subject, Actor by) {
    return jdbi.inTransaction(
        handle -> {
          int changed =
              handle
                  .createUpdate(
                      "UPDATE notes SET deleted_at = :now"
                          + " WHERE id = :id AND org_id = :org AND deleted_at IS NULL")
                  .bind("now", Timestamp.from(clock.instant()))
                  .bind("id", noteId)
                  .bind("org", orgId)
                  .execute();
          if (changed > 0) {
            AuditLog.record(
                handle,
                AuditEntry.of(orgId, by, AuditAction.NOTE_DELETE)
                    .target(subject.auditTarget(noteId)));
          }
          return changed > 0;
        });
  }

  /** The bodies the note had before each edit, newest first. */
  List<NoteRevision> revisions(UUID noteId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    """
                    SELECT id, note_id, body, edited_by, edited_by_name, edited_at
                      FROM note_revisions WHERE note_id = :id
                     ORDER BY edited_at DESC, id DESC
                    """)
                .bind("id", noteId)
                .map(
                    (rs, ctx) ->
                        new NoteRevision(
                            rs.getLong("id"),
                            rs.getObject("note_id", UUID.class),
                            rs.getString("body"),
                            rs.getObject("edited_by", UUID.class),
                            rs.getString("edited_by_name"),
                            instant(rs.getTimestamp("edited_at"))))
                .list());
  }

  private static Note note(ResultSet rs) throws SQLException {
    return new Note(
        rs.getObject("id", UUID.class),
        rs.getObject("host_id", UUID.class),
        rs.getObject("group_id", UUID.class),
        rs.getString("body"),
        rs.getBoolean("pinned"),
        rs.getObject("author_id", UUID.class),
        rs.getString("author_name"),
        instant(rs.getTimestamp("created_at")),
        instant(rs.getTimestamp("updated_at")),
        rs.getObject("updated_by", UUID.class),
        rs.getString("updated_by_name"),
        rs.getInt("revisions"));
  }

  private static int characters(String body) {
    return body.codePointCount(0, body.length());
  }

  private static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }
}
