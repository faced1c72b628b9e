package io.ctops.agent.checks;

import static io.ctops.agent.checks.CheckFixtures.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.host.HostTools;
import io.ctops.agent.systemd.Systemd;
import io.ctops.agent.testing.StandInHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process, file and service checks against this host's processes, files and systemctl. */
class LocalProbesTest {
  @TempDir Path dir;
  private final Probes probes =
      new Probes(new HostTools(HostTools.DEFAULT_PATH), Path.of("/"), Clock.systemUTC());
  private Process started;

  @AfterEach
  void stop() throws InterruptedException {
    probes.close();
    if (started != null) {
      started.destroyForcibly().waitFor();
    }
  }

  @Test
  void processCountsProcessesByTheNameTheKernelKeeps() throws Exception {
    String ownName = Files.readString(Path.of("/proc/self/comm")).strip();

    Outcome outcome = run("process", "{\"process_name\": \"" + ownName + "\"}");

    assertThat(outcome.status()).isEqualTo(Outcome.Status.PASS);
    assertThat(outcome.output()).matches("\\d+ process(es)? named " + ownName);
  }

  @Test
  void processMatchesTheCommandLineAndFailsOutsideTheCountsWithWhatWasExpected() throws Exception {
    String marker = "3600.4711";
    String check =
        "{\"process_name\": \"sleep "
            + marker
            + "\", \"match_command_line\": true, \"min_count\": 1, \"max_count\": 1}";
    started = new ProcessBuilder("sleep", marker).start();

    Outcome running = run("process", check);
    started.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    Outcome ended = run("process", check);

    assertThat(running.status()).isEqualTo(Outcome.Status.PASS);
    assertThat(running.output())
        .isEqualTo("1 process with \"sleep 3600.4711\" in the command line");
    assertThat(ended.status()).isEqualTo(Outcome.Status.FAIL);
    assertThat(ended.output())
        .isEqualTo("0 processes with \"sleep 3600.4711\" in the command line (expected exactly 1)");
  }

  @Test
  void processFindsANameLongerThanTheKernelKeepsByItsProgramFile() throws Exception {
    Path program = dir.resolve("ctops-long-named-sleeper");
    Files.copy(Path.of("/bin/sleep"), program, StandardCopyOption.COPY_ATTRIBUTES);
    started = new ProcessBuilder(program.toString(), "3600.4712").start();

    Outcome outcome =
        run("process", "{\"process_name\": \"ctops-long-named-sleeper\", \"max_count\": 1}");
    Outcome prefix = run("process", "{\"process_name\": \"ctops-long-named-other\"}");

    assertThat(outcome.output()).isEqualTo("1 process named ctops-long-named-sleeper");
    assertThat(outcome.status()).isEqualTo(Outcome.Status.PASS);
    assertThat(prefix.output())
        .isEqualTo("0 processes named ctops-long-named-other (expected at least 1)");
  }

  @Test
  void filePassesWhileFreshAndSmallAndNamesEachConditionThatFails() throws Exception {
    Path file = dir.resolve("backup.tar");
    Files.write(file, new byte[2000]);
    String path = file.toString();

    Outcome fresh =
        run(
            "file",
            "{\"path\": \"" + path + "\", \"modified_within_minutes\": 60, \"max_bytes\": 4096}");
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofHours(3))));
    Outcome stale =
        run(
            "file",
            "{\"path\": \"" + path + "\", \"modified_within_minutes\": 60, \"max_bytes\": 1000}");

    assertThat(fresh.status()).isEqualTo(Outcome.Status.PASS);
    assertThat(fresh.output()).matches(path + ": 2000 bytes, modified \\d+ s ago");
    assertThat(stale.status()).isEqualTo(Outcome.Status.FAIL);
    assertThat(stale.output())
        .isEqualTo(
            path
                + ": 2000 bytes, modified 3 hours ago; not modified within 60 minutes;"
                + " larger than 1000 bytes");
  }

  @Test
  void fileThatMustNotExistFailsOnceItDoes() throws Exception {
    Path lock = dir.resolve("maintenance.lock");
    String check = "{\"path\": \"" + lock + "\", \"must_exist\": false}";

    Outcome absent = run("file", check);
    Files.writeString(lock, "");
    Outcome present = run("file", check);
    Outcome required = run("file", "{\"path\": \"" + dir.resolve("missing") + "\"}");

    assertThat(absent.status()).isEqualTo(Outcome.Status.PASS);
    assertThat(absent.output()).isEqualTo(lock + " does not exist");
    assertThat(present.status()).isEqualTo(Outcome.Status.FAIL);
    assertThat(present.output()).isEqualTo(lock + " exists");
    assertThat(required.status()).isEqualTo(Outcome.Status.FAIL);
    assertThat(required.output()).isEqualTo(dir.resolve("missing") + " does not exist");
  }

  @Test
  void servicePassesOnlyWhenSystemctlSaysActiveAndReportsTheState() throws Exception {
    StandInHost host = StandInHost.in(dir);
    try (Probes standIn = new Probes(host.tools(), Path.of("/"), Clock.systemUTC())) {
      Outcome nginx = standIn.run(config("service", "{\"unit\": \"nginx.service\"}"));
      Outcome stopped = standIn.run(config("service", "{\"unit\": \"no-such.service\"}"));

      assertThat(nginx.status()).isEqualTo(Outcome.Status.PASS);
      assertThat(nginx.output()).isEqualTo("active");
      assertThat(stopped.status()).isEqualTo(Outcome.Status.FAIL);
      assertThat(stopped.output()).isEqualTo("inactive");
      assertThat(host.systemctlCalls())
          .containsExactly(
              "is-system-running", "is-active -- nginx.service", "is-active -- no-such.service");
    }
  }

  @Test
  void serviceIsAnErrorOnAHostWithoutSystemd() throws Exception {
    StandInHost host = StandInHost.in(dir).systemState("offline");
    try (Probes standIn = new Probes(host.tools(), Path.of("/"), Clock.systemUTC())) {
      Outcome outcome = standIn.run(config("service", "{\"unit\": \"nginx.service\"}"));

      assertThat(outcome.status()).isEqualTo(Outcome.Status.ERROR);
      assertThat(outcome.output()).isEqualTo("systemd is not available on this host");
    }
  }

  @Test
  void serviceOnThisHostAnswersWithAStateOrSaysSystemdIsMissing() throws Exception {
    HostTools tools = new HostTools(HostTools.DEFAULT_PATH);

    Outcome outcome = run("service", "{\"unit\": \"ctops-no-such-unit.service\"}");

    if (new Systemd(tools).isRunning()) {
      assertThat(outcome.status()).isEqualTo(Outcome.Status.FAIL);
      assertThat(outcome.output()).isIn("inactive", "unknown");
    } else {
      assertThat(outcome.status()).isEqualTo(Outcome.Status.ERROR);
      assertThat(outcome.output()).isEqualTo("systemd is not available on this host");
    }
  }

  private Outcome run(String type, String json) throws InterruptedException {
    return probes.run(config(type, json));
  }
}
