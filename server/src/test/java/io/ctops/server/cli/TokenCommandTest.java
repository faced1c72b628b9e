package io.ctops.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FreshDatabase.class)
class TokenCommandTest {
  private DatabaseUrl database;
  private Map<String, String> env;

  @BeforeEach
  void freshDatabase(DatabaseUrl database) {
    this.database = database;
    env = Map.of("DATABASE_URL", TestPostgres.jdbcUrlWithCredentials(database));
  }

  @Test
  void createPrintsOnlyTheTokenAndStoresOnlyItsHash() throws Exception {
    Ctops.Run run =
        Ctops.run(
            env, "token", "create", "--name", "web servers", "--auto-approve", "--max-uses", "5");

    assertThat(run.exitCode()).as(run.err()).isZero();
    String token = run.out().strip();
    assertThat(run.out()).isEqualTo(token + System.lineSeparator());
    assertThat(token).matches("ctops_[A-Za-z0-9_-]{43}");
    try (Connection connection = connect();
        ResultSet row =
            connection
                .createStatement()
                .executeQuery(
                    "SELECT t.*, t::text AS whole_row, o.slug FROM enrolment_tokens t"
                        + " JOIN organisations o ON o.id = t.org_id")) {
      assertThat(row.next()).isTrue();
      assertThat(row.getBytes("token_hash"))
          .isEqualTo(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
      assertThat(row.getString("whole_row")).doesNotContain(token.substring(6));
      assertThat(row.getString("name")).isEqualTo("web servers");
      assertThat(row.getBoolean("auto_approve")).isTrue();
      assertThat(row.getInt("max_uses")).isEqualTo(5);
      assertThat(row.getString("slug")).isEqualTo("default");
      assertThat(row.next()).isFalse();
    }
  }

  @Test
  void listShowsUsesExpiryAndState() {
    Clock clock = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);
    Ctops.run(
        env, clock, "token", "create", "--name", "lab", "--expires-in", "7d", "--max-uses", "3");
    Ctops.run(env, clock, "token", "create", "--name", "expiring", "--expires-in", "1h");

    Clock later = Clock.offset(clock, Duration.ofHours(2));
    Ctops.Run list = Ctops.run(env, later, "token", "list");

    assertThat(list.exitCode()).isZero();
    assertThat(list.out().lines())
        .anySatisfy(
            line ->
                assertThat(line)
                    .contains("lab", "0/3", "2026-03-08 10:00Z", "active")
                    .doesNotContain("ctops_" + "x"))
        .anySatisfy(line -> assertThat(line).contains("expiring", "0/∞", "expired"));
  }

  @Test
  void revokeMarksTheTokenRevokedOnceAndReportsUnknownIds() {
    Ctops.run(env, "token", "create", "--name", "old");
    String id = tokenIdNamed("old");

    Ctops.Run revoke = Ctops.run(env, "token", "revoke", id);
    Ctops.Run again = Ctops.run(env, "token", "revoke", id);
    Ctops.Run unknown = Ctops.run(env, "token", "revoke", "00000000-0000-0000-0000-000000000001");
    Ctops.Run malformed = Ctops.run(env, "token", "revoke", "not-a-uuid");

    assertThat(revoke.exitCode()).isZero();
    assertThat(revoke.out()).contains("Revoked token " + id);
    assertThat(again.exitCode()).isZero();
    assertThat(again.out()).contains("already revoked");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err()).contains("no enrolment token with id");
    assertThat(malformed.exitCode()).isEqualTo(64);
    assertThat(malformed.err()).contains("not-a-uuid");
    assertThat(Ctops.run(env, "token", "list").out()).contains("revoked");
  }

  @Test
  void badInputIsRefusedWithAClearMessageAndWritesNothing() throws Exception {
    Ctops.Run zeroUses = Ctops.run(env, "token", "create", "--max-uses", "0");
    Ctops.Run badDuration = Ctops.run(env, "token", "create", "--expires-in", "soon");
    Ctops.Run unknownOrg = Ctops.run(env, "token", "create", "--org", "nope");
    Ctops.Run controlChars = Ctops.run(env, "token", "create", "--name", "bad\u0007name");

    assertThat(zeroUses.exitCode()).isEqualTo(1);
    assertThat(zeroUses.err()).contains("--max-uses must be at least 1");
    assertThat(badDuration.exitCode()).isEqualTo(64);
    assertThat(badDuration.err()).contains("expected a duration like 30m, 24h, 7d");
    assertThat(unknownOrg.exitCode()).isEqualTo(1);
    assertThat(unknownOrg.err()).contains("no organisation named 'nope'", "Default");
    assertThat(controlChars.exitCode()).isEqualTo(1);
    assertThat(controlChars.err()).contains("control characters");
    for (Ctops.Run run : new Ctops.Run[] {zeroUses, badDuration, unknownOrg, controlChars}) {
      assertThat(run.out()).isEmpty();
    }
    assertThat(count("SELECT count(*) FROM enrolment_tokens")).isZero();
  }

  @Test
  void unreachableDatabaseUrlIsNamedInOneLine() {
    Ctops.Run run =
        Ctops.run(
            Map.of("DATABASE_URL", "postgres://ctops:secret@127.0.0.1:1/ctops"), "token", "list");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().strip())
        .startsWith("ctops: DATABASE_URL: cannot connect to jdbc:postgresql://127.0.0.1:1/ctops")
        .doesNotContain("secret")
        .hasLineCount(1);
  }

  private String tokenIdNamed(String name) {
    return Ctops.run(env, "token", "list")
        .out()
        .lines()
        .filter(line -> line.contains(" " + name + " "))
        .findFirst()
        .orElseThrow()
        .split("\\s+")[0];
  }

  private long count(String sql) throws Exception {
    try (Connection connection = connect();
        ResultSet rs = connection.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private Connection connect() throws Exception {
    return DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
  }
}
