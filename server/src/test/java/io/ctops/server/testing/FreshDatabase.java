package io.ctops.server.testing;

import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.platform.database.Database;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A database of its own, at this build's schema, for each test (or each test class): a copy of the
 * migrated template on the shared test PostgreSQL ({@link TestPostgres}), so no test sees another's
 * rows. The pool is opened on first use and closed after the test (or class), after the test's own
 * {@code @AfterEach}/{@code @AfterAll} have stopped whatever ran on it.
 *
 * <p>Three ways to use it:
 *
 * <pre>{@code
 * @ExtendWith(FreshDatabase.class)              // one per test, handed over as a parameter:
 * class XTest {                                 // Database, Jdbi or DatabaseUrl, in @Test,
 *   @Test void x(Jdbi jdbi) { ... }             // @BeforeEach and @AfterEach methods
 * }
 *
 * @RegisterExtension final FreshDatabase db = new FreshDatabase();             // one per test
 * @RegisterExtension static final FreshDatabase db = FreshDatabase.perClass(); // one per class
 * ... db.jdbi(), db.database(), db.url() ...
 * }</pre>
 */
public final class FreshDatabase
    implements BeforeAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        AfterAllCallback,
        ParameterResolver {
  private final boolean perClass;
  private DatabaseUrl url;
  private Database database;

  /** One database per test. */
  public FreshDatabase() {
    this(false);
  }

  private FreshDatabase(boolean perClass) {
    this.perClass = perClass;
  }

  /** One database shared by every test of the class; register it on a static field. */
  public static FreshDatabase perClass() {
    return new FreshDatabase(true);
  }

  /** Where the current database is (for fixtures and commands that open their own pool). */
  public DatabaseUrl url() {
    if (url == null) {
      throw new IllegalStateException(
          perClass
              ? "FreshDatabase.perClass() is only active when registered on a static field"
              : "FreshDatabase gives a database to each test: ask for it in a test, @BeforeEach"
                  + " or @AfterEach, not in @BeforeAll (use FreshDatabase.perClass() for that)");
    }
    return url;
  }

  /** A pool on the current database, opened on first use and closed by this extension. */
  public Database database() {
    if (database == null) {
      database = Database.connect(url(), "test", List.of());
    }
    return database;
  }

  public Jdbi jdbi() {
    return database().jdbi();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (perClass) {
      url = TestPostgres.migratedDatabase();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!perClass) {
      url = TestPostgres.migratedDatabase();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      close();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (perClass) {
      close();
    }
  }

  private void close() {
    if (database != null) {
      database.close();
      database = null;
    }
    url = null;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == Database.class || type == Jdbi.class || type == DatabaseUrl.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    try {
      if (type == DatabaseUrl.class) {
        return url();
      }
      return type == Jdbi.class ? jdbi() : database();
    } catch (IllegalStateException e) {
      throw new ParameterResolutionException(e.getMessage(), e);
    }
  }
}
