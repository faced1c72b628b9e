package io.ctops.server.hosts;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.auth.HostScope;
import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.WebClient;
import io.ctops.server.testing.WebFixture;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A host's approval and contact as the page and the overview tell them: approval is the admin's
 * decision, whether or not the agent is connected; a host that just connected or was just approved
 * has been seen or is waited for, not stale.
 */
@ExtendWith(FreshDatabase.class)
class HostContactTest {
  private WebFixture web;
  private WebClient admin;

  @BeforeEach
  void start(Database database) {
    web = WebFixture.on(database);
    admin = web.signedInAdmin();
  }

  @AfterEach
  void stop() {
    web.close();
  }

  private void sql(String update, UUID host, Instant at) {
    web.jdbi()
        .useHandle(
            h ->
                h.createUpdate(update).bind("host", host).bind("at", Timestamp.from(at)).execute());
  }

  private void approvedAt(UUID host, Instant at) {
    sql(
        "UPDATE agents SET approved_at = :at"
            + " WHERE id = (SELECT agent_id FROM hosts WHERE id = :host)",
        host,
        at);
  }

  private static String fact(String page, String id) {
    Matcher m = Pattern.compile("<dd id=\"" + id + "\">([^<]*)").matcher(page);
    assertThat(m.find()).as(id).isTrue();
    return m.group(1).strip();
  }

  @Test
  void aDeletedHostWhoseAgentDisconnectedIsStillApproved() {
    UUID host =
        aHost("gone")
            .status("offline")
            .agent("offline")
            .deleted()
            .insert(web.jdbi(), web.defaultOrg());
    assertThat(fact(admin.get("/hosts/" + host).body(), "fact-approval")).isEqualTo("Approved");
    UUID waiting =
        aHost("waiting").status("pending").agent("pending").insert(web.jdbi(), web.defaultOrg());
    assertThat(fact(admin.get("/hosts/" + waiting).body(), "fact-approval")).isEqualTo("Pending");
  }

  @Test
  void aHostThatJustConnectedHasBeenSeenAndAJustApprovedOneIsNotStale() {
    Instant now = Instant.now();
    Instant longAgo = now.minus(Duration.ofMinutes(20));
    UUID connected =
        aHost("connected")
            .status("online")
            .agent("active")
            .lastSeen(null)
            .insert(web.jdbi(), web.defaultOrg());
    approvedAt(connected, now);
    sql("UPDATE hosts SET stream_opened_at = :at WHERE id = :host", connected, now);
    UUID approved =
        aHost("approved")
            .status("unknown")
            .agent("active")
            .lastSeen(null)
            .insert(web.jdbi(), web.defaultOrg());
    approvedAt(approved, now);
    UUID neverCame =
        aHost("never-came")
            .status("unknown")
            .agent("active")
            .lastSeen(null)
            .insert(web.jdbi(), web.defaultOrg());
    approvedAt(neverCame, longAgo);
    sql("UPDATE hosts SET first_seen = :at WHERE id = :host", neverCame, longAgo);
    UUID quiet =
        aHost("quiet")
            .status("offline")
            .agent("offline")
            .lastSeen(longAgo)
            .insert(web.jdbi(), web.defaultOrg());
    approvedAt(quiet, longAgo);

    assertThat(fact(admin.get("/hosts/" + connected).body(), "fact-last-seen"))
        .isNotEqualTo("never");
    assertThat(admin.get("/api/v1/hosts/" + connected).body()).doesNotContain("\"last_seen\":null");
    String list = admin.get("/hosts").body();
    String row = list.substring(list.indexOf("data-host=\"" + connected + "\""));
    assertThat(row.substring(0, row.indexOf("</tr>"))).doesNotContain(">never<");
    assertThat(fact(admin.get("/hosts/" + approved).body(), "fact-last-seen")).isEqualTo("never");

    FleetOverview overview =
        new FleetOverviewQuery(web.jdbi(), Clock.systemUTC())
            .compute(web.defaultOrg(), HostScope.ORGANISATION);
    assertThat(overview.stale()).isEqualTo(2); // never-came and quiet
  }
}
