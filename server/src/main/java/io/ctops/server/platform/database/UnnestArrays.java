package io.ctops.server.platform.database;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Values for the column arrays of an {@code INSERT ... SELECT FROM unnest(...)}: one array per
 * column, and times as float seconds for {@code to_timestamp} (the driver binds no timestamp
 * arrays).
 */
public final class UnnestArrays {
  private UnnestArrays() {}

  /** One column of the rows, in their order. */
  public static <T, R> List<R> column(List<T> rows, Function<T, R> field) {
    List<R> values = new ArrayList<>(rows.size());
    rows.forEach(row -> values.add(field.apply(row)));
    return values;
  }

  /** An instant as {@code to_timestamp} reads it (microseconds are all PostgreSQL keeps). */
  public static double seconds(Instant at) {
    return at.getEpochSecond() + at.getNano() / 1_000 / 1e6;
  }
}
