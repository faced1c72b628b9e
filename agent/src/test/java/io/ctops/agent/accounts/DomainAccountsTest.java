package io.ctops.agent.accounts;

import static io.ctops.agent.accounts.HostAccountsTest.account;
import static io.ctops.agent.accounts.HostAccountsTest.accountsOf;
import static io.ctops.agent.accounts.HostAccountsTest.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture host's nsswitch.conf sends passwd lookups to SSSD; the name service asked is this
 * machine's (a real {@code getent passwd}), whose accounts beyond the fixture's passwd play the
 * directory's.
 */
class DomainAccountsTest {
  private static final int NO_LIMIT = 1024 * 1024;

  @TempDir Path dir;

  @Test
  void accountsOnlyTheNameServiceListsAreMarkedDomain() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/getent")), "getent is not installed here");
    FixtureHost host = FixtureHost.copyTo(dir);
    assumeTrue(Files.readString(Path.of("/etc/passwd")).contains("\nbin:"), "no bin account here");

    Map<String, Object> report = scan(host);

    assertThat(account(report, "bin"))
        .as("in this machine's name service, not in the fixture's passwd")
        .containsEntry("account_source", "domain");
    assertThat(account(report, "root")).containsEntry("account_source", "local");
    assertThat(account(report, "alice")).containsEntry("account_source", "local");
  }

  @Test
  void withoutADirectoryInNsswitchTheNameServiceIsNotAsked() throws Exception {
    FixtureHost host = FixtureHost.copyTo(dir);
    Files.writeString(host.file("/etc/nsswitch.conf"), "passwd: files\ngroup: files\n");

    Map<String, Object> report = scan(host);

    assertThat(accountsOf(report)).allMatch(a -> a.get("account_source").equals("local"));
    assertThat(report).containsEntry("accounts_total", 10L);
  }

  private static Map<String, Object> scan(FixtureHost host) throws InterruptedException {
    return parse(
        new HostAccounts(new HostFiles(host.root), Clock.systemUTC(), true)
            .accounts(1000, 60000, NO_LIMIT)
            .json());
  }
}
