package io.ctops.server.web;

import io.ctops.server.auth.PasswordHashing;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.Users;
import io.ctops.server.platform.config.WebSettings;
import io.ctops.server.platform.database.Database;
import io.ctops.server.roles.WebRole;
import io.ctops.server.testing.TestPostgres;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** The real web role on loopback, on its own database of the shared test PostgreSQL. */
public final class WebFixture implements AutoCloseable {
  public static final String ADMIN_EMAIL = "admin@example.com";
  public static final String PASSWORD = "correct horse battery";

  public final Database database;
  public final WebRole web;
  private final boolean ownsDatabase;

  private WebFixture(Database database, WebRole web, boolean ownsDatabase) {
    this.database = database;
    this.web = web;
    this.ownsDatabase = ownsDatabase;
  }

  public static WebFixture start() {
    Database database = Database.connect(TestPostgres.migratedDatabase(), "web-test", List.of());
    return new WebFixture(database, WebRole.start(settings(), database, Clock.systemUTC()), true);
  }

  /** The web role serving the given agent downloads. */
  public static WebFixture withDownloads(io.ctops.server.enrolment.AgentDownloads downloads) {
    Database database = Database.connect(TestPostgres.migratedDatabase(), "web-test", List.of());
    return new WebFixture(
        database, WebRole.start(settings(), database, Clock.systemUTC(), downloads), true);
  }

  /** The web role on a database another fixture (ingest) owns. */
  public static WebFixture on(Database database) {
    return new WebFixture(database, WebRole.start(settings(), database, Clock.systemUTC()), false);
  }

  static WebSettings settings() {
    return new WebSettings(
        "127.0.0.1",
        0,
        Optional.empty(),
        Duration.ofMinutes(30),
        "localhost:9443",
        Optional.empty());
  }

  public Jdbi jdbi() {
    return database.jdbi();
  }

  public int count(String sql) {
    return jdbi().withHandle(h -> h.createQuery(sql).mapTo(Integer.class).one());
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + web.port();
  }

  public UUID defaultOrg() {
    return jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT id FROM organisations WHERE slug = 'default'")
                    .mapTo(UUID.class)
                    .one());
  }

  /** Another organisation, for isolation tests. */
  public UUID otherOrg() {
    return jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "INSERT INTO organisations (name, slug) VALUES ('Other', 'other')"
                            + " ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id")
                    .mapTo(UUID.class)
                    .one());
  }

  public UUID user(UUID org, String email, Role role) {
    Users users = new Users(jdbi(), new PasswordHashing(), Clock.systemUTC());
    return switch (users.create(org, new Users.NewUser(email, null, PASSWORD, role))) {
      case Users.Creation.Created c -> c.user().id();
      case Users.Creation.EmailTaken t -> throw new IllegalStateException("taken " + email);
    };
  }

  public UUID admin() {
    return user(defaultOrg(), ADMIN_EMAIL, Role.ORG_ADMIN);
  }

  public WebClient client() {
    return new WebClient(baseUrl());
  }

  @Override
  public void close() {
    web.close();
    if (ownsDatabase) {
      database.close();
    }
  }
}
