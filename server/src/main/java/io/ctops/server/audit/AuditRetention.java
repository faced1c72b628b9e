package io.ctops.server.audit;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;

/**
 * The retention purge, the one way entries leave the log: entries older than the retention are
 * deleted in batches, so a first purge of a large log never holds one huge transaction.
 */
public final class AuditRetention {
  static final int BATCH = 10_000;

  private final Jdbi jdbi;
  private final Clock clock;
  private final Duration retention;

  public AuditRetention(Jdbi jdbi, Clock clock, Duration retention) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.retention = retention;
  }

  /** Deletes the entries older than the retention; returns how many. */
  public int purge() {
    Timestamp cutoff = Timestamp.from(clock.instant().minus(retention));
    int total = 0;
    int deleted;
    do {
      deleted =
          jdbi.withHandle(
              handle ->
                  handle
                      .createUpdate(
                          """
                          DELETE FROM audit_entries WHERE id IN
                              (SELECT id FROM audit_entries WHERE at < :cutoff LIMIT :batch)
                          """)
                      .bind("cutoff", cutoff)
                      .bind("batch", BATCH)
                      .execute());
      total += deleted;
    } while (deleted == BATCH);
    return total;
  }
}
