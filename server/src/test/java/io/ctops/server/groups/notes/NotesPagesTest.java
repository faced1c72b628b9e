package io.ctops.server.groups.notes;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctops.server.auth.Role;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Notes on hosts and groups through the real web app: the pages, their forms and the API. */
@ExtendWith(FreshDatabase.class)
class NotesPagesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private WebFixture web;
  private UUID org;
  private UUID host;
  private UUID group;
  private WebClient engineer;
  private WebClient viewer;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    org = web.defaultOrg();
    web.user(org, "erin@example.com", Role.ENGINEER);
    web.user(org, "vic@example.com", Role.READ_ONLY);
    engineer = web.client();
    engineer.signIn("erin@example.com", WebFixture.PASSWORD);
    viewer = web.client();
    viewer.signIn("vic@example.com", WebFixture.PASSWORD);
    host = aHost("db-01").insert(web.jdbi(), org);
    group = group(org, "Databases");
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private UUID group(UUID orgId, String name) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "INSERT INTO host_groups (org_id, name, dynamic) VALUES (:org, :name, false)"
                            + " RETURNING id")
                    .bind("org", orgId)
                    .bind("name", name)
                    .mapTo(UUID.class)
                    .one());
  }

  private String notesPage(WebClient client) {
    HttpResponse<String> page = client.get("/hosts/" + host + "/notes");
    assertThat(page.statusCode()).isEqualTo(200);
    return page.body();
  }

  private HttpResponse<String> add(WebClient client, String body) {
    return client.post("/hosts/" + host + "/notes", Map.of("body", body));
  }

  private UUID noteWith(String body) {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT id FROM notes WHERE body = :body")
                    .bind("body", body)
                    .mapTo(UUID.class)
                    .one());
  }

  private HttpResponse<String> api(WebClient client, String method, String path, String json) {
    return client.send(
        client
            .request(path)
            .header("Content-Type", "application/json")
            .header("X-CSRF-Token", client.csrf())
            .method(
                method,
                json == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  private List<String> auditActions() {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "SELECT action FROM audit_entries WHERE action LIKE 'note.%'"
                            + " AND target_host_id = :host ORDER BY id")
                    .bind("host", host)
                    .mapTo(String.class)
                    .list());
  }

  /** A snapshot of everything notes-related, to show a refused request changed nothing. */
  private String notesState() {
    return web.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "SELECT (SELECT count(*) FROM notes) || '/'"
                            + " || (SELECT count(*) FROM notes WHERE deleted_at IS NOT NULL) || '/'"
                            + " || (SELECT count(*) FROM note_revisions) || '/'"
                            + " || (SELECT coalesce(string_agg(body || pinned, '|' ORDER BY id), '')"
                            + " FROM notes)")
                    .mapTo(String.class)
                    .one());
  }

  @Test
  void engineerAddsEditsPinsAndDeletesNotesKeepingEveryVersion() {
    HttpResponse<String> added = add(engineer, "First: the disk is **replaced**.");
    assertThat(added.statusCode()).isEqualTo(303);
    assertThat(added.headers().firstValue("Location")).hasValue("/hosts/" + host + "/notes");
    add(engineer, "Second, newer note");
    UUID first = noteWith("First: the disk is **replaced**.");
    UUID second = noteWith("Second, newer note");

    String page = notesPage(engineer);
    assertThat(page)
        .contains("id=\"tab-notes\"")
        .contains("<strong>replaced</strong>")
        .contains("erin@example.com")
        .contains("id=\"note-add-form\"");
    assertThat(page.indexOf("note-" + second)).isLessThan(page.indexOf("note-" + first));

    // pinned notes come first, whatever their age
    assertThat(engineer.post("/notes/" + first + "/pin", Map.of("pinned", "true")).statusCode())
        .isEqualTo(303);
    page = notesPage(engineer);
    assertThat(page.indexOf("note-" + first)).isLessThan(page.indexOf("note-" + second));
    assertThat(page).contains("class=\"note pinned\" id=\"note-" + first);

    // an edit keeps the body it replaced
    assertThat(
            engineer
                .post("/notes/" + first + "/edit", Map.of("body", "First: the disk was replaced."))
                .statusCode())
        .isEqualTo(303);
    assertThat(web.count("SELECT count(*) FROM note_revisions")).isEqualTo(1);
    page = notesPage(engineer);
    assertThat(page)
        .contains("First: the disk was replaced.")
        .contains("class=\"muted note-edited\"");
    String history = engineer.get("/notes/" + first + "/revisions").body();
    assertThat(history)
        .contains("id=\"version-2\"")
        .contains("First: the disk was replaced.")
        .contains("id=\"version-1\"")
        .contains("<strong>replaced</strong>");
    // saving the same text again is no edit
    engineer.post("/notes/" + first + "/edit", Map.of("body", "First: the disk was replaced."));
    assertThat(web.count("SELECT count(*) FROM note_revisions")).isEqualTo(1);

    assertThat(engineer.post("/notes/" + second + "/delete", Map.of()).statusCode()).isEqualTo(303);
    assertThat(notesPage(engineer)).doesNotContain("Second, newer note");
    assertThat(web.count("SELECT count(*) FROM notes WHERE deleted_at IS NOT NULL")).isEqualTo(1);
    assertThat(engineer.post("/notes/" + second + "/edit", Map.of("body", "x")).statusCode())
        .isEqualTo(404);

    assertThat(auditActions())
        .containsExactly("note.add", "note.add", "note.pin", "note.edit", "note.delete");
    // the host's History shows them too
    assertThat(engineer.get("/hosts/" + host).body()).contains("note.edit");
  }

  @Test
  void htmxFormsGetThePanelBack() {
    HttpResponse<String> panel =
        engineer.postRaw(
            "/hosts/" + host + "/notes",
            Map.of("body", "via htmx", "pinned", "true"),
            "HX-Request",
            "true",
            "X-CSRF-Token",
            engineer.csrf());
    assertThat(panel.statusCode()).isEqualTo(200);
    assertThat(panel.body())
        .startsWith("<section class=\"card notes\" id=\"notes-panel\"")
        .contains("<p>via htmx</p>")
        .contains(">Unpin</button>");

    HttpResponse<String> preview =
        engineer.postRaw(
            "/notes/preview",
            Map.of("body", "*soon*"),
            "HX-Request",
            "true",
            "X-CSRF-Token",
            engineer.csrf());
    assertThat(preview.body()).contains("<em>soon</em>");
    assertThat(web.count("SELECT count(*) FROM notes")).isEqualTo(1);
  }

  @Test
  void readOnlyUsersReadNotesButSeeNoFormAndCannotWrite() {
    add(engineer, "Read me");
    UUID note = noteWith("Read me");
    String before = notesState();

    String page = notesPage(viewer);
    assertThat(page).contains("Read me").doesNotContain("<form method=\"post\" action=\"/hosts/");
    assertThat(page)
        .doesNotContain("id=\"note-add-form\"")
        .doesNotContain("note-pin")
        .doesNotContain("note-delete")
        .doesNotContain("note-edit");
    assertThat(add(viewer, "mine").statusCode()).isEqualTo(403);
    assertThat(viewer.post("/groups/" + group + "/notes", Map.of("body", "x")).statusCode())
        .isEqualTo(403);
    assertThat(viewer.post("/notes/" + note + "/edit", Map.of("body", "x")).statusCode())
        .isEqualTo(403);
    assertThat(viewer.post("/notes/" + note + "/pin", Map.of("pinned", "true")).statusCode())
        .isEqualTo(403);
    assertThat(viewer.post("/notes/" + note + "/delete", Map.of()).statusCode()).isEqualTo(403);
    assertThat(
            api(viewer, "POST", "/api/v1/hosts/" + host + "/notes", "{\"body\":\"x\"}")
                .statusCode())
        .isEqualTo(403);
    assertThat(api(viewer, "PATCH", "/api/v1/notes/" + note, "{\"pinned\":true}").statusCode())
        .isEqualTo(403);
    assertThat(api(viewer, "DELETE", "/api/v1/notes/" + note, null).statusCode()).isEqualTo(403);
    assertThat(notesState()).isEqualTo(before);

    assertThat(viewer.get("/api/v1/hosts/" + host + "/notes").body()).contains("Read me");
    assertThat(viewer.get("/notes/" + note + "/revisions").statusCode()).isEqualTo(200);
  }

  @Test
  void badInputGetsTheReasonAndChangesNothing() throws Exception {
    add(engineer, "Keep me");
    UUID note = noteWith("Keep me");
    String before = notesState();

    assertThat(add(engineer, "").statusCode()).isEqualTo(400);
    HttpResponse<String> blank = add(engineer, "  \n\t ");
    assertThat(blank.statusCode()).isEqualTo(400);
    assertThat(blank.body()).contains("the note is empty");
    HttpResponse<String> tooLong = add(engineer, "x".repeat(20_001));
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(tooLong.body()).contains("limited to 20,000 characters");
    assertThat(add(engineer, "a\u0007b").statusCode()).isEqualTo(400);
    assertThat(engineer.post("/notes/" + note + "/edit", Map.of("body", "")).statusCode())
        .isEqualTo(400);
    assertThat(engineer.post("/notes/" + note + "/pin", Map.of("pinned", "maybe")).statusCode())
        .isEqualTo(400);
    assertThat(engineer.post("/notes/" + note + "/pin", Map.of()).statusCode()).isEqualTo(400);
    assertThat(engineer.post("/notes/" + UUID.randomUUID() + "/edit", Map.of("body", "x")))
        .satisfies(r -> assertThat(r.statusCode()).isEqualTo(404));
    assertThat(engineer.post("/notes/not-a-note/delete", Map.of()).statusCode()).isEqualTo(404);
    assertThat(engineer.post("/hosts/" + UUID.randomUUID() + "/notes", Map.of("body", "x")))
        .satisfies(r -> assertThat(r.statusCode()).isEqualTo(404));

    String hostNotes = "/api/v1/hosts/" + host + "/notes";
    for (String body :
        List.of(
            "not json",
            "[]",
            "{}",
            "{\"body\": 5}",
            "{\"body\": \"\"}",
            "{\"body\": \"a\\u0007b\"}",
            "{\"body\": \"a\\u0000b\"}",
            "{\"body\": \"x\", \"pinned\": \"yes\"}",
            "{\"body\": \"x\", \"author\": \"someone else\"}",
            "{\"body\": \"" + "y".repeat(20_001) + "\"}")) {
      HttpResponse<String> refused = api(engineer, "POST", hostNotes, body);
      assertThat(refused.statusCode()).as(body).isEqualTo(400);
      assertThat(json(refused).get("error").asText()).as(body).isNotBlank();
    }
    for (String body :
        List.of("{}", "{\"pinned\": 1}", "{\"body\": null}", "{\"body\": \"x\", \"pinned\": 2}")) {
      assertThat(api(engineer, "PATCH", "/api/v1/notes/" + note, body).statusCode())
          .as(body)
          .isEqualTo(400);
    }
    assertThat(
            api(engineer, "PATCH", "/api/v1/notes/" + UUID.randomUUID(), "{\"pinned\": true}")
                .statusCode())
        .isEqualTo(404);
    assertThat(notesState()).isEqualTo(before);

    // the limit itself is fine; line breaks from a browser (CRLF) count once
    assertThat(add(engineer, "z".repeat(20_000)).statusCode()).isEqualTo(303);
    assertThat(add(engineer, "line\r\n".repeat(3_000) + "end").statusCode()).isEqualTo(303);
    assertThat(
            web.count(
                "SELECT count(*) FROM notes WHERE body LIKE 'line%' AND body NOT LIKE '%\r%'"))
        .isEqualTo(1);
  }

  @Test
  void anotherOrganisationsHostsGroupsAndNotesAnswer404() {
    UUID other = web.otherOrg();
    UUID theirHost = aHost("theirs").insert(web.jdbi(), other);
    UUID theirGroup = group(other, "Theirs");
    UUID theirNote =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO notes (org_id, host_id, body, author_name, updated_by_name)"
                                + " VALUES (:org, :host, 'secret plan', 'x', 'x') RETURNING id")
                        .bind("org", other)
                        .bind("host", theirHost)
                        .mapTo(UUID.class)
                        .one());
    String before = notesState();

    assertThat(engineer.get("/hosts/" + theirHost + "/notes").statusCode()).isEqualTo(404);
    assertThat(engineer.get("/groups/" + theirGroup + "/notes").statusCode()).isEqualTo(404);
    assertThat(engineer.get("/notes/" + theirNote + "/revisions").statusCode()).isEqualTo(404);
    assertThat(engineer.get("/api/v1/hosts/" + theirHost + "/notes").statusCode()).isEqualTo(404);
    assertThat(engineer.get("/api/v1/groups/" + theirGroup + "/notes").statusCode()).isEqualTo(404);
    assertThat(engineer.get("/api/v1/notes/" + theirNote).statusCode()).isEqualTo(404);
    assertThat(engineer.get("/api/v1/notes/" + theirNote + "/revisions").statusCode())
        .isEqualTo(404);
    assertThat(engineer.post("/hosts/" + theirHost + "/notes", Map.of("body", "x")).statusCode())
        .isEqualTo(404);
    assertThat(engineer.post("/groups/" + theirGroup + "/notes", Map.of("body", "x")).statusCode())
        .isEqualTo(404);
    assertThat(engineer.post("/notes/" + theirNote + "/edit", Map.of("body", "x")).statusCode())
        .isEqualTo(404);
    assertThat(engineer.post("/notes/" + theirNote + "/delete", Map.of()).statusCode())
        .isEqualTo(404);
    assertThat(
            api(engineer, "PATCH", "/api/v1/notes/" + theirNote, "{\"body\":\"x\"}").statusCode())
        .isEqualTo(404);
    assertThat(api(engineer, "DELETE", "/api/v1/notes/" + theirNote, null).statusCode())
        .isEqualTo(404);
    assertThat(notesState()).isEqualTo(before);
  }

  @Test
  void hostileMarkdownRendersInert() {
    add(
        engineer,
        "<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
            + "[click me](javascript:alert(document.cookie)) and [docs](https://docs.example/run)");
    String page = notesPage(engineer);
    assertThat(page)
        .doesNotContain("<script>alert")
        .doesNotContain("<img src=x")
        .contains("&lt;script&gt;alert")
        .contains("&lt;img src=x onerror=alert(1)&gt;")
        .doesNotContainPattern("href=\"javascript:")
        .contains("href=\"https://docs.example/run\"")
        .contains("rel=\"noopener noreferrer nofollow\"");
  }

  @Test
  void theApiListsAddsChangesAndDeletesNotesOfGroupsAndHosts() throws Exception {
    HttpResponse<String> created =
        api(
            engineer,
            "POST",
            "/api/v1/groups/" + group + "/notes",
            "{\"body\": \"Patch window: Sunday 02:00\", \"pinned\": true}");
    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode note = json(created);
    String id = note.get("id").asText();
    assertThat(note.get("group_id").asText()).isEqualTo(group.toString());
    assertThat(note.get("host_id").isNull()).isTrue();
    assertThat(note.get("pinned").asBoolean()).isTrue();
    assertThat(note.get("author_name").asText()).isEqualTo("erin@example.com");
    assertThat(note.get("edited").asBoolean()).isFalse();

    JsonNode changed =
        json(
            api(
                engineer,
                "PATCH",
                "/api/v1/notes/" + id,
                "{\"body\": \"Patch window: Saturday 02:00\", \"pinned\": false}"));
    assertThat(changed.get("body").asText()).isEqualTo("Patch window: Saturday 02:00");
    assertThat(changed.get("pinned").asBoolean()).isFalse();
    assertThat(changed.get("edited").asBoolean()).isTrue();
    assertThat(changed.get("revisions").asInt()).isEqualTo(1);

    JsonNode revisions = json(viewer.get("/api/v1/notes/" + id + "/revisions")).get("revisions");
    assertThat(revisions).hasSize(1);
    assertThat(revisions.get(0).get("body").asText()).isEqualTo("Patch window: Sunday 02:00");
    assertThat(revisions.get(0).get("edited_by_name").asText()).isEqualTo("erin@example.com");

    JsonNode listed = json(viewer.get("/api/v1/groups/" + group + "/notes")).get("notes");
    assertThat(listed).hasSize(1);
    String groupPage = viewer.get("/groups/" + group + "/notes").body();
    assertThat(groupPage).contains("Databases").contains("Patch window: Saturday 02:00");

    assertThat(api(engineer, "DELETE", "/api/v1/notes/" + id, null).statusCode()).isEqualTo(204);
    assertThat(viewer.get("/api/v1/notes/" + id).statusCode()).isEqualTo(404);
    assertThat(json(viewer.get("/api/v1/groups/" + group + "/notes")).get("notes")).isEmpty();
    assertThat(
            web.count(
                "SELECT count(*) FROM audit_entries WHERE target_type = 'note'"
                    + " AND target_label = 'note on group Databases'"))
        .isEqualTo(4);

    HttpResponse<String> onHost =
        api(engineer, "POST", "/api/v1/hosts/" + host + "/notes", "{\"body\": \"on the host\"}");
    assertThat(onHost.statusCode()).isEqualTo(201);
    assertThat(
            json(viewer.get("/api/v1/hosts/" + host + "/notes"))
                .get("notes")
                .get(0)
                .get("body")
                .asText())
        .isEqualTo("on the host");
  }

  @Test
  void theAuthorsNameOutlivesTheirAccount() {
    add(engineer, "Written before leaving");
    web.jdbi().useHandle(h -> h.execute("DELETE FROM users WHERE email = 'erin@example.com'"));
    assertThat(notesPage(viewer)).contains("Written before leaving").contains("erin@example.com");
    assertThat(web.count("SELECT count(*) FROM notes WHERE author_id IS NULL")).isEqualTo(1);
  }

  @Test
  void aDeletedHostsNotesAreKeptAsTheyAre() {
    add(engineer, "Before deletion");
    UUID note = noteWith("Before deletion");
    web.jdbi().useHandle(h -> h.execute("UPDATE hosts SET deleted_at = now()"));
    String page = notesPage(engineer);
    assertThat(page)
        .contains("Before deletion")
        .contains("id=\"notes-frozen\"")
        .doesNotContain("id=\"note-add-form\"");
    assertThat(add(engineer, "after").statusCode()).isEqualTo(409);
    assertThat(engineer.post("/notes/" + note + "/edit", Map.of("body", "x")).statusCode())
        .isEqualTo(409);
    assertThat(web.count("SELECT count(*) FROM notes")).isEqualTo(1);
  }
}
