package io.ctops.server.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Stream transitions are written in batches, in order, and one bad one does not lose the rest. */
@ExtendWith(FreshDatabase.class)
class HostStatusTest {
  private Database database;

  @BeforeEach
  void open(Database database) {
    this.database = database;
  }

  private long count(String sql) {
    return Sql.number(database.jdbi(), sql);
  }

  @Test
  void aThousandStreamsOpeningAtOnceAreAllRecordedInOrderDespiteABadOne() {
    var jdbi = database.jdbi();
    UUID org =
        jdbi.withHandle(h -> h.createQuery("SELECT id FROM organisations").mapTo(UUID.class).one());
    jdbi.useHandle(
        h -> {
          h.execute(
              "INSERT INTO agents (org_id, public_key, status) SELECT ?, 'key-' || n, 'active'"
                  + " FROM generate_series(1, 1000) AS n",
              org);
          h.execute(
              "INSERT INTO hosts (org_id, agent_id, hostname, status)"
                  + " SELECT a.org_id, a.id, 'h-' || a.public_key, 'offline' FROM agents a");
        });
    record Pair(UUID agent, UUID host) {}
    List<Pair> pairs =
        jdbi.withHandle(
            h ->
                h.createQuery("SELECT agent_id, id FROM hosts")
                    .map(
                        (rs, ctx) ->
                            new Pair(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)))
                    .list());
    List<UUID> streams = new ArrayList<>();
    try (HostStatus status = new HostStatus(jdbi, Clock.systemUTC()).start()) {
      // an agent that does not exist: its history row breaks the batch it lands in
      status.streamOpened(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "1.0");
      for (Pair p : pairs) {
        UUID stream = UUID.randomUUID();
        streams.add(stream);
        status.streamOpened(p.agent(), p.host(), stream, "1.0");
      }
      // the first host's stream closes and a new one opens: the order must hold
      Pair first = pairs.get(0);
      status.streamClosed(first.agent(), first.host(), streams.get(0), "stream ended");
      status.streamOpened(first.agent(), first.host(), UUID.randomUUID(), "1.0");
    }
    assertThat(count("SELECT count(*) FROM hosts WHERE status = 'online'")).isEqualTo(1000);
    assertThat(
            count(
                "SELECT count(*) FROM hosts WHERE stream_opened_at > now() - interval '1 minute'"))
        .as("the sweeper counts from the stream's opening until the first vitals")
        .isEqualTo(1000);
    assertThat(count("SELECT count(*) FROM agents WHERE status = 'active' AND version = '1.0'"))
        .isEqualTo(1000);
    assertThat(count("SELECT count(*) FROM agent_status_history WHERE status = 'online'"))
        .isEqualTo(1001);
    assertThat(count("SELECT count(*) FROM agent_status_history WHERE status = 'offline'"))
        .isEqualTo(1);
  }
}
