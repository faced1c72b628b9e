package io.ctops.server.groups.notes;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * The notes pages: a host's Notes tab, a group's notes page, a note's earlier versions, and the
 * forms of the notes panel (add, edit, pin, delete, preview). htmx posts get the panel back to swap
 * in; plain form posts are sent back to the page.
 */
public final class NotePages {
  private final Pages pages;
  private final Notes notes;
  private final NoteAccess access;

  public NotePages(Pages pages, Jdbi jdbi, Clock clock) {
    this.pages = pages;
    this.notes = new Notes(jdbi, clock);
    this.access = new NoteAccess(jdbi, notes);
  }

  public void routes(RoutesConfig routes) {
    routes.get("/hosts/{id}/notes", this::hostPage);
    routes.post(
        "/hosts/{id}/notes", ctx -> add(ctx, () -> access.requireHost(ctx, ctx.pathParam("id"))));
    routes.get("/groups/{id}/notes", this::groupPage);
    routes.post(
        "/groups/{id}/notes", ctx -> add(ctx, () -> access.requireGroup(ctx, ctx.pathParam("id"))));
    routes.post("/notes/preview", this::preview);
    routes.post("/notes/{id}/edit", this::edit);
    routes.post("/notes/{id}/pin", this::pin);
    routes.post("/notes/{id}/delete", this::delete);
    routes.get("/notes/{id}/revisions", this::history);
  }

  /** The panel of a group's notes, for the group's own page to include. */
  public NoteViews.NotesPanel groupPanel(Context ctx, String groupId) {
    return panel(ctx, access.requireGroup(ctx, groupId));
  }

  private NoteViews.NotesPanel panel(Context ctx, NoteSubject subject) {
    Principal user = WebAccess.principal(ctx);
    return NoteViews.NotesPanel.of(
        notes.of(user.orgId(), subject),
        access.mayWriteOn(user, subject) && subject.isWritable(),
        subject);
  }

  private void hostPage(Context ctx) {
    NoteSubject.Host host = access.requireHost(ctx, ctx.pathParam("id"));
    pages.page(
        ctx,
        "notes/host.jte",
        host.name(),
        "hosts",
        new NoteViews.HostNotesPage(host, panel(ctx, host)));
  }

  private void groupPage(Context ctx) {
    NoteSubject.Group group = access.requireGroup(ctx, ctx.pathParam("id"));
    pages.page(
        ctx,
        "notes/group.jte",
        group.name(),
        "groups",
        new NoteViews.GroupNotesPage(group, panel(ctx, group)));
  }

  private static String body(Context ctx) {
    return NoteBody.parse(ctx.formParam("body"));
  }

  /** A checkbox: present ("on", "true", "1") or absent. */
  private static boolean checked(Context ctx, String name) {
    String value = Optional.ofNullable(ctx.formParam(name)).orElse("");
    return switch (value) {
      case "on", "true", "1" -> true;
      case "", "false", "0" -> false;
      default -> throw HttpProblem.badRequest(name + " must be true or false");
    };
  }

  /** The role is checked before the subject is looked up, so a read-only user always gets 403. */
  private void add(Context ctx, Supplier<NoteSubject> subjectOfPath) {
    Principal user = NoteAccess.requireWriter(ctx);
    NoteSubject subject = subjectOfPath.get();
    access.requireWritable(ctx, subject);
    notes.add(
        user.orgId(),
        subject,
        body(ctx),
        checked(ctx, "pinned"),
        NoteAccess.author(user),
        WebAccess.actor(ctx));
    answer(ctx, subject);
  }

  private NoteAccess.Found writable(Context ctx) {
    NoteAccess.Found found = access.requireNote(ctx, ctx.pathParam("id"));
    access.requireWritable(ctx, found.subject());
    return found;
  }

  private void edit(Context ctx) {
    Principal user = NoteAccess.requireWriter(ctx);
    NoteAccess.Found found = writable(ctx);
    String body = body(ctx);
    notes
        .edit(
            user.orgId(),
            found.note().id(),
            found.subject(),
            body,
            NoteAccess.author(user),
            WebAccess.actor(ctx))
        .orElseThrow(() -> HttpProblem.notFound("no such note in this organisation"));
    answer(ctx, found.subject());
  }

  private void pin(Context ctx) {
    Principal user = NoteAccess.requireWriter(ctx);
    NoteAccess.Found found = writable(ctx);
    if (ctx.formParam("pinned") == null) {
      throw HttpProblem.badRequest("pinned must be true or false");
    }
    notes
        .pin(
            user.orgId(),
            found.note().id(),
            found.subject(),
            checked(ctx, "pinned"),
            WebAccess.actor(ctx))
        .orElseThrow(() -> HttpProblem.notFound("no such note in this organisation"));
    answer(ctx, found.subject());
  }

  private void delete(Context ctx) {
    Principal user = NoteAccess.requireWriter(ctx);
    NoteAccess.Found found = writable(ctx);
    if (!notes.delete(user.orgId(), found.note().id(), found.subject(), WebAccess.actor(ctx))) {
      throw HttpProblem.notFound("no such note in this organisation");
    }
    answer(ctx, found.subject());
  }

  /** Renders what is being written, as it will show; nothing is stored. */
  private void preview(Context ctx) {
    NoteAccess.requireWriter(ctx);
    String text = Optional.ofNullable(ctx.formParam("body")).orElse("");
    String html = text.isBlank() ? "" : NoteMarkdown.html(NoteBody.parse(text));
    pages.fragment(ctx, "notes/preview.jte", new NoteViews.Preview(html));
  }

  private void history(Context ctx) {
    NoteAccess.Found found = access.requireNote(ctx, ctx.pathParam("id"));
    pages.page(
        ctx,
        "notes/history.jte",
        "Note history",
        found.subject() instanceof NoteSubject.Host ? "hosts" : "groups",
        NoteViews.HistoryPage.of(
            found.subject(), found.note(), notes.revisions(found.note().id())));
  }

  /** After a change: htmx gets the panel to swap in, a plain form goes back to the page. */
  private void answer(Context ctx, NoteSubject subject) {
    if (ctx.header("HX-Request") != null) {
      pages.fragment(ctx, "notes/panel.jte", panel(ctx, subject));
      return;
    }
    ctx.redirect(subject.basePath(), HttpStatus.SEE_OTHER);
  }
}
