package io.ctops.server.roles;

import static io.ctops.server.testing.HeartbeatClient.vitals;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.HeartbeatResponse;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.server.inventory.SoftwareScanTask;
import io.ctops.server.inventory.SoftwareScans;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.HeartbeatClient;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.TestAgent;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Ingest is stateless: instances on one database and one key file serve any agent. */
@ExtendWith(FreshDatabase.class)
class TwoInstancesTest {

  @Test
  void anAgentRegisteredThroughOneInstanceHeartbeatsThroughTheOther(DatabaseUrl database) {
    try (IngestFixture first = IngestFixture.start(database);
        IngestFixture second = IngestFixture.sharing(first)) {
      TestAgent agent = new TestAgent("roaming-01", "10.0.3.1");
      RegisterResponse registered =
          first.blocking().register(agent.requestWithCsr(first.token(true)).build());

      try (HeartbeatClient stream =
          new HeartbeatClient(
              second.withJwt(
                  second.channel(registered.getClientCertPem(), agent),
                  registered.getJwtToken()))) {
        assertThat(stream.send(vitals(7, 8, 9).build()).next().getAckedThroughUnix()).isPositive();
      }
      assertThat(second.ingest.tokens().jwks()).isEqualTo(first.ingest.tokens().jwks());
      assertThat(second.count("SELECT count(*) FROM host_metrics")).isEqualTo(1);
      assertThat(second.count("SELECT count(*) FROM agent_ca")).isEqualTo(1);
    }
  }

  @Test
  void aTaskGoesOutThroughTheInstanceHoldingItsAgentsStreamWithoutWaitingForAHeartbeat(
      DatabaseUrl database) {
    try (IngestFixture first = IngestFixture.start(database);
        IngestFixture second = IngestFixture.sharing(first)) {
      TestAgent agent = new TestAgent("tasked-01", "10.0.3.2");
      RegisterResponse registered =
          first.blocking().register(agent.requestWithCsr(first.token(true)).build());
      try (HeartbeatClient stream =
          new HeartbeatClient(
              second.withJwt(
                  second.channel(registered.getClientCertPem(), agent),
                  registered.getJwtToken()))) {
        stream.send(vitals(1, 2, 3).build()).next();
        UUID host = UUID.fromString(second.string("SELECT CAST(id AS text) FROM hosts"));
        UUID org = UUID.fromString(second.string("SELECT CAST(org_id AS text) FROM hosts"));
        UUID scan = new SoftwareScans(first.jdbi(), Clock.systemUTC()).queue(org, host);

        // no heartbeat is sent meanwhile: the answer carrying the task comes on its own
        HeartbeatResponse pushed = stream.next();
        assertThat(pushed.getPendingTask().getTaskId()).isEqualTo(scan.toString());
        assertThat(pushed.getPendingTask().getTaskType()).isEqualTo(SoftwareScanTask.NAME);
        assertThat(second.string("SELECT state FROM tasks WHERE id = '" + scan + "'"))
            .isEqualTo("dispatched");
      }
    }
  }
}
