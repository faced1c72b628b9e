package io.ctops.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.platform.database.Database;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each test gets a migrated database nobody else writes to, in whichever form it asks for. */
class FreshDatabaseTest {
  private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

  @RegisterExtension final FreshDatabase db = new FreshDatabase();

  @RepeatedTest(2)
  void eachTestHasItsOwnMigratedDatabase(Database database, Jdbi jdbi, DatabaseUrl url) {
    String name = Sql.string(jdbi, "SELECT current_database()");

    assertThat(SEEN.add(name)).as("a database no earlier test had: %s", name).isTrue();
    assertThat(url.jdbcUrl()).endsWith("/" + name);
    assertThat(database).isSameAs(db.database());
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM organisations WHERE slug = 'default'"))
        .isEqualTo(1);
    assertThat(Sql.number(jdbi, "SELECT count(*) FROM hosts")).isZero();
    jdbi.useHandle(
        h -> h.execute("INSERT INTO hosts (org_id, hostname) SELECT id, 'x' FROM organisations"));
  }
}
