package io.ctops.server.testing;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.PasswordHashing;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.Users;
import io.ctops.server.enrolment.AgentDownloads;
import io.ctops.server.platform.config.WebSettings;
import io.ctops.server.platform.database.Database;
import io.ctops.server.roles.WebRole;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** The real web role on loopback, on a test's database. */
public final class WebFixture implements AutoCloseable {
  public static final String ADMIN_EMAIL = "admin@example.com";
  public static final String PASSWORD = "correct horse battery";

  public final Database database;
  public final WebRole web;

  private WebFixture(Database database, WebRole web) {
    this.database = database;
    this.web = web;
  }

  /** The web role on a database someone else owns and closes (a {@link FreshDatabase}). */
  public static WebFixture on(Database database) {
    return new WebFixture(database, WebRole.start(settings(), database, Clock.systemUTC()));
  }

  /** The web role with other settings (e.g. trusted proxies). */
  public static WebFixture on(Database database, WebSettings settings) {
    return new WebFixture(database, WebRole.start(settings, database, Clock.systemUTC()));
  }

  /** The web role serving the given agent downloads. */
  public static WebFixture on(Database database, AgentDownloads downloads) {
    return new WebFixture(
        database, WebRole.start(settings(), database, Clock.systemUTC(), downloads));
  }

  /**
   * The web role on a port chosen beforehand, for downloads whose public URL (which the install
   * line names) must be this very server.
   */
  public static WebFixture on(Database database, int port, AgentDownloads downloads) {
    WebSettings any = settings();
    WebSettings settings =
        new WebSettings(
            any.listenAddress(),
            port,
            any.tls(),
            any.sessionIdle(),
            any.agentIngestAddress(),
            any.agentBundle());
    return new WebFixture(
        database, WebRole.start(settings, database, Clock.systemUTC(), downloads));
  }

  public static WebSettings settings() {
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
    return switch (users.create(
        org, new Users.NewUser(email, null, PASSWORD, role), Actor.system("test"))) {
      case Users.Creation.Created c -> c.user().id();
      case Users.Creation.EmailTaken t -> throw new IllegalStateException("taken " + email);
    };
  }

  public UUID admin() {
    return user(defaultOrg(), ADMIN_EMAIL, Role.ORG_ADMIN);
  }

  /** Creates the default organisation's admin and returns a client signed in as them. */
  public WebClient signedInAdmin() {
    admin();
    WebClient client = client();
    client.signIn(ADMIN_EMAIL, PASSWORD);
    return client;
  }

  public WebClient client() {
    return new WebClient(baseUrl());
  }

  /** A client whose requests come from another loopback address, e.g. 127.0.0.2. */
  public WebClient clientFrom(String loopbackAddress) {
    try {
      return new WebClient(baseUrl(), InetAddress.getByName(loopbackAddress));
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Override
  public void close() {
    web.close();
  }
}
