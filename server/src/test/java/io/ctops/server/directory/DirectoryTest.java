package io.ctops.server.directory;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.auth.Role;
import io.ctops.server.directory.DirectoryFailure.Stage;
import io.ctops.server.directory.DirectorySignIn.Reason;
import io.ctops.server.platform.pki.DevelopmentCertificate;
import io.ctops.server.platform.pki.Pem;
import io.ctops.server.testing.TestDirectory;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The directory client against a real LDAP server in the test JVM, over StartTLS and LDAPS: the
 * connection test stage by stage, lookups, nested groups, the sync's login check and sign-in.
 */
class DirectoryTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-06-01T12:00:00Z"), ZoneOffset.UTC);
  private static final String ALICE_DN = "CN=Alice Admin,OU=People,DC=corp,DC=example";
  private static final String LINUX_ADMINS = "CN=Linux Admins,OU=Groups,DC=corp,DC=example";
  private static final String SERVER_OPERATORS = "CN=Server Operators,OU=Groups,DC=corp,DC=example";
  private static final String DEVELOPERS = "CN=Developers,OU=Groups,DC=corp,DC=example";
  private static final String WIKI_EDITORS = "cn=wiki-editors,OU=Groups,DC=corp,DC=example";
  private static final String ALL_STAFF = "cn=all-staff,OU=Groups,DC=corp,DC=example";

  private static TestDirectory ldap;

  @BeforeAll
  static void startDirectory() {
    ldap = TestDirectory.start();
  }

  @AfterAll
  static void stopDirectory() {
    ldap.close();
  }

  private static Directory directory(DirectorySettings settings) {
    return new Directory(settings, CLOCK);
  }

  @Test
  void connectionTestPassesOverStartTlsAndOverLdaps() {
    ConnectionCheck startTls = directory(ldap.settings()).test();
    assertThat(startTls).isInstanceOf(ConnectionCheck.Passed.class);
    assertThat(startTls.message())
        .contains("with StartTLS", "bound as " + TestDirectory.READER_DN, "found users");

    ConnectionCheck ldaps = directory(withServers(ldap.settings(), ldap.ldapsUrl())).test();
    assertThat(ldaps).isInstanceOf(ConnectionCheck.Passed.class);
    assertThat(ldaps.message()).contains(ldap.ldapsUrl(), "with TLS");
  }

  @Test
  void connectionTestNamesAWrongBindPassword() {
    ConnectionCheck check = directory(ldap.settings().withBindPassword("not-it")).test();
    assertThat(check)
        .isEqualTo(
            failed(
                Stage.BIND,
                "invalid credentials for "
                    + TestDirectory.READER_DN
                    + " (check the bind DN and password)"));
    assertThat(check.message()).startsWith("bind: invalid credentials");
  }

  @Test
  void connectionTestNamesARefusedConnection() throws IOException {
    int closed = closedPort();
    ConnectionCheck check =
        directory(withServers(ldap.settings(), "ldap://localhost:" + closed)).test();
    assertThat(check.message()).isEqualTo("connect: connection refused to localhost:" + closed);
  }

  @Test
  void triesTheServersInOrderUntilOneAnswers() throws IOException {
    ConnectionCheck check =
        directory(withServers(ldap.settings(), "ldap://localhost:" + closedPort(), ldap.ldapsUrl()))
            .test();
    assertThat(check).isInstanceOf(ConnectionCheck.Passed.class);
    assertThat(((ConnectionCheck.Passed) check).server().toString()).isEqualTo(ldap.ldapsUrl());
  }

  @Test
  void aServerThatAcceptsButNeverAnswersTimesOut() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      List<Socket> held = new ArrayList<>();
      Thread acceptor =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (true) {
                        held.add(silent.accept());
                      }
                    } catch (IOException closed) {
                      // the test is over
                    }
                  });
      String address = "localhost:" + silent.getLocalPort();
      Map<String, String> expected =
          Map.of(
              "ldap",
              "connect: no answer from " + address + " within 1 s",
              "ldaps",
              "TLS: handshake with "
                  + address
                  + " did not complete (no TLS answer within 1 s, or the connection was closed)");
      for (var scheme : expected.entrySet()) {
        Directory directory =
            new Directory(
                withServers(ldap.settings(), scheme.getKey() + "://" + address),
                CLOCK,
                Duration.ofSeconds(1),
                Duration.ofSeconds(1));
        long started = System.nanoTime();
        ConnectionCheck check = directory.test();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(check.message()).as(scheme.getKey()).isEqualTo(scheme.getValue());
      }
      silent.close();
      acceptor.join();
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  @Test
  void connectionTestRefusesACertificateTheConfiguredCaDidNotSign() {
    String otherCa = Pem.encode(DevelopmentCertificate.create(Set.of()).certificate());
    for (String url : List.of(ldap.startTlsUrl(), ldap.ldapsUrl())) {
      ConnectionCheck check =
          directory(withServers(ldap.settings(), url).withCaCertificate(Optional.of(otherCa)))
              .test();
      assertThat(check).as(url).isInstanceOf(ConnectionCheck.Failed.class);
      assertThat(((ConnectionCheck.Failed) check).stage()).as(url).isEqualTo(Stage.TLS);
      assertThat(check.message()).as(url).startsWith("TLS: certificate not trusted");
    }
  }

  @Test
  void connectionTestRefusesACertificateForAnotherName() {
    // 127.0.0.2 reaches the same loopback listeners, but the certificate names only localhost,
    // 127.0.0.1 and ::1
    for (String url : List.of(ldap.startTlsUrl(), ldap.ldapsUrl())) {
      String address = "127.0.0.2:" + url.substring(url.lastIndexOf(':') + 1);
      String other = url.substring(0, url.indexOf("://") + 3) + address;
      ConnectionCheck check = directory(withServers(ldap.settings(), other)).test();
      assertThat(check.message())
          .as(other)
          .isEqualTo("TLS: certificate of " + address + " does not name the host 127.0.0.2");
    }
  }

  @Test
  void connectionTestNamesABaseDnThatDoesNotExist() {
    DirectorySettings missingBase =
        ldap.settings()
            .withUsersUnder("OU=Nobody,DC=corp,DC=example", DirectorySettings.DEFAULT_USER_FILTER);
    assertThat(directory(missingBase).test().message())
        .isEqualTo("search: no such object OU=Nobody,DC=corp,DC=example");
  }

  @Test
  void looksPeopleUpByLoginNameAndMailWithTheirState() throws DirectoryFailure {
    Directory directory = directory(ldap.settings());
    assertThat(directory.lookup("ALI", 10))
        .extracting(DirectoryUser::login)
        .containsExactly("alice");
    assertThat(directory.lookup("Builder", 10))
        .extracting(DirectoryUser::login)
        .containsExactly("bob");
    assertThat(directory.lookup("carol@corp", 10))
        .extracting(DirectoryUser::login)
        .containsExactly("carol");

    DirectoryUser alice = directory.lookup("alice", 10).get(0);
    assertThat(alice.userPrincipalName()).contains("alice@corp.example");
    assertThat(alice.displayName()).contains("Alice Admin");
    assertThat(alice.mail()).contains("alice@corp.example");
    assertThat(alice.dn()).isEqualToIgnoringCase(ALICE_DN);
    assertThat(alice.isActive()).isTrue();

    Map<String, DirectoryUser> everyone = byLogin(directory.lookup("corp.example", 50));
    assertThat(everyone.keySet()).containsExactly("alice", "bob", "carol", "dave", "erin");
    assertThat(everyone.get("bob").isDisabled()).isTrue();
    assertThat(everyone.get("bob").status()).isEqualTo(LoginStatus.DISABLED);
    assertThat(everyone.get("carol").isExpired()).isTrue();
    assertThat(everyone.get("carol").isDisabled()).isFalse();
    assertThat(everyone.get("dave").isActive()).as("accountExpires 0x7FFF… is never").isTrue();
    assertThat(everyone.get("erin").isActive()).as("expires in 2100").isTrue();
  }

  @Test
  void lookupLeavesOutComputersAndHonoursTheLimit() throws DirectoryFailure {
    Directory directory = directory(ldap.settings());
    assertThat(directory.lookup("WS01", 10)).isEmpty();
    assertThat(directory.lookup("corp.example", 2)).hasSize(2);
    assertThat(directory.lookup("   ", 10)).isEmpty();
  }

  @Test
  void lookupMatchesFilterCharactersAsText() throws DirectoryFailure {
    Directory directory = directory(ldap.settings());
    assertThat(directory.lookup("*)(", 10))
        .extracting(DirectoryUser::login)
        .containsExactly("erin");
    assertThat(directory.lookup("*", 10)).extracting(DirectoryUser::login).containsExactly("erin");
    assertThat(directory.lookup("*)(sAMAccountName=*", 10)).isEmpty();
    assertThat(directory.lookup("\\2a", 10)).isEmpty();
  }

  @Test
  void groupsIncludeNestedOnesThroughMemberOfAndThroughMember() throws DirectoryFailure {
    DirectoryUser alice = directory(ldap.settings()).lookup("alice", 1).get(0);
    assertThat(alice.groups())
        .as(
            "Linux Admins directly, Server Operators through it; wiki-editors by member,"
                + " all-staff through it")
        .containsExactlyInAnyOrder(LINUX_ADMINS, SERVER_OPERATORS, WIKI_EDITORS, ALL_STAFF);
  }

  @Test
  void withoutAGroupBaseDnOnlyMemberOfIsFollowed() throws DirectoryFailure {
    DirectorySettings noGroupBase = ldap.settings().withGroupBaseDn(Optional.empty());
    assertThat(directory(noGroupBase).lookup("alice", 1).get(0).groups())
        .containsExactlyInAnyOrder(LINUX_ADMINS, SERVER_OPERATORS);
  }

  @Test
  void groupsThatContainEachOtherEndTheWalk() throws DirectoryFailure {
    DirectoryUser carol = directory(ldap.settings()).lookup("carol", 1).get(0);
    assertThat(carol.groups())
        .containsExactlyInAnyOrder(
            "CN=Loop One,OU=Groups,DC=corp,DC=example", "CN=Loop Two,OU=Groups,DC=corp,DC=example");
  }

  @Test
  void tellsTheSyncWhichLoginsAreEnabledDisabledOrUnknown() throws DirectoryFailure {
    Map<String, LoginStatus> statuses =
        directory(ldap.settings())
            .usersByLogin(List.of("alice", "BOB", "carol", "nobody", "WS01$"));
    assertThat(statuses)
        .containsExactly(
            Map.entry("alice", LoginStatus.ENABLED),
            Map.entry("BOB", LoginStatus.DISABLED),
            Map.entry("carol", LoginStatus.EXPIRED),
            Map.entry("nobody", LoginStatus.NOT_IN_DIRECTORY),
            Map.entry("WS01$", LoginStatus.NOT_IN_DIRECTORY));
  }

  @Test
  void asksForManyLoginsInBatches() throws DirectoryFailure {
    List<String> logins = new ArrayList<>();
    IntStream.range(0, 250).forEach(i -> logins.add("svc" + i));
    logins.add(230, "dave");
    logins.add("bob");
    Map<String, LoginStatus> statuses = directory(ldap.settings()).usersByLogin(logins);
    assertThat(statuses).hasSize(252);
    assertThat(statuses.get("dave")).isEqualTo(LoginStatus.ENABLED);
    assertThat(statuses.get("bob")).isEqualTo(LoginStatus.DISABLED);
    assertThat(statuses.get("svc0")).isEqualTo(LoginStatus.NOT_IN_DIRECTORY);
  }

  @Test
  void signsInWithTheRightPasswordAndGivesTheMappedRoles() {
    UUID webServers = UUID.randomUUID();
    Directory directory =
        directory(
            ldap.settings()
                .withRoleMappings(
                    List.of(
                        RoleMapping.organisation(ALL_STAFF, Role.READ_ONLY),
                        RoleMapping.organisation(
                            SERVER_OPERATORS.toLowerCase(java.util.Locale.ROOT), Role.ORG_ADMIN),
                        RoleMapping.hostGroup(DEVELOPERS, Role.ENGINEER, webServers),
                        RoleMapping.hostGroup(ALL_STAFF, Role.READ_ONLY, webServers))));

    DirectorySignIn alice = directory.authenticate("alice", "alice-password");
    assertThat(alice).isInstanceOf(DirectorySignIn.SignedIn.class);
    DirectorySignIn.SignedIn signedIn = (DirectorySignIn.SignedIn) alice;
    assertThat(signedIn.user().login()).isEqualTo("alice");
    assertThat(signedIn.user().groups()).contains(SERVER_OPERATORS);
    assertThat(signedIn.roles().organisation())
        .as("org_admin through a nested group beats read_only")
        .contains(Role.ORG_ADMIN);
    assertThat(signedIn.roles().hostGroups())
        .containsExactly(Map.entry(webServers, Role.READ_ONLY));

    DirectorySignIn dave = directory.authenticate("dave@corp.example", "dave-password");
    assertThat(dave).isInstanceOf(DirectorySignIn.SignedIn.class);
    DirectoryRoles daveRoles = ((DirectorySignIn.SignedIn) dave).roles();
    assertThat(daveRoles.organisation()).isEmpty();
    assertThat(daveRoles.hostGroups()).containsExactly(Map.entry(webServers, Role.ENGINEER));

    assertThat(directory.authenticate("CORP\\alice", "alice-password"))
        .isInstanceOf(DirectorySignIn.SignedIn.class);
  }

  @Test
  void refusesWrongAndEmptyPasswords() {
    Directory directory =
        directory(
            ldap.settings()
                .withRoleMappings(List.of(RoleMapping.organisation(ALL_STAFF, Role.READ_ONLY))));
    assertThat(reason(directory.authenticate("alice", "wrong"))).isEqualTo(Reason.WRONG_PASSWORD);
    assertThat(reason(directory.authenticate("alice", ""))).isEqualTo(Reason.EMPTY_CREDENTIALS);
    assertThat(reason(directory.authenticate("alice", null))).isEqualTo(Reason.EMPTY_CREDENTIALS);
    assertThat(reason(directory.authenticate("", "alice-password")))
        .isEqualTo(Reason.EMPTY_CREDENTIALS);
    assertThat(reason(directory.authenticate("nobody", "x"))).isEqualTo(Reason.UNKNOWN_LOGIN);
    assertThat(reason(directory.authenticate("*", "alice-password")))
        .isEqualTo(Reason.UNKNOWN_LOGIN);
  }

  @Test
  void refusesDisabledAndExpiredAccountsEvenWithTheRightPassword() {
    Directory directory =
        directory(
            ldap.settings()
                .withRoleMappings(
                    List.of(
                        RoleMapping.organisation(DEVELOPERS, Role.ENGINEER),
                        RoleMapping.organisation(
                            "CN=Loop One,OU=Groups,DC=corp,DC=example", Role.ENGINEER))));
    DirectorySignIn bob = directory.authenticate("bob", "bob-password");
    assertThat(bob)
        .isEqualTo(
            new DirectorySignIn.Refused(Reason.DISABLED, "the directory account bob is disabled"));
    DirectorySignIn carol = directory.authenticate("carol", "carol-password");
    assertThat(carol)
        .isEqualTo(
            new DirectorySignIn.Refused(Reason.EXPIRED, "the directory account carol has expired"));
  }

  @Test
  void refusesAPersonNoMappingGivesARole() {
    Directory directory =
        directory(
            ldap.settings()
                .withRoleMappings(List.of(RoleMapping.organisation(DEVELOPERS, Role.ENGINEER))));
    assertThat(reason(directory.authenticate("erin", "erin-password"))).isEqualTo(Reason.NO_ROLE);
  }

  @Test
  void signInWhileTheDirectoryIsDownSaysItIsUnavailable() throws IOException {
    DirectorySettings down =
        withServers(ldap.settings(), "ldap://localhost:" + closedPort())
            .withRoleMappings(List.of(RoleMapping.organisation(ALL_STAFF, Role.READ_ONLY)));
    DirectorySignIn outcome = directory(down).authenticate("alice", "alice-password");
    assertThat(outcome).isInstanceOf(DirectorySignIn.Unavailable.class);
    assertThat(((DirectorySignIn.Unavailable) outcome).failure().stage()).isEqualTo(Stage.CONNECT);
  }

  @Test
  void aStoppedServerMakesSignInUnavailable() {
    TestDirectory other = TestDirectory.start();
    try {
      Directory directory =
          directory(
              other
                  .settings()
                  .withRoleMappings(List.of(RoleMapping.organisation(ALL_STAFF, Role.READ_ONLY))));
      assertThat(directory.authenticate("alice", "alice-password"))
          .isInstanceOf(DirectorySignIn.SignedIn.class);
      other.close();
      DirectorySignIn outcome = directory.authenticate("alice", "alice-password");
      assertThat(outcome).isInstanceOf(DirectorySignIn.Unavailable.class);
      assertThat(((DirectorySignIn.Unavailable) outcome).failure().getMessage())
          .startsWith("connect: connection refused to localhost:");
    } finally {
      other.close();
    }
  }

  @Test
  void signInIsRefusedWhileTheDirectoryIsTurnedOff() {
    DirectorySettings off =
        ldap.settings()
            .withEnabled(false)
            .withRoleMappings(List.of(RoleMapping.organisation(ALL_STAFF, Role.READ_ONLY)));
    assertThat(reason(directory(off).authenticate("alice", "alice-password")))
        .isEqualTo(Reason.TURNED_OFF);
  }

  private static Reason reason(DirectorySignIn outcome) {
    assertThat(outcome).isInstanceOf(DirectorySignIn.Refused.class);
    return ((DirectorySignIn.Refused) outcome).reason();
  }

  private static ConnectionCheck failed(Stage stage, String reason) {
    return new ConnectionCheck.Failed(stage, reason);
  }

  private static Map<String, DirectoryUser> byLogin(List<DirectoryUser> users) {
    Map<String, DirectoryUser> map = new java.util.LinkedHashMap<>();
    users.forEach(u -> map.put(u.login(), u));
    return map;
  }

  private static DirectorySettings withServers(DirectorySettings s, String... urls) {
    return s.withServerUrls(List.of(urls));
  }

  /** A port nothing listens on: bound, then released. */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
