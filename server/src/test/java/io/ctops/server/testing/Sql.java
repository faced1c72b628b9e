package io.ctops.server.testing;

import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** Short, typed queries for assertions. */
public final class Sql {
  private Sql() {}

  public static List<String> strings(Jdbi jdbi, String sql) {
    return jdbi.withHandle(h -> h.createQuery(sql).mapTo(String.class).list());
  }

  public static String string(Jdbi jdbi, String sql) {
    return jdbi.withHandle(h -> h.createQuery(sql).mapTo(String.class).one());
  }

  public static long number(Jdbi jdbi, String sql) {
    return jdbi.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
  }
}
