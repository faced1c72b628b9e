package io.ctops.server.hosts;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.auth.HostScope;
import io.ctops.server.testing.FreshDatabase;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The host list's search matches a host's note text: it finds hosts by their live notes only, and
 * over a fleet the trigram index answers it rather than a scan of every note.
 */
@ExtendWith(FreshDatabase.class)
class NotesSearchIndexTest {
  private static final HostListParams SEARCH =
      HostListParams.parse(Map.of("q", List.of("raid controller")));

  private static UUID org(Jdbi jdbi) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT id FROM organisations WHERE slug = 'default'")
                .mapTo(UUID.class)
                .one());
  }

  private static void note(
      Handle h, UUID org, UUID host, UUID group, String body, boolean deleted) {
    h.createUpdate(
            """
            INSERT INTO notes (org_id, host_id, group_id, body, author_name, updated_by_name,
                               deleted_at)
            VALUES (:org, :host, :group, :body, 'seed', 'seed',
                    CASE WHEN :deleted THEN now() END)
            """)
        .bind("org", org)
        .bind("host", host)
        .bind("group", group)
        .bind("body", body)
        .bind("deleted", deleted)
        .execute();
  }

  @Test
  void findsHostsByTheirLiveNotesThroughTheTrigramIndex(Jdbi jdbi) {
    UUID org = org(jdbi);
    UUID withNote = aHost("app-01").insert(jdbi, org);
    UUID withDeletedNote = aHost("app-02").insert(jdbi, org);
    aHost("app-03").insert(jdbi, org);
    jdbi.useHandle(
        h -> {
          UUID group =
              h.createQuery(
                      "INSERT INTO host_groups (org_id, name, dynamic) VALUES (:org, 'g', false)"
                          + " RETURNING id")
                  .bind("org", org)
                  .mapTo(UUID.class)
                  .one();
          note(h, org, withNote, null, "Replaced the RAID controller in rack 7", false);
          note(h, org, withDeletedNote, null, "raid controller suspect", true);
          note(h, org, null, group, "every raid controller gets checked", false);
          // a fleet: many hosts, most with a note or two
          h.createUpdate(
                  """
                  INSERT INTO hosts (org_id, hostname, status)
                  SELECT :org, 'fleet-' || i, 'online' FROM generate_series(1, 5000) AS i
                  """)
              .bind("org", org)
              .execute();
          h.createUpdate(
                  """
                  INSERT INTO notes (org_id, host_id, body, author_name, updated_by_name)
                  SELECT :org, id, 'routine check of ' || hostname || ' by ' || md5(hostname),
                         'seed', 'seed'
                    FROM hosts WHERE hostname LIKE 'fleet-%'
                  """)
              .bind("org", org)
              .execute();
          h.execute("ANALYZE notes");
          h.execute("ANALYZE hosts");
        });

    List<String> found =
        new HostListQuery(jdbi)
            .page(org, HostScope.ORGANISATION, SEARCH).rows().stream()
                .map(HostRow::hostname)
                .toList();
    assertThat(found).containsExactly("app-01");

    String plan =
        jdbi.withHandle(
            h -> {
              // a fleet this small is cheaper to scan; the question is whether the index serves
              h.execute("SET enable_seqscan = off");
              return String.join(
                  "\n",
                  h.createQuery("EXPLAIN " + HostListQuery.pageIds(HostScope.ORGANISATION, SEARCH))
                      .bind("org", org)
                      .bind("deleted", false)
                      .bind("status", (String) null)
                      .bind("os", (String) null)
                      .bind("pattern", "%raid controller%")
                      .bind("limit", 50)
                      .bind("offset", 0)
                      .mapTo(String.class)
                      .list());
            });
    assertThat(plan).as(plan).contains("Bitmap Index Scan on notes_body_trgm_idx");
  }
}
