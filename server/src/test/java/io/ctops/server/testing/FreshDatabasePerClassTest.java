package io.ctops.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** With {@code perClass()} the tests of a class share one database, so rows carry over. */
class FreshDatabasePerClassTest {
  @RegisterExtension static final FreshDatabase db = FreshDatabase.perClass();

  @RepeatedTest(2)
  void theTestsOfTheClassShareOneDatabase(Jdbi jdbi, RepetitionInfo repetition) {
    jdbi.useHandle(
        h -> h.execute("INSERT INTO hosts (org_id, hostname) SELECT id, 'x' FROM organisations"));

    assertThat(Sql.number(jdbi, "SELECT count(*) FROM hosts"))
        .isEqualTo(repetition.getCurrentRepetition());
    assertThat(jdbi).isSameAs(db.jdbi());
  }
}
