package io.ctops.server.tasks;

import java.util.Arrays;
import java.util.Locale;

/**
 * Where a task is: {@code queued → dispatched → running → succeeded | failed | cancelled |
 * timed_out}.
 */
public enum TaskState {
  QUEUED,
  DISPATCHED,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED,
  TIMED_OUT;

  public String dbName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean isFinished() {
    return ordinal() >= SUCCEEDED.ordinal();
  }

  public static TaskState fromDb(String name) {
    return Arrays.stream(values())
        .filter(s -> s.dbName().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("unknown task state " + name));
  }
}
