package io.ctops.server.groups;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.HostScope;
import io.ctops.server.testing.FreshDatabase;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A dynamic group's members are the live hosts matching its rule now: the statement triggers of
 * V13__groups.sql follow hosts that are added or change (one by one or thousands in one statement),
 * {@link HostGroups#refresh} follows a changed rule.
 */
@ExtendWith(FreshDatabase.class)
class DynamicMembersTest {
  private static final Actor TEST = Actor.system("test");
  private Jdbi jdbi;
  private UUID org;

  @BeforeEach
  void open(Jdbi jdbi) {
    this.jdbi = jdbi;
    org =
        jdbi.withHandle(h -> h.createQuery("SELECT id FROM organisations").mapTo(UUID.class).one());
  }

  private UUID group(String name, GroupRule rule) {
    return jdbi.inTransaction(
        h -> HostGroups.create(h, org, TEST, new HostGroups.GroupSpec(name, "", true, rule)));
  }

  private List<String> members(UUID group) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT h.hostname FROM host_group_members m JOIN hosts h ON h.id = m.host_id"
                        + " WHERE m.group_id = :g ORDER BY h.hostname")
                .bind("g", group)
                .mapTo(String.class)
                .list());
  }

  private static GroupRule rule(
      List<String> tags, String os, String hostname, String cidr, String status) {
    return new GroupRule(
        tags.stream().map(Tag::parse).toList(),
        Optional.ofNullable(os),
        Optional.ofNullable(hostname),
        Optional.ofNullable(cidr),
        Optional.ofNullable(status));
  }

  @Test
  void aRuleTakesTheMatchingLiveHostsWhenSavedAndWhenHostsArrive() {
    aHost("web-1").os("Ubuntu").ips("10.1.0.5").status("online").insert(jdbi, org);
    aHost("web-2").os("Debian").ips("10.2.0.5").status("online").insert(jdbi, org);
    aHost("web-3").os("ubuntu").ips("10.1.9.9").status("offline").insert(jdbi, org);
    aHost("web-4").os("Ubuntu").ips("10.1.0.6").status("online").deleted().insert(jdbi, org);
    aHost("db-1").os("Ubuntu").ips("10.1.0.7").status("online").insert(jdbi, org);

    UUID ubuntuWeb = group("ubuntu web", rule(List.of(), "UBUNTU", "web-*", null, null));
    UUID net = group("net", rule(List.of(), null, null, "10.1.0.0/16", "online"));
    assertThat(members(ubuntuWeb)).containsExactly("web-1", "web-3");
    assertThat(members(net)).containsExactly("db-1", "web-1");

    aHost("web-5").os("Ubuntu").ips("10.1.3.3").status("online").insert(jdbi, org);
    assertThat(members(ubuntuWeb)).containsExactly("web-1", "web-3", "web-5");
    assertThat(members(net)).containsExactly("db-1", "web-1", "web-5");
  }

  @Test
  void hostsChangingInOneStatementJoinAndLeaveTogether() {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO hosts (org_id, hostname, status) SELECT :org, 'n-' || n, 'online'"
                        + " FROM generate_series(1, 3000) n")
                .bind("org", org)
                .execute());
    UUID offline = group("offline", rule(List.of(), null, null, null, "offline"));
    UUID prod = group("prod", rule(List.of("env:prod"), null, null, null, null));
    assertThat(members(offline)).isEmpty();

    jdbi.useHandle(
        h -> h.execute("UPDATE hosts SET status = 'offline' WHERE hostname LIKE 'n-1%'"));
    assertThat(members(offline)).hasSize(1111);

    List<UUID> all =
        jdbi.withHandle(h -> h.createQuery("SELECT id FROM hosts").mapTo(UUID.class).list());
    jdbi.useTransaction(h -> HostTags.tag(h, org, TEST, all, List.of(Tag.parse("Env:Prod"))));
    assertThat(members(prod)).hasSize(3000);

    // an agent tag with the same key does not matter while the operator's wins
    jdbi.useHandle(
        h ->
            h.execute(
                "UPDATE hosts SET metadata = '{\"tags\": {\"env\": \"dev\"}}'"
                    + " WHERE hostname = 'n-7'"));
    assertThat(members(prod)).hasSize(3000);
    jdbi.useTransaction(h -> HostTags.untag(h, org, TEST, all, List.of(Tag.parse("env"))));
    assertThat(members(prod)).isEmpty();

    jdbi.useHandle(h -> h.execute("UPDATE hosts SET deleted_at = now() WHERE hostname = 'n-100'"));
    assertThat(members(offline)).hasSize(1110).doesNotContain("n-100");
  }

  @Test
  void aChangedRuleReplacesTheMembersAndAStaticGroupKeepsItsOwn() {
    UUID a = aHost("a").status("online").insert(jdbi, org);
    aHost("b").status("offline").insert(jdbi, org);
    UUID online = group("status", rule(List.of(), null, null, null, "online"));
    jdbi.useTransaction(
        h ->
            HostGroups.update(
                h,
                org,
                TEST,
                online,
                new HostGroups.GroupSpec(
                    "status", "", true, rule(List.of(), null, null, null, "offline"))));
    assertThat(members(online)).containsExactly("b");

    UUID picked =
        jdbi.inTransaction(
            h ->
                HostGroups.create(
                    h, org, TEST, new HostGroups.GroupSpec("picked", "", false, GroupRule.NONE)));
    jdbi.useTransaction(h -> HostGroups.addMembers(h, org, TEST, picked, List.of(a)));
    jdbi.useHandle(h -> h.execute("UPDATE hosts SET status = 'offline'"));
    assertThat(members(picked)).containsExactly("a");
    assertThat(members(online)).containsExactly("a", "b");
    long selected =
        jdbi.withHandle(
            h ->
                HostSelectors.count(
                    h, org, HostScope.ORGANISATION, new HostSelector.Group(picked)));
    assertThat(selected).isEqualTo(1);
  }
}
