package io.ctops.server.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.AgentTaskProgress;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.server.roles.TaskTypesOfThisRelease;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.Sql;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What an agent reports about a task is stored whatever text it holds. */
@ExtendWith(FreshDatabase.class)
class TaskReportsTest {
  private Jdbi jdbi;
  private TaskReports reports;
  private UUID hostId;
  private UUID taskId;

  @BeforeEach
  void seed(Jdbi jdbi) {
    this.jdbi = jdbi;
    reports =
        new TaskReports(
            jdbi, TaskTypesOfThisRelease.all(), Clock.systemUTC(), new SimpleMeterRegistry());
    jdbi.useHandle(
        h -> {
          h.execute(
              "INSERT INTO agents (org_id, public_key, status)"
                  + " SELECT id, 'key', 'active' FROM organisations");
          h.execute(
              "INSERT INTO hosts (org_id, agent_id, hostname, status)"
                  + " SELECT org_id, id, 'h', 'online' FROM agents");
          h.execute(
              "INSERT INTO tasks (org_id, host_id, type, requested_by, timeout_seconds)"
                  + " SELECT org_id, id, 'test', 'system', 60 FROM hosts");
        });
    hostId = UUID.fromString(Sql.string(jdbi, "SELECT CAST(id AS text) FROM hosts"));
    taskId = UUID.fromString(Sql.string(jdbi, "SELECT CAST(id AS text) FROM tasks"));
  }

  @Test
  void storesOutputAndErrorsHoldingNulWithTheReplacementCharacter() {
    reports.write(
        hostId,
        List.of(
            AgentTaskProgress.newBuilder()
                .setTaskId(taskId.toString())
                .setOutputChunk("bin\0ary")
                .build()),
        List.of(
            AgentTaskResult.newBuilder()
                .setTaskId(taskId.toString())
                .setExitCode(2)
                .setError("failed at \0")
                .setResultJson("{\"line\":\"a\\u0000b\",\"path\":\"c:\\\\u0000\"}")
                .build()));

    assertThat(Sql.string(jdbi, "SELECT state || ' ' || output || ' ' || error FROM tasks"))
        .isEqualTo("failed bin\uFFFDary failed at \uFFFD");
    assertThat(Sql.string(jdbi, "SELECT result ->> 'line' FROM tasks")).isEqualTo("a\uFFFDb");
    assertThat(Sql.string(jdbi, "SELECT result ->> 'path' FROM tasks"))
        .as("an escaped backslash before u0000 is text, not a NUL")
        .isEqualTo("c:\\u0000");
  }

  @Test
  void keepsTheEndOfLongOutputAndTheStartOfALongError() {
    reports.write(
        hostId,
        List.of(
            AgentTaskProgress.newBuilder()
                .setTaskId(taskId.toString())
                .setOutputChunk("a".repeat(100_000) + "end")
                .build()),
        List.of(
            AgentTaskResult.newBuilder()
                .setTaskId(taskId.toString())
                .setExitCode(1)
                .setError("start" + "e".repeat(100_000))
                .build()));

    assertThat(Sql.string(jdbi, "SELECT right(output, 3) FROM tasks")).isEqualTo("end");
    assertThat(Sql.number(jdbi, "SELECT length(output) FROM tasks"))
        .isEqualTo(TaskReports.OUTPUT_LIMIT);
    assertThat(Sql.string(jdbi, "SELECT left(error, 5) FROM tasks")).isEqualTo("start");
    assertThat(Sql.number(jdbi, "SELECT length(error) FROM tasks"))
        .isEqualTo(TaskReports.ERROR_LIMIT);
  }
}
