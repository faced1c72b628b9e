package io.ctops.server.groups;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.RegisterRequest;
import io.ctops.server.audit.Actor;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.TestAgent;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The agent's tags arrive with its registration over real gRPC/TLS: registering again (every agent
 * start) with other tags replaces the agent's old ones, while the operators' tags stay and keep
 * winning by key, and dynamic groups follow.
 */
@ExtendWith(FreshDatabase.class)
class AgentTagsTest {
  private IngestFixture ingest;

  @BeforeEach
  void start(DatabaseUrl database) {
    ingest = IngestFixture.start(database);
  }

  @AfterEach
  void stop() {
    ingest.close();
  }

  private static RegisterRequest withTags(TestAgent agent, String token, Map<String, String> tags) {
    RegisterRequest.Builder request = agent.request(token);
    tags.forEach(
        (k, v) -> request.addTags(io.ctops.protocol.v1.Tag.newBuilder().setKey(k).setValue(v)));
    return request.build();
  }

  private List<String> terms() {
    return ingest
        .jdbi()
        .withHandle(
            h -> h.createQuery("SELECT unnest(terms) FROM host_tags").mapTo(String.class).list());
  }

  @Test
  void registeringAgainReplacesTheAgentsTagsAndKeepsTheOperators() {
    TestAgent agent = new TestAgent("web-01", "10.0.0.5");
    String token = ingest.token(true);
    ingest.blocking().register(withTags(agent, token, Map.of("env", "prod", "role", "web")));
    UUID host = UUID.fromString(ingest.string("SELECT CAST(id AS text) FROM hosts"));
    UUID org = UUID.fromString(ingest.string("SELECT CAST(org_id AS text) FROM hosts"));
    UUID webGroup =
        ingest
            .jdbi()
            .inTransaction(
                h ->
                    HostGroups.create(
                        h,
                        org,
                        Actor.system("test"),
                        new HostGroups.GroupSpec(
                            "web",
                            "",
                            true,
                            new GroupRule(
                                List.of(Tag.parse("role:web")),
                                java.util.Optional.empty(),
                                java.util.Optional.empty(),
                                java.util.Optional.empty(),
                                java.util.Optional.empty()))));
    ingest
        .jdbi()
        .useTransaction(
            h ->
                HostTags.tag(
                    h,
                    org,
                    Actor.system("test"),
                    Set.of(host),
                    List.of(Tag.parse("owner:Alice"), Tag.parse("ENV:live"))));
    assertThat(terms())
        .containsExactlyInAnyOrder("env", "env:live", "owner", "owner:alice", "role", "role:web");
    assertThat(
            ingest.count(
                "SELECT count(*) FROM host_group_members WHERE group_id = '" + webGroup + "'"))
        .isEqualTo(1);

    ingest.blocking().register(withTags(agent, token, Map.of("env", "staging", "team", "ops")));

    assertThat(ingest.string("SELECT metadata->'tags' FROM hosts"))
        .isEqualTo("{\"env\": \"staging\", \"team\": \"ops\"}");
    assertThat(ingest.string("SELECT operator_tags FROM hosts"))
        .isEqualTo("{\"ENV\": \"live\", \"owner\": \"Alice\"}");
    assertThat(terms())
        .containsExactlyInAnyOrder("env", "env:live", "owner", "owner:alice", "team", "team:ops");
    assertThat(ingest.count("SELECT count(*) FROM host_group_members")).isZero();
    assertThat(ingest.count("SELECT count(*) FROM hosts")).isEqualTo(1);
  }
}
