package io.ctops.server.enrolment;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.TestAgent;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Registrations per source address are rate limited, on an ingest tuned to allow 2 a second. */
@ExtendWith(FreshDatabase.class)
class RegisterRateLimitTest {
  @Test
  void aFloodOfRegistrationsFromOneAddressIsRateLimited(DatabaseUrl database) {
    try (IngestFixture limited = IngestFixture.start(database, IngestFixture.FAST, 2)) {
      TestAgent agent = new TestAgent("flood");
      String token = limited.token(false);
      List<Status.Code> codes = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        try {
          limited.blocking().register(agent.request(token).build());
          codes.add(Status.Code.OK);
        } catch (StatusRuntimeException e) {
          codes.add(e.getStatus().getCode());
          assertThat(e.getStatus().getDescription()).contains("too many registrations");
        }
      }
      assertThat(codes).contains(Status.Code.OK, Status.Code.RESOURCE_EXHAUSTED);
    }
  }
}
