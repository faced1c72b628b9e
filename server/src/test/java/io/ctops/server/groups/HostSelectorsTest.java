package io.ctops.server.groups;

import static io.ctops.server.testing.HostSeed.aHost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.HostScope;
import io.ctops.server.auth.Role;
import io.ctops.server.testing.FreshDatabase;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The host selector on a real database: each kind names the right hosts, within the user's scope; a
 * dynamic group follows its hosts as they change (the triggers) and its rule when it is edited.
 */
@ExtendWith(FreshDatabase.class)
class HostSelectorsTest {
  private static final Actor ACTOR = Actor.system("test");

  private Jdbi jdbi;
  private UUID org;
  private UUID web1;
  private UUID web2;
  private UUID db1;
  private UUID gone;

  @BeforeEach
  void seed(Jdbi jdbi) {
    this.jdbi = jdbi;
    org =
        jdbi.withHandle(
            h ->
                h.createQuery("SELECT id FROM organisations WHERE slug = 'default'")
                    .mapTo(UUID.class)
                    .one());
    web1 = aHost("web-1").ips("10.1.0.1").status("online").insert(jdbi, org);
    web2 = aHost("web-2").ips("10.1.0.2").status("offline").insert(jdbi, org);
    db1 = aHost("db-1").ips("10.2.0.1").os("Debian").status("online").insert(jdbi, org);
    gone = aHost("web-9").ips("10.1.0.9").deleted().insert(jdbi, org);
    tag(web1, "role:web", "env:prod");
    tag(web2, "role:web");
    tag(db1, "role:db", "env:prod");
    tag(gone, "role:web");
  }

  private void tag(UUID host, String... tags) {
    jdbi.useTransaction(
        h ->
            HostTags.tag(
                h, org, ACTOR, Set.of(host), List.of(tags).stream().map(Tag::parse).toList()));
  }

  private void untag(UUID host, String tag) {
    jdbi.useTransaction(h -> HostTags.untag(h, org, ACTOR, Set.of(host), List.of(Tag.parse(tag))));
  }

  private List<UUID> resolve(HostScope scope, HostSelector selector) {
    return jdbi.withHandle(h -> HostSelectors.resolve(h, org, scope, selector));
  }

  private List<UUID> resolve(HostSelector selector) {
    return resolve(HostScope.ORGANISATION, selector);
  }

  private UUID group(String name, GroupRule rule) {
    return jdbi.inTransaction(
        h ->
            HostGroups.create(
                h, org, ACTOR, new HostGroups.GroupSpec(name, "", !rule.isEmpty(), rule)));
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

  private void update(String sql, UUID host) {
    jdbi.useHandle(h -> h.createUpdate(sql).bind("id", host).execute());
  }

  @Test
  void eachKindOfSelectorNamesItsLiveHosts() {
    UUID picked = group("picked", GroupRule.NONE);
    jdbi.useTransaction(h -> HostGroups.addMembers(h, org, ACTOR, picked, List.of(web2, db1)));

    assertThat(resolve(HostSelector.ALL)).containsExactlyInAnyOrder(web1, web2, db1);
    assertThat(resolve(new HostSelector.Group(picked))).containsExactlyInAnyOrder(web2, db1);
    assertThat(resolve(new HostSelector.OneHost(db1))).containsExactly(db1);
    assertThat(resolve(new HostSelector.OneHost(gone))).isEmpty();
    assertThat(resolve(new HostSelector.Tags(List.of(Tag.parse("ROLE:Web")))))
        .containsExactlyInAnyOrder(web1, web2);
    assertThat(resolve(new HostSelector.Tags(List.of(Tag.parse("env"), Tag.parse("role:web")))))
        .containsExactly(web1);
    long prod =
        jdbi.withHandle(
            h ->
                HostSelectors.count(
                    h,
                    org,
                    HostScope.ORGANISATION,
                    new HostSelector.Tags(List.of(Tag.parse("env:prod")))));
    assertThat(prod).isEqualTo(2);
    UUID otherOrg =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "INSERT INTO organisations (name, slug) VALUES ('Other', 'other')"
                            + " RETURNING id")
                    .mapTo(UUID.class)
                    .one());
    UUID theirs = aHost("web-1").insert(jdbi, otherOrg);
    assertThat(resolve(new HostSelector.OneHost(theirs))).isEmpty();
    assertThat(resolve(HostSelector.ALL)).doesNotContain(theirs);
  }

  @Test
  void aScopedUserResolvesOnlyTheHostsOfTheirGroups() {
    UUID prod = group("prod", rule(List.of("env:prod"), null, null, null, null));
    UUID picked = group("picked", GroupRule.NONE);
    jdbi.useTransaction(h -> HostGroups.addMembers(h, org, ACTOR, picked, List.of(web2)));
    HostScope scope = new HostScope.Groups(Map.of(prod, Role.ENGINEER));

    assertThat(resolve(scope, HostSelector.ALL)).containsExactlyInAnyOrder(web1, db1);
    assertThat(resolve(scope, new HostSelector.Tags(List.of(Tag.parse("role:web")))))
        .containsExactly(web1);
    assertThat(resolve(scope, new HostSelector.OneHost(web2))).isEmpty();
    assertThat(resolve(scope, new HostSelector.Group(picked))).isEmpty();
    assertThatThrownBy(
            () ->
                jdbi.useHandle(
                    h -> HostSelectors.requireKnown(h, org, scope, new HostSelector.Group(picked))))
        .isInstanceOf(HostSelector.InvalidSelectorException.class)
        .hasMessageContaining("no such group");
    assertThat(resolve(new HostScope.Groups(Map.of()), HostSelector.ALL)).isEmpty();
  }

  @Test
  void aDynamicGroupFollowsItsHostsTagsStatusHostnameAndAddresses() {
    UUID byTag = group("web", rule(List.of("role:web"), null, null, null, null));
    UUID byStatus = group("online", rule(List.of(), null, null, null, "online"));
    UUID byName = group("db names", rule(List.of(), null, "db-*", null, null));
    UUID byNetwork = group("lan 2", rule(List.of(), null, null, "10.2.0.0/16", null));
    UUID byOs = group("debian", rule(List.of(), "debian", null, null, null));
    assertThat(resolve(new HostSelector.Group(byTag))).containsExactlyInAnyOrder(web1, web2);
    assertThat(resolve(new HostSelector.Group(byStatus))).containsExactlyInAnyOrder(web1, db1);
    assertThat(resolve(new HostSelector.Group(byName))).containsExactly(db1);
    assertThat(resolve(new HostSelector.Group(byNetwork))).containsExactly(db1);
    assertThat(resolve(new HostSelector.Group(byOs))).containsExactly(db1);

    tag(db1, "role:web"); // the operator's tag replaces role:db
    untag(web2, "role");
    assertThat(resolve(new HostSelector.Group(byTag))).containsExactlyInAnyOrder(web1, db1);

    update("UPDATE hosts SET status = 'offline' WHERE id = :id", web1);
    update("UPDATE hosts SET status = 'online' WHERE id = :id", web2);
    assertThat(resolve(new HostSelector.Group(byStatus))).containsExactlyInAnyOrder(web2, db1);

    update("UPDATE hosts SET hostname = 'db-2' WHERE id = :id", web2);
    update("UPDATE hosts SET hostname = 'app-1' WHERE id = :id", db1);
    assertThat(resolve(new HostSelector.Group(byName))).containsExactly(web2);

    update("UPDATE hosts SET ip_addresses = '{10.2.5.5}' WHERE id = :id", web1);
    update("UPDATE hosts SET ip_addresses = '{192.168.1.1}' WHERE id = :id", db1);
    assertThat(resolve(new HostSelector.Group(byNetwork))).containsExactly(web1);

    update("UPDATE hosts SET deleted_at = now() WHERE id = :id", web1);
    assertThat(resolve(new HostSelector.Group(byNetwork))).isEmpty();
    int memberships =
        jdbi.withHandle(
            h ->
                h.createQuery("SELECT count(*) FROM host_group_members WHERE host_id = :id")
                    .bind("id", web1)
                    .mapTo(Integer.class)
                    .one());
    assertThat(memberships).isZero();
  }

  @Test
  void changingADynamicGroupsRuleChangesItsMembersAtOnce() {
    UUID group = group("prod", rule(List.of("env:prod"), null, null, null, null));
    assertThat(resolve(new HostSelector.Group(group))).containsExactlyInAnyOrder(web1, db1);

    jdbi.useTransaction(
        h ->
            HostGroups.update(
                h,
                org,
                ACTOR,
                group,
                new HostGroups.GroupSpec(
                    "prod web",
                    "",
                    true,
                    rule(List.of("env:prod", "role:web"), null, null, "10.1.0.0/16", null))));
    assertThat(resolve(new HostSelector.Group(group))).containsExactly(web1);

    jdbi.useTransaction(
        h ->
            HostGroups.update(
                h,
                org,
                ACTOR,
                group,
                new HostGroups.GroupSpec(
                    "any web", "", true, rule(List.of("role"), null, "*", null, null))));
    assertThat(resolve(new HostSelector.Group(group))).containsExactlyInAnyOrder(web1, web2, db1);
  }
}
