package io.ctops.agent.checks;

import static io.ctops.agent.checks.CheckFixtures.aCheck;
import static io.ctops.agent.checks.CheckFixtures.config;
import static io.ctops.agent.testing.TestCertificates.aCertificate;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.host.HostTools;
import io.ctops.protocol.v1.CheckResult;
import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One check's runs against a file read that blocks as on a hung network file system. */
class ScheduledCheckTest {
  @TempDir Path dir;
  private final ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor();
  private final Probes probes =
      new Probes(new HostTools(HostTools.DEFAULT_PATH), Path.of("/"), Clock.systemUTC());
  private final CheckFixtures.Reported reported = new CheckFixtures.Reported();

  @AfterEach
  void stop() {
    schedule.shutdownNow();
    probes.close();
  }

  @Test
  void aRunPastItsTimeoutIsReportedThenEachTickSaysItHasNotEndedUntilItDoes() throws Exception {
    Path fifo = dir.resolve("cert.pem");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    String json = "{\"file_path\": \"" + fifo + "\", \"timeout_seconds\": 1}";
    // Ticks every 400 ms: a run that does not end must never be started twice.
    ScheduledCheck check =
        new ScheduledCheck(
            aCheck("cert", "cert_file", json),
            new CheckPlan.Runs(config("cert_file", json), Duration.ofMillis(400)),
            probes,
            reported,
            Clock.systemUTC(),
            schedule);

    check.start(Duration.ZERO);

    CheckResult timedOut = reported.next(Duration.ofSeconds(5));
    assertThat(timedOut.getStatus()).isEqualTo("error");
    assertThat(timedOut.getOutput()).isEqualTo("timed out after 1 s");
    assertThat(timedOut.getDurationMs()).isEqualTo(1000);
    CheckResult stillRunning = reported.next(Duration.ofSeconds(5));
    assertThat(stillRunning.getStatus()).isEqualTo("error");
    assertThat(stillRunning.getOutput())
        .matches("timed out after 1 s \\(the run started \\d+ s ago has not ended yet\\)");

    // The blocked read gets its writer; meanwhile the path becomes a real certificate file.
    List<CheckResult> later = new ArrayList<>();
    FileOutputStream writer = new FileOutputStream(fifo.toFile());
    Files.delete(fifo);
    Files.writeString(fifo, aCertificate("CN=app.example").selfSigned().pem());
    writer.close();
    CheckResult next;
    do {
      next = reported.next(Duration.ofSeconds(5));
      later.add(next);
    } while (!next.getStatus().equals("pass"));

    assertThat(next.getOutput()).contains("\"subject\":\"CN=app.example\"");
    // What the abandoned run found (an empty file) was never reported.
    assertThat(later).noneMatch(result -> result.getOutput().contains("no PEM certificate"));
    check.stop();
  }
}
