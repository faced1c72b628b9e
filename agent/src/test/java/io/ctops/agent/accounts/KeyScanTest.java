package io.ctops.agent.accounts;

import static io.ctops.agent.accounts.HostAccountsTest.parse;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyScanTest {
  // Fingerprints of the fixture keys as `ssh-keygen -l -E sha256 -f <key>.pub` printed them.
  private static final String ED25519 = "SHA256:8Xwvu5kclKi5Wi2EdkOII/U6FrkSJfyjTEC7kBxSSnE";
  private static final String RSA_3072 = "SHA256:9ZgYjfoXuPNCudu1dJzhIy4PzGKB3HWhHg29AOABrZ4";
  private static final String ECDSA_384 = "SHA256:55QtUUCPr024zO4P4csxCEJTegu+0ovflJUp3f3mW7k";

  private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @TempDir Path dir;
  private FixtureHost host;

  @BeforeEach
  void copyTheFixtureHost() throws Exception {
    host = FixtureHost.copyTo(dir);
    Files.setLastModifiedTime(
        host.file("/home/alice/.ssh/authorized_keys"), FileTime.from(NOW.minusSeconds(3600)));
  }

  @Test
  void readsEachUsersAuthorizedKeysWithTheOriginalAgentsKeysAndFingerprintsAsSshKeygen()
      throws Exception {
    Map<String, Object> report = scan(List.of(), List.of());

    assertThat(keys(report, "/home/alice/.ssh/authorized_keys"))
        .extracting(
            k -> k.get("key_type"),
            k -> k.get("bit_length"),
            k -> k.get("fingerprint_sha256"),
            k -> k.get("comment"),
            k -> k.get("line"),
            k -> k.get("has_options"))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "ssh-ed25519", 256L, ED25519, "ed25519@test", 2L, false),
            org.assertj.core.groups.Tuple.tuple("ssh-rsa", 3072L, RSA_3072, "rsa@test", 3L, true),
            org.assertj.core.groups.Tuple.tuple(
                "ecdsa-sha2-nistp384", 384L, ECDSA_384, "ecdsa@test", 8L, false));
    Map<String, Object> first = keys(report, "/home/alice/.ssh/authorized_keys").getFirst();
    assertThat(List.copyOf(first.keySet()).subList(0, 8))
        .containsExactly(
            "key_type",
            "bit_length",
            "fingerprint_sha256",
            "comment",
            "file_path",
            "key_source",
            "associated_username",
            "key_age_seconds");
    assertThat(first)
        .containsEntry("key_source", "authorized_keys")
        .containsEntry("associated_username", "alice")
        .containsEntry("key_age_seconds", 3600L);
    assertThat(keys(report, "/home/alice/.ssh/id_ed25519.pub").getFirst())
        .containsEntry("key_source", "identity")
        .containsEntry("fingerprint_sha256", ED25519);
    assertThat(keys(report, "/home/dave/.ssh/authorized_keys2").getFirst())
        .containsEntry("associated_username", "dave")
        .containsEntry("fingerprint_sha256", ECDSA_384);
    assertThat(report)
        .as("broken base64, a garbage line, a key whose type is not what it says")
        .containsEntry("skipped", 3L);
  }

  @Test
  void neverReportsTheKeyItself() throws Exception {
    String json =
        new HostAccounts(dir, CLOCK).sshKeys(List.of("/srv/keys"), List.of(), 4096).json();

    for (String line : Files.readAllLines(host.file("/home/alice/.ssh/authorized_keys"))) {
      String[] words = line.split(" ");
      for (String word : words) {
        if (word.startsWith("AAAA")) {
          assertThat(json).doesNotContain(word.substring(0, 40));
        }
      }
    }
  }

  @Test
  void scanPathsAddFilesAndDirectoriesAndSkipPathsLeaveThemOut() throws Exception {
    Map<String, Object> report = scan(List.of("/srv/keys", "/nowhere/keys"), List.of("/home/dave"));

    assertThat(keys(report, "/srv/keys/deploy.pub").getFirst())
        .containsEntry("key_source", "authorized_keys")
        .containsEntry("associated_username", "")
        .containsEntry("fingerprint_sha256", RSA_3072);
    assertThat(keys(report, "/home/dave/.ssh/authorized_keys2")).isEmpty();
    assertThat(report).containsEntry("keys_total", 5L);
  }

  @Test
  void aFileNamedTwiceIsReadOnce() throws Exception {
    Map<String, Object> report = scan(List.of("/home/alice/.ssh/authorized_keys"), List.of());

    assertThat(keys(report, "/home/alice/.ssh/authorized_keys"))
        .hasSize(3)
        .allMatch(k -> k.get("associated_username").equals("alice"));
  }

  private Map<String, Object> scan(List<String> scanPaths, List<String> skipPaths)
      throws InterruptedException {
    HostAccounts.Report report = new HostAccounts(dir, CLOCK).sshKeys(scanPaths, skipPaths, 4096);
    assertThat(report.anyRead()).isTrue();
    return parse(report.json());
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> keys(Map<String, Object> report, String file) {
    return ((List<Map<String, Object>>) report.get("keys"))
        .stream().filter(k -> file.equals(k.get("file_path"))).toList();
  }
}
