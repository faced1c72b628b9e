package io.ctops.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FreshDatabase.class)
class AgentCommandTest {
  private DatabaseUrl database;
  private Map<String, String> env;

  @BeforeEach
  void freshDatabase(DatabaseUrl database) {
    this.database = database;
    env = Map.of("DATABASE_URL", TestPostgres.jdbcUrlWithCredentials(database));
  }

  @Test
  void approvesAPendingAgentAndRecordsIt() throws Exception {
    UUID agent = anAgent("pending", "web-01", "pending", "10.0.0.5");

    Ctops.Run run = Ctops.run(env, "agent", "approve", agent.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("Approved agent " + agent + " (web-01)");
    assertThat(value("SELECT status FROM agents WHERE id = '" + agent + "'")).isEqualTo("active");
    assertThat(value("SELECT approved_at IS NOT NULL FROM agents WHERE id = '" + agent + "'"))
        .isEqualTo("t");
    assertThat(history(agent)).containsExactly("active: approved with ctops agent approve");
    assertThat(Ctops.run(env, "agent", "list", "--status", "active").out()).contains("web-01");
  }

  @Test
  void refusesApprovalWhileAnotherLiveHostHasTheSameHostnameOrIp() throws Exception {
    anAgent("active", "web-01", "online", "10.0.0.5");
    anAgent("active", "db-01", "offline", "10.0.0.9");
    UUID sameName = anAgent("pending", "WEB-01", "pending", "10.0.0.6");
    UUID sameIp = anAgent("pending", "db-02", "pending", "10.0.0.9");

    Ctops.Run byName = Ctops.run(env, "agent", "approve", sameName.toString());
    Ctops.Run byIp = Ctops.run(env, "agent", "approve", sameIp.toString());

    assertThat(byName.exitCode()).isEqualTo(1);
    assertThat(byName.err())
        .contains(
            "cannot approve: host 'web-01'", "already has this hostname", "delete the existing");
    assertThat(byIp.exitCode()).isEqualTo(1);
    assertThat(byIp.err()).contains("host 'db-01'", "already has this IP address");
    assertThat(value("SELECT count(*) FROM agents WHERE status = 'pending'")).isEqualTo("2");
    assertThat(history(sameName)).isEmpty();
  }

  @Test
  void revokesAnAgentAndItsHostAndNeverApprovesItAgain() throws Exception {
    UUID agent = anAgent("active", "app-01", "online", "10.0.0.7");

    Ctops.Run revoke = Ctops.run(env, "agent", "revoke", agent.toString());
    Ctops.Run again = Ctops.run(env, "agent", "revoke", agent.toString());
    Ctops.Run approve = Ctops.run(env, "agent", "approve", agent.toString());

    assertThat(revoke.exitCode()).isZero();
    assertThat(value("SELECT status FROM agents WHERE id = '" + agent + "'")).isEqualTo("revoked");
    assertThat(value("SELECT status FROM hosts WHERE agent_id = '" + agent + "'"))
        .isEqualTo("revoked");
    assertThat(again.out()).contains("already revoked");
    assertThat(approve.exitCode()).isEqualTo(1);
    assertThat(approve.err()).contains("is revoked", "must enrol again");
    assertThat(history(agent)).containsExactly("revoked: revoked with ctops agent revoke");
  }

  @Test
  void reportsUnknownAgentsAndBadStatusFilters() {
    Ctops.Run unknown = Ctops.run(env, "agent", "approve", UUID.randomUUID().toString());
    Ctops.Run badStatus = Ctops.run(env, "agent", "list", "--status", "sleeping");
    Ctops.Run empty = Ctops.run(env, "agent", "list");

    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err()).contains("no agent with id");
    assertThat(badStatus.exitCode()).isEqualTo(1);
    assertThat(badStatus.err())
        .contains("--status must be one of pending, active, offline, revoked");
    assertThat(empty.out()).isEqualTo("No agents.\n");
  }

  private UUID anAgent(String agentStatus, String hostname, String hostStatus, String ip)
      throws Exception {
    try (Connection connection = connect()) {
      PreparedStatement agent =
          connection.prepareStatement(
              "INSERT INTO agents (org_id, public_key, status) SELECT id, ?, ? FROM organisations"
                  + " WHERE slug = 'default' RETURNING id");
      agent.setString(1, "key-" + UUID.randomUUID());
      agent.setString(2, agentStatus);
      ResultSet rs = agent.executeQuery();
      rs.next();
      UUID id = rs.getObject(1, UUID.class);
      PreparedStatement host =
          connection.prepareStatement(
              "INSERT INTO hosts (org_id, agent_id, hostname, status, ip_addresses)"
                  + " SELECT org_id, id, ?, ?, ARRAY[?::inet] FROM agents WHERE id = ?");
      host.setString(1, hostname);
      host.setString(2, hostStatus);
      host.setString(3, ip);
      host.setObject(4, id);
      host.executeUpdate();
      return id;
    }
  }

  private List<String> history(UUID agent) throws Exception {
    try (Connection connection = connect();
        ResultSet rs =
            connection
                .createStatement()
                .executeQuery(
                    "SELECT status || ': ' || reason FROM agent_status_history WHERE agent_id = '"
                        + agent
                        + "' ORDER BY id")) {
      List<String> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
      return rows;
    }
  }

  private String value(String sql) throws Exception {
    try (Connection connection = connect();
        ResultSet rs = connection.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private Connection connect() throws Exception {
    return DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
  }
}
