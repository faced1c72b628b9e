package io.ctops.server.groups.notes;

import io.ctops.server.auth.HostScope;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.UuidParam;
import io.javalin.http.Context;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Which hosts, groups and notes a request may reach, and whether it may write, for the notes pages
 * and API alike. Every host the notes feature touches is looked up by {@link #requireHost} and
 * every group by {@link #requireGroup} (a note through its host or group): another organisation's
 * answers 404, and narrowing access to a user's groups is a change here alone.
 */
final class NoteAccess {
  /** A live note and what it is written on. */
  record Found(Note note, NoteSubject subject) {}

  private final Jdbi jdbi;
  private final Notes notes;

  NoteAccess(Jdbi jdbi, Notes notes) {
    this.jdbi = jdbi;
    this.notes = notes;
  }

  /** Engineers and admins write notes; read-only users read them. */
  static boolean mayWrite(Principal user) {
    return user.role() != Role.READ_ONLY;
  }

  /** The caller, if they may write notes at all; 403 otherwise (before any id is looked at). */
  static Principal requireWriter(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    if (!mayWrite(user)) {
      throw HttpProblem.forbidden("read-only users can read notes but not write them");
    }
    return user;
  }

  /**
   * Whether the user may write on this host's or group's notes: engineer or admin on it (for a user
   * limited to groups, on a group that holds the host).
   */
  boolean mayWriteOn(Principal user, NoteSubject subject) {
    Role role =
        switch (subject) {
          case NoteSubject.Host host ->
              jdbi.withHandle(h -> user.scope().roleOn(h, host.id(), user.role()))
                  .orElse(Role.READ_ONLY);
          case NoteSubject.Group group ->
              user.scope() instanceof HostScope.Groups g
                  ? g.roles().getOrDefault(group.id(), Role.READ_ONLY)
                  : user.role();
        };
    return role != Role.READ_ONLY;
  }

  /**
   * 403 when the user may not write on this subject's notes, 409 when they are frozen (its host is
   * deleted).
   */
  void requireWritable(Context ctx, NoteSubject subject) {
    if (!mayWriteOn(WebAccess.principal(ctx), subject)) {
      throw HttpProblem.forbidden("your role on this host's groups lets you read its notes only");
    }
    if (!subject.isWritable()) {
      throw HttpProblem.conflict("the host is deleted; restore it to change its notes");
    }
  }

  static Notes.Author author(Principal user) {
    return new Notes.Author(user.userId(), user.shownName());
  }

  NoteSubject.Host requireHost(Context ctx, String pathId) {
    UUID id = UuidParam.parse(pathId, "host");
    Principal user = WebAccess.principal(ctx);
    UUID org = user.orgId();
    return jdbi.withHandle(
            handle ->
                user.scope()
                    .bind(
                        handle.createQuery(
                            """
                        SELECT id, coalesce(display_name, hostname) AS name, hostname, status,
                               deleted_at IS NOT NULL AS deleted
                          FROM hosts h WHERE id = :id AND org_id = :org
                        """
                                + user.scope().filter("h.id")))
                    .bind("id", id)
                    .bind("org", org)
                    .map(
                        (rs, c) ->
                            new NoteSubject.Host(
                                rs.getObject("id", UUID.class),
                                rs.getString("name"),
                                rs.getString("hostname"),
                                rs.getString("status"),
                                rs.getBoolean("deleted")))
                    .findOne())
        .orElseThrow(() -> HttpProblem.notFound("no such host in this organisation"));
  }

  NoteSubject.Group requireGroup(Context ctx, String pathId) {
    UUID id = UuidParam.parse(pathId, "group");
    Principal user = WebAccess.principal(ctx);
    UUID org = user.orgId();
    if (!user.scope().isWholeOrganisation() && !user.scope().groupIds().contains(id)) {
      throw HttpProblem.notFound("no such group in this organisation");
    }
    return jdbi.withHandle(
            handle ->
                handle
                    .createQuery("SELECT name FROM host_groups WHERE id = :id AND org_id = :org")
                    .bind("id", id)
                    .bind("org", org)
                    .mapTo(String.class)
                    .findOne())
        .map(name -> new NoteSubject.Group(id, name))
        .orElseThrow(() -> HttpProblem.notFound("no such group in this organisation"));
  }

  /** A live note of the organisation, reached through its host or group; 404 otherwise. */
  Found requireNote(Context ctx, String pathId) {
    UUID id = UuidParam.parse(pathId, "note");
    Note note =
        notes
            .find(WebAccess.principal(ctx).orgId(), id)
            .orElseThrow(() -> HttpProblem.notFound("no such note in this organisation"));
    NoteSubject subject =
        note.hostId() != null
            ? requireHost(ctx, note.hostId().toString())
            : requireGroup(ctx, note.groupId().toString());
    return new Found(note, subject);
  }
}
