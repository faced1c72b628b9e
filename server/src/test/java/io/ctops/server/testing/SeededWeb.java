package io.ctops.server.testing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.ApiKeys;
import io.ctops.server.auth.Role;
import io.ctops.server.enrolment.EnrolmentTokens;
import io.ctops.server.groups.GroupRule;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.inventory.SoftwareScanTask;
import io.ctops.server.platform.database.Database;
import io.ctops.server.tasks.TaskQueue;
import io.ctops.server.tasks.TaskTypes;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The web app with something behind every kind of path: a host with its agent and a note, a token,
 * a task, an API key, users of each role (and one to remove), and signed-in clients per role.
 * {@link #concrete} fills a route's {@code {id}} with the matching record, so tests over every
 * route reach the handlers, not just "not found".
 */
public final class SeededWeb implements AutoCloseable {
  private static final Actor SEEDER = Actor.system("test seed");

  public final WebFixture web;
  public final WebClient admin;
  public final WebClient engineer;
  public final WebClient viewer;
  public final WebClient superAdmin;
  public final UUID adminId;
  public final UUID host;
  public final UUID agent;
  public final UUID token;
  public final UUID victim;
  public final UUID apiKey;
  public final UUID task;
  public final UUID note;
  public final UUID group;
  public final UUID alertRule;
  public final UUID alert;
  public final UUID silence;
  public final UUID check;

  private SeededWeb(Database database) {
    web = WebFixture.on(database);
    admin = web.signedInAdmin();
    adminId =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT id FROM users WHERE email = :email")
                        .bind("email", WebFixture.ADMIN_EMAIL)
                        .mapTo(UUID.class)
                        .one());
    UUID org = web.defaultOrg();
    web.user(org, "engineer@example.com", Role.ENGINEER);
    web.user(org, "viewer@example.com", Role.READ_ONLY);
    victim = web.user(org, "victim@example.com", Role.READ_ONLY);
    engineer = web.client();
    engineer.signIn("engineer@example.com", WebFixture.PASSWORD);
    viewer = web.client();
    viewer.signIn("viewer@example.com", WebFixture.PASSWORD);
    web.user(org, "super@example.com", Role.SUPER_ADMIN);
    superAdmin = web.client();
    superAdmin.signIn("super@example.com", WebFixture.PASSWORD);
    host = HostSeed.aHost("seeded-01").agent("active").insert(web.jdbi(), org);
    agent =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT agent_id FROM hosts WHERE id = :id")
                        .bind("id", host)
                        .mapTo(UUID.class)
                        .one());
    note =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO notes (org_id, host_id, body, author_name, updated_by_name)"
                                + " VALUES (:org, :host, 'seeded note', 'seed', 'seed') RETURNING id")
                        .bind("org", org)
                        .bind("host", host)
                        .mapTo(UUID.class)
                        .one());
    Clock clock = Clock.systemUTC();
    token =
        new EnrolmentTokens(web.jdbi(), clock)
            .create(
                new EnrolmentTokens.TokenRequest(
                    org, "seeded", false, Optional.empty(), Optional.empty()),
                SEEDER)
            .token()
            .id();
    apiKey = new ApiKeys(web.jdbi(), clock).create(adminId, org, "seeded", SEEDER).key().id();
    try {
      task =
          new TaskQueue(web.jdbi(), new TaskTypes(List.of(SoftwareScanTask.TYPE)), clock)
              .request(
                  org, host, SoftwareScanTask.TYPE, JsonNodeFactory.instance.objectNode(), SEEDER);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    group =
        web.jdbi()
            .inTransaction(
                h ->
                    HostGroups.create(
                        h,
                        org,
                        SEEDER,
                        new HostGroups.GroupSpec("seeded", "", false, GroupRule.NONE)));
    // a disabled rule and its resolved alert on the seeded host: the web role's evaluator has
    // nothing to change (tests that count changed rows stay exact)
    alertRule =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO alert_rules (org_id, name, kind, parameters, severity,"
                                + " selector, enabled) VALUES (:org, 'seeded', 'host_offline',"
                                + " '{\"minutes\": 0}', 'warning', '{\"kind\": \"all\"}', false)"
                                + " RETURNING id")
                        .bind("org", org)
                        .mapTo(UUID.class)
                        .one());
    check =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO checks (org_id, name, check_type, config,"
                                + " interval_seconds, selector) VALUES (:org, 'seeded', 'port',"
                                + " '{\"port\": 22}', 60, '{\"kind\": \"all\"}') RETURNING id")
                        .bind("org", org)
                        .mapTo(UUID.class)
                        .one());
    alert =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO alert_instances (org_id, rule_id, host_id, state,"
                                + " severity, pending_since, firing_since, resolved_at)"
                                + " VALUES (:org, :rule, :host, 'resolved', 'warning', now(), now(),"
                                + " now())"
                                + " RETURNING id")
                        .bind("org", org)
                        .bind("rule", alertRule)
                        .bind("host", host)
                        .mapTo(UUID.class)
                        .one());
    silence =
        web.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "INSERT INTO alert_silences (org_id, rule_id, reason, starts_at,"
                                + " ends_at, created_by_name) VALUES (:org, :rule, 'seeded',"
                                + " now(), now() + interval '1 day', 'seed') RETURNING id")
                        .bind("org", org)
                        .bind("rule", alertRule)
                        .mapTo(UUID.class)
                        .one());
  }

  public static SeededWeb on(Database database) {
    return new SeededWeb(database);
  }

  /** The route's path with its {@code {id}} replaced by the seeded record of that kind. */
  public String concrete(String path) {
    String id;
    if (path.contains("/hosts/{id}")) {
      id = host.toString();
    } else if (path.contains("/agents/{id}")) {
      id = agent.toString();
    } else if (path.contains("/tokens/{id}")) {
      id = token.toString();
    } else if (path.contains("/users/{id}")) {
      id = victim.toString();
    } else if (path.contains("/api-keys/{id}")) {
      id = apiKey.toString();
    } else if (path.contains("/tasks/{id}")) {
      id = task.toString();
    } else if (path.contains("/notes/{id}")) {
      id = note.toString();
    } else if (path.contains("/silences/{id}")) {
      id = silence.toString();
    } else if (path.contains("/alert-rules/{id}") || path.contains("/alerts/rules/{id}")) {
      id = alertRule.toString();
    } else if (path.contains("/alerts/{id}")) {
      id = alert.toString();
    } else if (path.contains("/checks/{id}")) {
      id = check.toString();
    } else if (path.contains("/groups/{id}")) {
      id = group.toString();
    } else {
      id = UUID.randomUUID().toString();
    }
    return path.replaceAll("\\{[a-z_]+}", id);
  }

  public WebClient client(Role role) {
    return switch (role) {
      case SUPER_ADMIN -> superAdmin;
      case ORG_ADMIN -> admin;
      case ENGINEER -> engineer;
      case READ_ONLY -> viewer;
    };
  }

  @Override
  public void close() {
    web.close();
  }
}
