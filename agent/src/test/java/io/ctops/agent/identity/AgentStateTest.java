package io.ctops.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentStateTest {
  @TempDir Path dir;

  @Test
  void savesOwnerOnlyAndLoadsBack() throws Exception {
    AgentState state =
        new AgentState("id-1", jwtExpiringAt(Instant.now().plusSeconds(3600)), null, null, 0, 0);

    state.save(dir);

    assertThat(AgentState.load(dir)).isEqualTo(new AgentState.Loaded.Present(state));
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("agent_state.json"))))
        .isEqualTo("rw-------");
    assertThat(state.hasUsableJwt(Instant.now())).isTrue();
    assertThat(
            state.withJwt(jwtExpiringAt(Instant.now().minusSeconds(1))).hasUsableJwt(Instant.now()))
        .isFalse();
  }

  @Test
  void aCorruptOrEmptyFileIsUnusableNotFatal() throws Exception {
    Files.writeString(dir.resolve("agent_state.json"), "{\"agent_id\": ");
    assertThat(AgentState.load(dir)).isInstanceOf(AgentState.Loaded.Unusable.class);
    Files.writeString(dir.resolve("agent_state.json"), "{}");
    assertThat(AgentState.load(dir)).isInstanceOf(AgentState.Loaded.Unusable.class);
    Files.writeString(dir.resolve("agent_state.json"), "{\"agent_id\": 5}");
    assertThat(AgentState.load(dir))
        .isEqualTo(
            new AgentState.Loaded.Unusable(
                dir.resolve("agent_state.json") + " is not valid (agent_id is not a string)"));
    Files.writeString(dir.resolve("agent_state.json"), "[1]");
    assertThat(AgentState.load(dir)).isInstanceOf(AgentState.Loaded.Unusable.class);
    Files.delete(dir.resolve("agent_state.json"));
    assertThat(AgentState.load(dir)).isInstanceOf(AgentState.Loaded.Absent.class);
  }

  @Test
  void readsAFileWrittenByAnEarlierVersionIgnoringFieldsItDoesNotKnow() throws Exception {
    Files.writeString(
        dir.resolve("agent_state.json"),
        """
        {"agent_id":"a-1","jwt":"x.y.z","client_cert_pem":null,"ca_cert_pem":"CA",
         "client_cert_not_after_unix":1800000000,"client_cert_issued_unix":1700000000,
         "added_later":{"nested":[1,2]}}""");

    assertThat(AgentState.load(dir))
        .isEqualTo(
            new AgentState.Loaded.Present(
                new AgentState("a-1", "x.y.z", null, "CA", 1_800_000_000L, 1_700_000_000L)));
  }

  @Test
  void renewsOnceLessThanAThirdOfTheCertificatesValidityIsLeft() {
    Instant issued = Instant.parse("2026-01-01T00:00:00Z");
    AgentState state =
        new AgentState("id", "jwt", null, null, 0, 0)
            .withCertificate(
                "-----BEGIN CERTIFICATE-----",
                "ca",
                issued.plus(Duration.ofDays(30)).getEpochSecond(),
                issued);

    assertThat(state.certificateNeedsRenewal(issued.plus(Duration.ofDays(19)))).isFalse();
    assertThat(state.certificateNeedsRenewal(issued.plus(Duration.ofDays(21)))).isTrue();
  }

  private static String jwtExpiringAt(Instant expiry) {
    Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    return encoder.encodeToString("{\"alg\":\"RS256\"}".getBytes())
        + "."
        + encoder.encodeToString(("{\"exp\":" + expiry.getEpochSecond() + "}").getBytes())
        + ".sig";
  }
}
