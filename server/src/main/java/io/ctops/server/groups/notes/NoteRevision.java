package io.ctops.server.groups.notes;

import java.time.Instant;
import java.util.UUID;

/** A body a note had before an edit: who replaced it ({@code editedBy…}) and when. */
public record NoteRevision(
    long id, UUID noteId, String body, UUID editedBy, String editedByName, Instant editedAt) {}
