package io.ctops.server.groups.notes;

import io.ctops.server.audit.Target;
import java.util.Optional;
import java.util.UUID;

/** What a note is written on: a host or a host group. */
public sealed interface NoteSubject {
  UUID id();

  /** As people know it: the host's shown name, the group's name. */
  String name();

  /** Where its notes are listed and added. */
  String basePath();

  /** Whether notes may be added and changed now (a deleted host's notes are kept as they are). */
  boolean isWritable();

  /** The audit log's target for one of its notes; a host's notes show in the host's History. */
  Target auditTarget(UUID noteId);

  /** A host of the organisation; {@code hostname} is what the agent reported. */
  record Host(UUID id, String name, String hostname, String status, boolean isDeleted)
      implements NoteSubject {
    @Override
    public String basePath() {
      return "/hosts/" + id + "/notes";
    }

    @Override
    public boolean isWritable() {
      return !isDeleted;
    }

    @Override
    public Target auditTarget(UUID noteId) {
      return new Target("note", noteId.toString(), "note on " + hostname, Optional.of(id));
    }
  }

  /** A host group of the organisation. */
  record Group(UUID id, String name) implements NoteSubject {
    @Override
    public String basePath() {
      return "/groups/" + id + "/notes";
    }

    @Override
    public boolean isWritable() {
      return true;
    }

    @Override
    public Target auditTarget(UUID noteId) {
      return new Target("note", noteId.toString(), "note on group " + name, Optional.empty());
    }
  }
}
