package io.ctops.server.accounts;

import static io.ctops.server.testing.HeartbeatClient.vitals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ctops.protocol.v1.CheckResult;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.HeartbeatClient;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.TestAgent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Account and SSH key reports going into a host's accounts through the real ingest (gRPC/TLS) and
 * PostgreSQL: both agents' JSON, accounts gone from a later report, a report that is not JSON.
 */
@ExtendWith(FreshDatabase.class)
class AccountStorageTest {
  private IngestFixture ingest;
  private RegisterResponse agent;
  private UUID accountsCheck;
  private UUID keysCheck;

  @BeforeEach
  void start(DatabaseUrl database) {
    ingest = IngestFixture.start(database);
    agent = ingest.registerActive(new TestAgent("accounts-01"));
    assertThat(
            ingest.count(
                "SELECT add_default_account_checks(id) FROM organisations WHERE slug = 'default'"))
        .as("the organisation's default account and SSH key checks")
        .isEqualTo(2);
    accountsCheck = id("SELECT id::text FROM checks WHERE check_type = 'service_account'");
    keysCheck = id("SELECT id::text FROM checks WHERE check_type = 'ssh_key_scan'");
  }

  @AfterEach
  void stop() {
    ingest.close();
  }

  private UUID id(String sql) {
    return UUID.fromString(ingest.string(sql));
  }

  private static CheckResult result(UUID check, long ranAt, String output) {
    return CheckResult.newBuilder()
        .setCheckId(check.toString())
        .setStatus("pass")
        .setOutput(output)
        .setDurationMs(40)
        .setRanAtUnix(ranAt)
        .build();
  }

  private void send(long timestamp, CheckResult... results) {
    try (HeartbeatClient stream =
        new HeartbeatClient(ingest.withJwt(ingest.channel(), agent.getJwtToken()))) {
      HeartbeatRequest beat =
          vitals(1, 2, 3).setTimestampUnix(timestamp).addAllCheckResults(List.of(results)).build();
      stream.send(beat).next();
    }
  }

  private void awaitStored(long results) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ingest.count("SELECT count(*) FROM check_results") >= results);
  }

  static final String OURS =
      """
      {"accounts":[
        {"username":"root","uid":0,"gid":0,"home_directory":"/root","shell":"/bin/bash",
         "account_type":"system","has_login_capability":true,"has_running_processes":true,
         "account_locked":false,"password_last_changed":"1700000000","groups":["root"],
         "privileged":true,"privileged_by":["uid 0"],"password_set":true,
         "last_login_at":"1710000000","account_source":"local"},
        {"username":"alice","uid":1000,"gid":1000,"home_directory":"/home/alice",
         "shell":"/bin/zsh","account_type":"human","has_login_capability":true,
         "has_running_processes":false,"account_locked":false,"groups":["alice","sudo"],
         "privileged":true,"privileged_by":["group sudo"],"password_set":true,
         "account_source":"local","a_key_from_the_future":{"nested":[1,2]}},
        {"username":"bob@corp","uid":700001,"gid":700001,"home_directory":"/home/bob",
         "shell":"/bin/bash","account_type":"system","has_login_capability":true,
         "has_running_processes":false,"account_locked":null,"privileged":false,
         "account_source":"domain"},
        {"username":"daemon","uid":1,"gid":1,"home_directory":"/usr/sbin",
         "shell":"/usr/sbin/nologin","account_type":"system","has_login_capability":false,
         "has_running_processes":false,"account_locked":true,"privileged":false,
         "password_set":false,"account_source":"local"},
        {"uid":5,"shell":"/bin/sh"}
      ],"accounts_total":4,"accounts_omitted":0,"skipped":2,
       "notes":["shadow not readable by the agent: permission denied"]}
      """;

  /** The original CT-Ops agent's keys: no groups, privilege or notes, times in RFC 3339. */
  static final String ORIGINAL =
      """
      {"accounts":[
        {"username":"root","uid":0,"gid":0,"home_directory":"/root","shell":"/bin/bash",
         "account_type":"system","has_login_capability":true,"has_running_processes":true,
         "account_locked":false,"password_expires_at":"2030-01-02T03:04:05Z",
         "password_last_changed":"2024-05-06T07:08:09Z"},
        {"username":"carol","uid":1001,"gid":1001,"home_directory":"/home/carol",
         "shell":"/bin/bash","account_type":"human","has_login_capability":true,
         "has_running_processes":false,"account_locked":true}
      ]}
      """;

  static final String KEYS =
      """
      {"keys":[
        {"key_type":"ssh-ed25519","bit_length":256,
         "fingerprint_sha256":"SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
         "comment":"alice@laptop","file_path":"/home/alice/.ssh/authorized_keys",
         "key_source":"authorized_keys","associated_username":"alice","key_age_seconds":86400,
         "line":3,"has_options":false},
        {"key_type":"ssh-rsa","bit_length":"4096",
         "fingerprint_sha256":"b8:d8:95:ce:d9:2c:0a:c0:e1:71:cd:2e:f5:ef:01:ba:34:17:55:4a:4a:64:80:d3:31:cc:c2:be:3d:ed:0f:6b",
         "comment":"deploy","file_path":"/root/.ssh/authorized_keys",
         "key_source":"authorized_keys","associated_username":"root"},
        {"key_type":"ssh-rsa","fingerprint_sha256":"not a fingerprint","file_path":"/x"}
      ],"keys_total":3,"keys_omitted":0,"skipped":0,"notes":[]}
      """;

  @Test
  void storesOurAgentsAccountsWithGroupsPrivilegeDomainAndNotes() {
    long now = Instant.now().getEpochSecond();
    send(now, result(accountsCheck, now - 5, OURS), result(keysCheck, now - 5, KEYS));
    awaitStored(2);

    assertThat(
            ingest.string(
                "SELECT string_agg(username || ' ' || account_type || ' ' || can_log_in || ' '"
                    + " || privileged || ' ' || is_domain, ', ' ORDER BY username)"
                    + " FROM host_accounts"))
        .isEqualTo(
            "alice human true true false, bob@corp system true false true,"
                + " daemon system false false false, root system true true false");
    assertThat(
            ingest.string(
                "SELECT array_to_string(groups, ',') || ' ' || array_to_string(privileged_by, ',')"
                    + " FROM host_accounts WHERE username = 'alice'"))
        .isEqualTo("alice,sudo group sudo");
    assertThat(
            ingest.string(
                "SELECT coalesce(CAST(locked AS text), 'unknown') FROM host_accounts"
                    + " WHERE username = 'bob@corp'"))
        .isEqualTo("unknown");
    assertThat(
            ingest.count(
                "SELECT extract(epoch FROM last_login_at) FROM host_accounts"
                    + " WHERE username = 'root'"))
        .isEqualTo(1_710_000_000L);
    assertThat(
            ingest.string(
                "SELECT array_to_string(notes, '|') || ' ' || total || ' ' || skipped"
                    + " FROM host_account_reports WHERE kind = 'accounts'"))
        .as("the agent's notes, and the entry without a name skipped beside the agent's two")
        .isEqualTo("shadow not readable by the agent: permission denied 4 3");

    assertThat(
            ingest.string(
                "SELECT string_agg(username || ' ' || fingerprint || ' ' || coalesce(bits, 0),"
                    + " ', ' ORDER BY username) FROM host_ssh_keys"))
        .as("fingerprints as ssh-keygen prints them, a hex one converted; a bad one skipped")
        .isEqualTo(
            "alice SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s 256,"
                + " root SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s 4096");
  }

  @Test
  void readsTheOriginalAgentsKeys() {
    long now = Instant.now().getEpochSecond();
    send(now, result(accountsCheck, now - 5, ORIGINAL));
    awaitStored(1);

    assertThat(
            ingest.string(
                "SELECT string_agg(username || ' ' || account_type || ' ' || locked || ' '"
                    + " || privileged || ' ' || home, ', ' ORDER BY username) FROM host_accounts"))
        .as("root is privileged by its uid even when the agent does not say so")
        .isEqualTo("carol human true false /home/carol, root system false true /root");
    assertThat(
            ingest.string(
                "SELECT to_char(password_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
                    + " || ' ' || to_char(password_last_changed AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
                    + " FROM host_accounts WHERE username = 'root'"))
        .isEqualTo("2030-01-02 03:04:05 2024-05-06");
  }

  @Test
  void anAccountALaterReportNoLongerListsIsRemovedAndComesBackWhenListedAgain() {
    long now = Instant.now().getEpochSecond();
    send(now - 20, result(accountsCheck, now - 20, ORIGINAL));
    awaitStored(1);
    String firstSeen =
        ingest.string("SELECT CAST(first_seen AS text) FROM host_accounts WHERE username = 'root'");

    String rootOnly = ORIGINAL.replaceAll("(?s),\\s*\\{\"username\":\"carol\".*?\\}\\s*\\]", "]");
    assertThat(rootOnly).doesNotContain("carol");
    send(now - 10, result(accountsCheck, now - 10, rootOnly));
    awaitStored(2);
    assertThat(
            ingest.string(
                "SELECT string_agg(username || ' ' || (removed_at IS NOT NULL), ', '"
                    + " ORDER BY username) FROM host_accounts"))
        .isEqualTo("carol true, root false");
    assertThat(
            ingest.string(
                "SELECT CAST(first_seen AS text) FROM host_accounts WHERE username = 'root'"))
        .as("first seen is never overwritten")
        .isEqualTo(firstSeen);

    send(now, result(accountsCheck, now, ORIGINAL));
    awaitStored(3);
    assertThat(ingest.count("SELECT count(*) FROM host_accounts WHERE removed_at IS NULL"))
        .isEqualTo(2);
  }

  @Test
  void aReportThatIsNotJsonIsCountedAndTheRestOfTheBatchIsStored() {
    long now = Instant.now().getEpochSecond();
    send(
        now,
        result(accountsCheck, now - 5, "{\"accounts\": [{\"username\": \"root\""),
        result(keysCheck, now - 5, KEYS));
    awaitStored(2);

    assertThat(ingest.count("SELECT count(*) FROM check_states")).isEqualTo(2);
    assertThat(ingest.count("SELECT count(*) FROM host_accounts")).isZero();
    assertThat(ingest.count("SELECT count(*) FROM host_ssh_keys")).isEqualTo(2);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(ingest.metrics()).contains("ctops_account_reports_malformed_total 1.0"));
  }

  @Test
  void aReportBeyondFourKibIsReadWholeWhileItsStoredOutputIsCut() {
    StringBuilder accounts = new StringBuilder("{\"accounts\":[");
    for (int i = 0; i < 1500; i++) {
      accounts
          .append(i == 0 ? "" : ",")
          .append("{\"username\":\"user")
          .append(i)
          .append("\",\"uid\":")
          .append(2000 + i)
          .append(",\"gid\":100,\"home_directory\":\"/home/user")
          .append(i)
          .append("\",\"shell\":\"/bin/bash\",\"account_type\":\"human\"}");
    }
    String report = accounts.append("]}").toString();
    assertThat(report.length()).isBetween(100_000, 250_000);
    long now = Instant.now().getEpochSecond();
    send(now, result(accountsCheck, now - 5, report));
    awaitStored(1);

    assertThat(ingest.count("SELECT count(*) FROM host_accounts")).isEqualTo(1500);
    assertThat(ingest.count("SELECT octet_length(output) FROM check_states"))
        .as("history and state keep 4 KiB of it")
        .isLessThanOrEqualTo(4096);
  }
}
