package io.ctops.server.terminal;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** A host's recent terminal sessions, newest first, as its Terminal tab lists them. */
public final class TerminalHistory {
  private TerminalHistory() {}

  public record Row(
      UUID id,
      String userName,
      String state,
      Instant requestedAt,
      Instant endedAt,
      Integer exitCode,
      String endReason,
      long bytesIn,
      long bytesOut,
      long recordedBytes) {}

  public static List<Row> recent(Jdbi jdbi, UUID hostId, int limit) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    """
                    SELECT id, user_name, state, requested_at, ended_at, exit_code, end_reason,
                           bytes_in, bytes_out, recorded_bytes
                      FROM terminal_sessions WHERE host_id = :host
                     ORDER BY requested_at DESC LIMIT :limit
                    """)
                .bind("host", hostId)
                .bind("limit", limit)
                .map(
                    (rs, ctx) ->
                        new Row(
                            rs.getObject(1, UUID.class),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getTimestamp(4).toInstant(),
                            rs.getTimestamp(5) == null ? null : rs.getTimestamp(5).toInstant(),
                            (Integer) rs.getObject(6),
                            rs.getString(7),
                            rs.getLong(8),
                            rs.getLong(9),
                            rs.getLong(10)))
                .list());
  }
}
