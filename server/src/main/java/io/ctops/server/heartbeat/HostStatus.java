package io.ctops.server.heartbeat;

import io.ctops.server.enrolment.AgentHistory;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Online and offline transitions driven by heartbeat streams (H-1, H-2). A stream that opens takes
 * ownership of its host ({@code hosts.stream_id}); a stream that closes marks the host offline only
 * while it still owns it, so an agent that already reconnected elsewhere stays online.
 */
final class HostStatus {
  private final Jdbi jdbi;
  private final Clock clock;

  HostStatus(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  void streamOpened(UUID agentId, UUID hostId, UUID streamId, String agentVersion) {
    jdbi.useTransaction(
        handle -> {
          Optional<String> before =
              handle
                  .createQuery("SELECT status FROM hosts WHERE id = :id FOR UPDATE")
                  .bind("id", hostId)
                  .mapTo(String.class)
                  .findOne();
          handle
              .createUpdate(
                  "UPDATE hosts SET status = 'online', stream_id = :stream, last_seen = now()"
                      + " WHERE id = :id")
              .bind("stream", streamId)
              .bind("id", hostId)
              .execute();
          handle
              .createUpdate(
                  "UPDATE agents SET status = 'active',"
                      + " version = coalesce(nullif(:version, ''), version), updated_at = now()"
                      + " WHERE id = :id AND status IN ('active', 'offline')")
              .bind("version", agentVersion)
              .bind("id", agentId)
              .execute();
          if (!before.equals(Optional.of("online"))) {
            AgentHistory.record(handle, agentId, "online", "heartbeat stream opened", clock);
          }
        });
  }

  void streamClosed(UUID agentId, UUID hostId, UUID streamId, String reason) {
    jdbi.useTransaction(
        handle -> {
          int changed =
              handle
                  .createUpdate(
                      "UPDATE hosts SET status = 'offline', stream_id = NULL"
                          + " WHERE id = :id AND stream_id = :stream AND status = 'online'")
                  .bind("id", hostId)
                  .bind("stream", streamId)
                  .execute();
          if (changed > 0) {
            handle
                .createUpdate(
                    "UPDATE agents SET status = 'offline', updated_at = now()"
                        + " WHERE id = :id AND status = 'active'")
                .bind("id", agentId)
                .execute();
            AgentHistory.record(handle, agentId, "offline", reason, clock);
          }
        });
  }
}
