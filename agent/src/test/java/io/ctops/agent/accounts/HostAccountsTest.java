package io.ctops.agent.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.text.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostAccountsTest {
  private static final int LIMIT = 4096;
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;
  private FixtureHost host;

  @BeforeEach
  void copyTheFixtureHost() {
    host = FixtureHost.copyTo(dir);
  }

  @Test
  void readsEachAccountWithTheOriginalAgentsKeysAndValuesThenOurs() throws Exception {
    Map<String, Object> alice = account(accounts(LIMIT), "alice");

    assertThat(alice)
        .containsEntry("uid", 1000L)
        .containsEntry("gid", 1000L)
        .containsEntry("home_directory", "/home/alice")
        .containsEntry("shell", "/bin/bash")
        .containsEntry("account_type", "human")
        .containsEntry("has_login_capability", true)
        .containsEntry("has_running_processes", false)
        .containsEntry("account_locked", false)
        .containsEntry("password_last_changed", Long.toString(19000L * 86400))
        .containsEntry("password_expires_at", Long.toString((19000L + 90) * 86400))
        .containsEntry("groups", List.of("alice", "sudo"))
        .containsEntry("privileged", true)
        .containsEntry("privileged_by", List.of("group sudo", "sudoers"))
        .containsEntry("password_set", true)
        .containsEntry("account_expires_at", Long.toString(20500L * 86400))
        .containsEntry("account_source", "local");
    assertThat(List.copyOf(alice.keySet()).subList(0, 11))
        .as("the original agent's keys first, in its order")
        .containsExactly(
            "username",
            "uid",
            "gid",
            "home_directory",
            "shell",
            "account_type",
            "has_login_capability",
            "has_running_processes",
            "account_locked",
            "password_expires_at",
            "password_last_changed");
  }

  @Test
  void tellsPeopleFromServicesAndTheSystemAndWhoCanLogIn() throws Exception {
    Map<String, Object> report = accounts(LIMIT);

    assertThat(account(report, "bob"))
        .as("nologin: a service account in the human range, its password locked with !")
        .containsEntry("account_type", "service")
        .containsEntry("has_login_capability", false)
        .containsEntry("account_locked", true)
        .containsEntry("password_set", true)
        .doesNotContainKey("password_expires_at");
    assertThat(account(report, "carol"))
        .containsEntry("account_type", "service")
        .containsEntry("has_login_capability", false)
        .containsEntry("account_locked", false)
        .containsEntry("password_set", false)
        .containsEntry("privileged", false);
    assertThat(account(report, "erin"))
        .as("an empty shell is /bin/sh")
        .containsEntry("has_login_capability", true)
        .containsEntry("account_type", "human");
    assertThat(account(report, "dave"))
        .as("a last change of 0 is 'change at next sign-in', not 1970")
        .doesNotContainKey("password_last_changed")
        .containsEntry("account_locked", true)
        .containsEntry("password_set", false);
    assertThat(account(report, "nobody")).containsEntry("account_type", "system");
    assertThat(account(report, "root")).containsEntry("account_type", "system");
  }

  @Test
  void findsPrivilegeInGroupsSudoersAliasesAndIncludedFilesButNotInIgnoredOnes() throws Exception {
    Map<String, Object> report = accounts(LIMIT);

    assertThat(account(report, "root")).containsEntry("privileged_by", List.of("uid 0", "sudoers"));
    assertThat(account(report, "dave")).containsEntry("privileged_by", List.of("group wheel"));
    assertThat(account(report, "frank"))
        .as("through User_Alias ADMINS, continued on a second line")
        .containsEntry("privileged_by", List.of("sudoers"));
    assertThat(account(report, "bob"))
        .as("%ops is in ADMINS")
        .containsEntry("privileged_by", List.of("sudoers"));
    assertThat(account(report, "erin"))
        .as("named in /etc/sudoers.d/erin, read through @includedir")
        .containsEntry("privileged_by", List.of("sudoers"));
    assertThat(account(report, "daemon")).containsEntry("privileged", false);
    assertThat(Json.write(report))
        .as("sudo skips files with a dot or a trailing ~; !mallory grants nothing")
        .doesNotContain("mallory");
  }

  @Test
  void hostileLinesAreSkippedAndCountedAndANonUtf8NameStillShows() throws Exception {
    Map<String, Object> report = accounts(LIMIT);

    // passwd: +@admins, -mallory, a uid that is no number, a short line, a uid past 2^32-1,
    // an empty name and a second alice; group: +@nisgroups and a line without fields;
    // shadow: one malformed line
    assertThat(report).containsEntry("skipped", 10L);
    assertThat(account(report, "j\uFFFDrg")).containsEntry("uid", 1010L);
    assertThat(account(report, "alice")).containsEntry("uid", 1000L);
    assertThat(notes(report)).contains("1 passwd lines not in UTF-8 (shown with U+FFFD)");
    assertThat(report).containsEntry("accounts_total", 10L).containsEntry("accounts_omitted", 0L);
  }

  @Test
  void lastLoginIsTheLaterOfLastlogAndWtmp() throws Exception {
    Instant earlier = Instant.parse("2026-11-01T08:00:00Z");
    Instant later = Instant.parse("2026-11-20T09:30:00Z");
    host.lastlog(1000, later)
        .lastlog(1003, earlier)
        .lastlog(65534, earlier)
        .wtmp((short) 7, "alice", earlier)
        .wtmp((short) 7, "dave", later)
        .wtmp((short) 8, "carol", later);

    Map<String, Object> report = accounts(LIMIT);

    assertThat(account(report, "alice"))
        .containsEntry("last_login_at", Long.toString(later.getEpochSecond()));
    assertThat(account(report, "dave"))
        .containsEntry("last_login_at", Long.toString(later.getEpochSecond()));
    assertThat(account(report, "nobody"))
        .as("uid 65534: a record far into a sparse lastlog")
        .containsEntry("last_login_at", Long.toString(earlier.getEpochSecond()));
    assertThat(account(report, "carol"))
        .as("a DEAD_PROCESS record is no login")
        .doesNotContainKey("last_login_at");
    assertThat(Files.size(host.file("/var/log/lastlog")))
        .isEqualTo(65535L * LastLogins.LASTLOG_RECORD);
  }

  @Test
  void shadowTheAgentCannotReadIsANoteAndTheCheckStillPasses() throws Exception {
    Files.delete(host.file("/etc/shadow"));
    Files.createDirectory(host.file("/etc/shadow"));

    HostAccounts.Report report = new HostAccounts(dir, CLOCK).accounts(1000, 60000, LIMIT);

    assertThat(report.anyRead()).isTrue();
    Map<String, Object> json = parse(report.json());
    assertThat(notes(json)).contains("shadow not readable by the agent: not a regular file");
    assertThat(account(json, "alice"))
        .as("unknown, not false")
        .containsEntry("account_locked", null)
        .containsEntry("password_set", null)
        .doesNotContainKey("password_last_changed");
  }

  @Test
  void aHostWithNothingReadableIsAnErrorNamingWhatIsMissing() throws Exception {
    HostAccounts.Report report =
        new HostAccounts(dir.resolve("empty"), CLOCK).accounts(1000, 60000, LIMIT);

    assertThat(report.anyRead()).isFalse();
    assertThat(notes(parse(report.json()))).contains("passwd not found");
  }

  @Test
  void tenThousandAccountsFitTheOutputLimitPrivilegedAndLoginAccountsFirst() throws Exception {
    StringBuilder passwd =
        new StringBuilder(
            Files.readString(
                host.file("/etc/passwd"), java.nio.charset.StandardCharsets.ISO_8859_1));
    StringBuilder sudoMembers = new StringBuilder("sudo:x:27:alice");
    for (int i = 0; i < 10_000; i++) {
      boolean canLogIn = i % 1000 == 0;
      passwd
          .append("user")
          .append(i)
          .append(":x:")
          .append(20_000 + i)
          .append(":100::/home/user")
          .append(i)
          .append(canLogIn ? ":/bin/bash\n" : ":/usr/sbin/nologin\n");
      if (i == 9_999) {
        sudoMembers.append(",user").append(i);
      }
    }
    Files.writeString(
        host.file("/etc/passwd"), passwd, java.nio.charset.StandardCharsets.ISO_8859_1);
    String group = Files.readString(host.file("/etc/group"));
    Files.writeString(host.file("/etc/group"), group.replace("sudo:x:27:alice", sudoMembers));

    long started = System.nanoTime();
    HostAccounts.Report report = new HostAccounts(dir, CLOCK).accounts(1000, 60000, LIMIT);
    long millis = (System.nanoTime() - started) / 1_000_000;

    assertThat(report.json().getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(LIMIT);
    Map<String, Object> json = parse(report.json());
    assertThat(json).containsEntry("accounts_total", 10_010L);
    long shown = accountsOf(json).size();
    assertThat(json).containsEntry("accounts_omitted", 10_010L - shown);
    assertThat(notes(json))
        .contains(
            "output limited to the server's check output size: "
                + (10_010L - shown)
                + " of 10010 accounts left out");
    assertThat(accountsOf(json))
        .extracting(a -> a.get("username"))
        .as("every privileged account is kept")
        .contains("root", "alice", "bob", "dave", "erin", "frank", "user9999");
    assertThat(accountsOf(json))
        .as("then those who can log in: more of them than fit")
        .allMatch(
            a -> a.get("privileged").equals(true) || a.get("has_login_capability").equals(true));
    assertThat(millis).as("well within a check's timeout").isLessThan(5_000);
  }

  @Test
  void onThisMachineRootIsPrivileged() throws Exception {
    HostAccounts.Report report =
        new HostAccounts(Path.of("/"), Clock.systemUTC()).accounts(1000, 60000, LIMIT);

    assertThat(report.anyRead()).isTrue();
    assertThat(report.json().getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(LIMIT);
    Map<String, Object> root = account(parse(report.json()), "root");
    assertThat(root)
        .containsEntry("uid", 0L)
        .containsEntry("privileged", true)
        .containsEntry("account_type", "system");
    assertThat(root.get("privileged_by"))
        .asInstanceOf(InstanceOfAssertFactories.LIST)
        .contains("uid 0");
  }

  private Map<String, Object> accounts(int limit) throws InterruptedException {
    HostAccounts.Report report = new HostAccounts(dir, CLOCK).accounts(1000, 60000, limit);
    assertThat(report.anyRead()).isTrue();
    return parse(report.json());
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> parse(String json) {
    try {
      return (Map<String, Object>) Json.parse(json);
    } catch (Json.SyntaxException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> accountsOf(Map<String, Object> report) {
    return (List<Map<String, Object>>) report.get("accounts");
  }

  @SuppressWarnings("unchecked")
  static List<String> notes(Map<String, Object> report) {
    return (List<String>) report.get("notes");
  }

  static Map<String, Object> account(Map<String, Object> report, String username) {
    return accountsOf(report).stream()
        .filter(a -> username.equals(a.get("username")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no account " + username + " in " + report));
  }
}
