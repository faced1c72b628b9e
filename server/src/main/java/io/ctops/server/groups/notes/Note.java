package io.ctops.server.groups.notes;

import java.time.Instant;
import java.util.UUID;

/**
 * A live note as the pages and the API show it. {@code authorName} and {@code updatedByName} are
 * the names shown when it was written; {@code updatedAt} is the last change of the body (pinning is
 * not an edit); {@code revisions} counts the earlier bodies kept.
 */
public record Note(
    UUID id,
    UUID hostId,
    UUID groupId,
    String body,
    boolean pinned,
    UUID authorId,
    String authorName,
    Instant createdAt,
    Instant updatedAt,
    UUID updatedBy,
    String updatedByName,
    int revisions) {

  public boolean isEdited() {
    return revisions > 0;
  }
}
