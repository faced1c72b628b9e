package io.ctops.agent.checks;

import static io.ctops.agent.checks.CheckFixtures.aCheck;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.host.HostTools;
import io.ctops.protocol.v1.CheckDefinition;
import io.ctops.protocol.v1.CheckResult;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The set of checks as the server replaces it, kept across restarts, each on its own schedule. */
class ChecksTest {
  private static final Duration SOON = Duration.ofSeconds(5);

  @TempDir Path dataDir;
  private final CheckFixtures.Reported reported = new CheckFixtures.Reported();
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable resource : opened.reversed()) {
      resource.close();
    }
  }

  @Test
  void aHangingCheckDelaysNoOtherCheckAndFailsAtItsTimeout() throws Exception {
    TestWebServer web = open(TestWebServer.http());
    ServerSocket listening = open(new ServerSocket(0));
    Checks checks = start();

    long start = System.nanoTime();
    checks.received(
        List.of(
            aCheck(
                "hang", "http", "{\"url\": \"" + web.url("/hang") + "\", \"timeout_seconds\": 1}"),
            aCheck("db", "port", "{\"port\": " + listening.getLocalPort() + "}"),
            aCheck("hosts", "file", "{\"path\": \"/etc/hosts\"}")),
        true);

    List<String> firstTwo =
        List.of(reported.next(SOON).getCheckId(), reported.next(SOON).getCheckId());
    assertThat(firstTwo).containsExactlyInAnyOrder("db", "hosts");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(900));
    CheckResult hang = reported.next(SOON);
    assertThat(hang.getCheckId()).isEqualTo("hang");
    assertThat(hang.getStatus()).isEqualTo("fail");
    assertThat(hang.getOutput()).isEqualTo("timed out after 1 s");
    assertThat(hang.getDurationMs()).isEqualTo(1000);
  }

  @Test
  void replacingTheSetRestartsOnlyChangedChecksAndLeavesTheRestOnTheirSchedule() throws Exception {
    Checks checks = start();
    Path absent = dataDir.resolve("absent");
    checks.received(
        List.of(
            aCheck("hosts", "file", "{\"path\": \"/etc/hosts\"}"),
            aCheck("lock", "file", "{\"path\": \"" + absent + "\"}")),
        true);
    assertThat(List.of(reported.next(SOON).getCheckId(), reported.next(SOON).getCheckId()))
        .containsExactlyInAnyOrder("hosts", "lock");

    // An older server's way: a non-empty list without checks_replace replaces the set too.
    checks.received(
        List.of(
            aCheck("hosts", "file", "{\"path\": \"/etc/hosts\"}"),
            aCheck("lock", "file", "{\"path\": \"" + absent + "\", \"must_exist\": false}")),
        false);

    List<CheckResult> after = reported.within(Duration.ofMillis(1500));
    assertThat(after).extracting(CheckResult::getCheckId).containsExactly("lock");
    assertThat(after.getFirst().getStatus()).isEqualTo("pass");
  }

  @Test
  void anEmptyListWithoutReplaceChangesNothing() throws Exception {
    TestWebServer web = open(TestWebServer.http());
    Checks checks = start();
    checks.received(
        List.of(
            aCheck(
                "hang", "http", "{\"url\": \"" + web.url("/hang") + "\", \"timeout_seconds\": 1}")),
        true);
    Thread.sleep(200);

    checks.received(List.of(), false);

    assertThat(reported.next(SOON).getOutput()).isEqualTo("timed out after 1 s");
    assertThat(storedIds()).containsExactly("hang");
  }

  @Test
  void anEmptyListWithReplaceStopsEveryCheckAndDropsItsRunUnderWay() throws Exception {
    TestWebServer web = open(TestWebServer.http());
    Checks checks = start();
    checks.received(
        List.of(
            aCheck(
                "hang", "http", "{\"url\": \"" + web.url("/hang") + "\", \"timeout_seconds\": 1}")),
        true);
    Thread.sleep(200);

    checks.received(List.of(), true);

    assertThat(reported.within(Duration.ofMillis(1800))).isEmpty();
    assertThat(storedIds()).isEmpty();
  }

  @Test
  void aRestartedAgentRunsTheStoredSetBeforeHearingFromTheServer() throws Exception {
    ServerSocket listening = open(new ServerSocket(0));
    Checks before = new Checks(dataDir, probes(), reported, Clock.systemUTC(), Duration.ZERO);
    before.start();
    before.received(
        List.of(aCheck("db", "port", "{\"port\": " + listening.getLocalPort() + "}")), true);
    assertThat(reported.next(SOON).getStatus()).isEqualTo("pass");
    before.close();
    Path file = dataDir.resolve(StoredChecks.FILE_NAME);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");

    start();

    CheckResult afterRestart = reported.next(SOON);
    assertThat(afterRestart.getCheckId()).isEqualTo("db");
    assertThat(afterRestart.getStatus()).isEqualTo("pass");
  }

  @Test
  void anUnreadableStoredSetStartsWithNoChecks() throws Exception {
    Files.writeString(dataDir.resolve(StoredChecks.FILE_NAME), "{\"format\": 1, \"checks\": [");

    start();

    assertThat(reported.within(Duration.ofMillis(500))).isEmpty();
  }

  @Test
  void definitionsThatCannotRunAreAnsweredWithAnErrorNamingTheProblem() throws Exception {
    Checks checks = start();

    checks.received(
        List.of(
            aCheck("dns", "dns", "{\"name\": \"example.com\"}"),
            aCheck("broken", "port", "{\"port\": "),
            aCheck("eager", "port", "{\"port\": 22}", 5)),
        true);

    List<CheckResult> results = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      results.add(reported.next(SOON));
    }
    assertThat(results).allSatisfy(result -> assertThat(result.getStatus()).isEqualTo("error"));
    assertThat(results)
        .extracting(r -> r.getCheckId() + ": " + r.getOutput())
        .containsExactlyInAnyOrder(
            "dns: not supported by this agent version: check type \"dns\"",
            "broken: config_json is not valid JSON: unexpected end at offset 9",
            "eager: the interval is between 10 seconds and 24 hours (86400 seconds)");
  }

  @Test
  void runsAtMost500ChecksAndAnswersEachOneBeyondOnceWithAnError() throws Exception {
    Checks checks = start();
    Path absent = dataDir.resolve("absent");
    List<CheckDefinition> many =
        IntStream.range(0, Checks.MAX_CHECKS + 2)
            .mapToObj(
                i ->
                    aCheck(
                        "c-" + i,
                        "file",
                        "{\"path\": \"" + absent + "\", \"must_exist\": false}",
                        3600))
            .toList();

    checks.received(many, true);

    List<CheckResult> results = reported.within(Duration.ofSeconds(3));
    assertThat(results).hasSize(Checks.MAX_CHECKS + 2);
    assertThat(results)
        .filteredOn(result -> result.getStatus().equals("error"))
        .extracting(r -> r.getCheckId() + ": " + r.getOutput())
        .containsExactlyInAnyOrder(
            "c-500: not run: this agent runs at most 500 checks and this host has 502",
            "c-501: not run: this agent runs at most 500 checks and this host has 502");
    assertThat(storedIds()).hasSize(Checks.MAX_CHECKS + 2);
  }

  @Test
  void runNowRunsTheAccountChecksAtOnceAndLeavesTheOthersOnTheirSchedule() throws Exception {
    Checks checks = start();
    checks.received(
        List.of(
            aCheck("accounts", "service_account", "{}", 21600),
            aCheck("keys", "ssh_key_scan", "{}", 21600),
            aCheck("hosts", "file", "{\"path\": \"/etc/hosts\"}", 21600)),
        true);
    // the first runs, at once (no spread in this test)
    assertThat(
            List.of(
                reported.next(SOON).getCheckId(),
                reported.next(SOON).getCheckId(),
                reported.next(SOON).getCheckId()))
        .containsExactlyInAnyOrder("accounts", "keys", "hosts");

    assertThat(checks.runNow(Set.of("service_account", "ssh_key_scan"))).isEqualTo(2);

    List<String> again =
        List.of(reported.next(SOON).getCheckId(), reported.next(SOON).getCheckId());
    assertThat(again).containsExactlyInAnyOrder("accounts", "keys");
    assertThat(reported.within(Duration.ofSeconds(1))).as("the file check waits 6 hours").isEmpty();
    assertThat(checks.runNow(Set.of("http"))).as("no check of that type here").isZero();
  }

  private Checks start() {
    Checks checks = new Checks(dataDir, probes(), reported, Clock.systemUTC(), Duration.ZERO);
    opened.add(checks);
    checks.start();
    return checks;
  }

  private static Probes probes() {
    return new Probes(new HostTools(HostTools.DEFAULT_PATH), Path.of("/"), Clock.systemUTC());
  }

  private <T extends AutoCloseable> T open(T resource) {
    opened.add(resource);
    return resource;
  }

  private List<String> storedIds() throws InterruptedException {
    // Changes are applied on the checks thread, in order; a little patience covers the last one.
    Thread.sleep(200);
    return new StoredChecks(dataDir).load().stream().map(CheckDefinition::getCheckId).toList();
  }
}
