package io.ctops.server.groups.notes;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.web.HttpProblem;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * The notes part of the JSON API: a host's or a group's notes (list, add), and one note (read,
 * change its body or pin, delete, earlier versions). Same rules as the pages.
 */
public final class NotesApi {
  private final Notes notes;
  private final NoteAccess access;

  public NotesApi(Jdbi jdbi, Clock clock) {
    this.notes = new Notes(jdbi, clock);
    this.access = new NoteAccess(jdbi, notes);
  }

  /** A subject's live notes, pinned first, then newest. */
  public record NoteList(List<Note> notes) {}

  /** A note's earlier bodies, newest first. */
  public record RevisionList(List<NoteRevision> revisions) {}

  public void routes(RoutesConfig routes) {
    routes.get(
        "/api/v1/hosts/{id}/notes", ctx -> list(ctx, access.requireHost(ctx, ctx.pathParam("id"))));
    routes.post(
        "/api/v1/hosts/{id}/notes",
        ctx -> add(ctx, () -> access.requireHost(ctx, ctx.pathParam("id"))));
    routes.get(
        "/api/v1/groups/{id}/notes",
        ctx -> list(ctx, access.requireGroup(ctx, ctx.pathParam("id"))));
    routes.post(
        "/api/v1/groups/{id}/notes",
        ctx -> add(ctx, () -> access.requireGroup(ctx, ctx.pathParam("id"))));
    routes.get(
        "/api/v1/notes/{id}", ctx -> ctx.json(access.requireNote(ctx, ctx.pathParam("id")).note()));
    routes.patch("/api/v1/notes/{id}", this::patch);
    routes.delete("/api/v1/notes/{id}", this::delete);
    routes.get("/api/v1/notes/{id}/revisions", this::revisions);
  }

  private void list(Context ctx, NoteSubject subject) {
    ctx.json(new NoteList(notes.of(WebAccess.principal(ctx).orgId(), subject)));
  }

  /** {@code {"body": "…", "pinned": false}}: 201 with the note. */
  private void add(Context ctx, Supplier<NoteSubject> subjectOfPath) {
    Principal user = NoteAccess.requireWriter(ctx);
    Map<?, ?> request = object(ctx, Set.of("body", "pinned"), "{\"body\": \"…\"}");
    NoteSubject subject = subjectOfPath.get();
    access.requireWritable(ctx, subject);
    if (!request.containsKey("body")) {
      throw HttpProblem.badRequest("body is required: the note's Markdown text");
    }
    String body = NoteBody.parse(text(request.get("body")));
    boolean pinned = request.containsKey("pinned") && flag(request.get("pinned"));
    Note note =
        notes.add(
            user.orgId(), subject, body, pinned, NoteAccess.author(user), WebAccess.actor(ctx));
    ctx.status(201).json(note);
  }

  /** {@code body} and/or {@code pinned}; both checked before either is applied. */
  private void patch(Context ctx) {
    Principal user = NoteAccess.requireWriter(ctx);
    Map<?, ?> request = object(ctx, Set.of("body", "pinned"), "{\"pinned\": true}");
    if (request.isEmpty()) {
      throw HttpProblem.badRequest("nothing to change: send body, pinned or both");
    }
    String body = request.containsKey("body") ? NoteBody.parse(text(request.get("body"))) : null;
    Boolean pinned = request.containsKey("pinned") ? flag(request.get("pinned")) : null;
    NoteAccess.Found found = access.requireNote(ctx, ctx.pathParam("id"));
    access.requireWritable(ctx, found.subject());
    Note note = found.note();
    if (body != null) {
      note =
          notes
              .edit(
                  user.orgId(),
                  note.id(),
                  found.subject(),
                  body,
                  NoteAccess.author(user),
                  WebAccess.actor(ctx))
              .orElseThrow(() -> HttpProblem.notFound("no such note in this organisation"));
    }
    if (pinned != null) {
      note =
          notes
              .pin(user.orgId(), note.id(), found.subject(), pinned, WebAccess.actor(ctx))
              .orElseThrow(() -> HttpProblem.notFound("no such note in this organisation"));
    }
    ctx.json(note);
  }

  private void delete(Context ctx) {
    Principal user = NoteAccess.requireWriter(ctx);
    NoteAccess.Found found = access.requireNote(ctx, ctx.pathParam("id"));
    access.requireWritable(ctx, found.subject());
    if (!notes.delete(user.orgId(), found.note().id(), found.subject(), WebAccess.actor(ctx))) {
      throw HttpProblem.notFound("no such note in this organisation");
    }
    ctx.status(204);
  }

  private void revisions(Context ctx) {
    NoteAccess.Found found = access.requireNote(ctx, ctx.pathParam("id"));
    ctx.json(new RevisionList(notes.revisions(found.note().id())));
  }

  /**
   * The body as a JSON object with only the given properties; 400 saying what is wrong otherwise.
   */
  private static Map<?, ?> object(Context ctx, Set<String> allowed, String example) {
    Map<?, ?> request;
    try {
      request = ctx.bodyAsClass(Map.class);
    } catch (Exception e) {
      // not JSON, or not an object (Javalin rethrows Jackson's checked exceptions): answered below
      request = null;
    }
    if (request == null) {
      throw HttpProblem.badRequest("the body must be a JSON object such as " + example);
    }
    for (Object key : request.keySet()) {
      if (!allowed.contains(key)) {
        throw HttpProblem.badRequest(
            "unknown property \"" + key + "\"; a note has body and pinned");
      }
    }
    return request;
  }

  private static String text(Object value) {
    if (!(value instanceof String text)) {
      throw HttpProblem.badRequest("body must be a string of Markdown");
    }
    return text;
  }

  private static boolean flag(Object value) {
    if (!(value instanceof Boolean flag)) {
      throw HttpProblem.badRequest("pinned must be true or false");
    }
    return flag;
  }
}
