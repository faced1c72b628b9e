package io.ctops.server.roles;

import static io.ctops.server.testing.HeartbeatClient.vitals;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.HeartbeatClient;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.TestAgent;
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
}
