package io.ctops.server.groups.notes;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** What the notes templates show. */
public final class NoteViews {
  private NoteViews() {}

  /**
   * The notes panel ({@code notes/panel.jte}) any page can include: the notes, pinned first,
   * whether the user may write (otherwise no form is shown), and where its forms post ({@code
   * /hosts/{id}/notes} or {@code /groups/{id}/notes}).
   */
  public record NotesPanel(List<ShownNote> notes, boolean mayWrite, String basePath) {
    static NotesPanel of(List<Note> notes, boolean mayWrite, NoteSubject subject) {
      return new NotesPanel(
          notes.stream().map(ShownNote::of).toList(), mayWrite, subject.basePath());
    }
  }

  /** A note with its Markdown rendered (safely: see {@link NoteMarkdown}). */
  public record ShownNote(Note note, String html) {
    static ShownNote of(Note note) {
      return new ShownNote(note, NoteMarkdown.html(note.body()));
    }

    public String id() {
      return note.id().toString();
    }
  }

  /** A host's Notes tab. */
  public record HostNotesPage(NoteSubject.Host host, NotesPanel panel) {}

  /** A group's notes page. */
  public record GroupNotesPage(NoteSubject.Group group, NotesPanel panel) {}

  /** A rendered Markdown preview of a note being written. */
  public record Preview(String html) {}

  /** One version of a note's body: who wrote it and when. */
  public record Version(int number, String html, String writtenBy, Instant writtenAt) {}

  /** A note's versions, the current one first. */
  public record HistoryPage(NoteSubject subject, Note note, List<Version> versions) {
    /**
     * Each revision holds the body an edit replaced; the body it replaced was written by the edit
     * before it, the first by the note's author.
     */
    static HistoryPage of(NoteSubject subject, Note note, List<NoteRevision> newestFirst) {
      List<Version> versions = new ArrayList<>();
      int count = newestFirst.size();
      versions.add(
          new Version(
              count + 1, NoteMarkdown.html(note.body()), note.updatedByName(), note.updatedAt()));
      for (int i = 0; i < count; i++) {
        boolean first = i + 1 == count;
        NoteRevision older = first ? null : newestFirst.get(i + 1);
        versions.add(
            new Version(
                count - i,
                NoteMarkdown.html(newestFirst.get(i).body()),
                first ? note.authorName() : older.editedByName(),
                first ? note.createdAt() : older.editedAt()));
      }
      return new HistoryPage(subject, note, versions);
    }
  }
}
