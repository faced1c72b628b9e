package io.ctops.agent.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostileInputTest {
  @TempDir Path dir;

  @Test
  void sudoersNamesUidsAndGidsAndSurvivesAnIncludeLoop() throws Exception {
    Files.createDirectories(dir.resolve("etc/sudoers.d"));
    Files.writeString(
        dir.resolve("etc/sudoers"),
        """
        #1500 ALL=(ALL) ALL
        %#2000, "svc\\ user" ALL=(ALL) ALL
        #include sudoers
        @include /etc/sudoers.d/loop
        """);
    Files.writeString(dir.resolve("etc/sudoers.d/loop"), "@include /etc/sudoers\ngrace ALL=ALL\n");

    Sudoers sudoers = Sudoers.read(new HostFiles(dir));

    assertThat(sudoers.uids).containsExactly(1500L);
    assertThat(sudoers.gids).containsExactly(2000L);
    assertThat(sudoers.users).containsExactlyInAnyOrder("svc user", "grace");
    assertThat(sudoers.filesRead).isEqualTo(2);
    assertThat(sudoers.names("nobody", 1500, 100, List.of())).isTrue();
    assertThat(sudoers.names("nobody", 1501, 2000, List.of())).isTrue();
    assertThat(sudoers.names("nobody", 1501, 100, List.of("users"))).isFalse();
  }

  @Test
  void randomBytesInEveryFileNeverEndAReport() throws Exception {
    Random random = new Random(25);
    for (int round = 0; round < 50; round++) {
      for (String file :
          List.of(
              "etc/passwd",
              "etc/group",
              "etc/shadow",
              "etc/sudoers",
              "var/log/lastlog",
              "var/log/wtmp",
              "root/.ssh/authorized_keys")) {
        Path path = dir.resolve(file);
        Files.createDirectories(path.getParent());
        byte[] bytes = new byte[random.nextInt(4000)];
        random.nextBytes(bytes);
        // mostly text with separators, so that parsers go past the first field
        for (int i = 0; i < bytes.length; i++) {
          if (random.nextInt(4) == 0) {
            bytes[i] = (byte) ":\n,%#!=\" ".charAt(random.nextInt(9));
          }
        }
        Files.write(path, bytes);
      }
      Files.writeString(
          dir.resolve("etc/passwd"),
          "root:x:0:0::/root:/bin/sh\n"
              + new String(Files.readAllBytes(dir.resolve("etc/group")), StandardCharsets.UTF_8),
          StandardCharsets.UTF_8);

      HostAccounts host = new HostAccounts(dir, java.time.Clock.systemUTC());
      HostAccounts.Report accounts = host.accounts(1000, 60000, 4096);
      HostAccounts.Report keys = host.sshKeys(List.of("/root/.ssh"), List.of(), 4096);

      assertThat(accounts.json().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4096);
      assertThat(HostAccountsTest.account(HostAccountsTest.parse(accounts.json()), "root"))
          .containsEntry("privileged", true);
      assertThat(HostAccountsTest.parse(keys.json())).containsKey("keys");
    }
  }
}
