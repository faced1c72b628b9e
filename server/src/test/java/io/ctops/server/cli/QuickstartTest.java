package io.ctops.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.testing.WebClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ctops quickstart} as a user runs it: a process, a browser-like client, Ctrl-C. */
class QuickstartTest {
  private static final Pattern PASSWORD = Pattern.compile("sign in as (\\S+) with password (\\S+)");

  @TempDir Path dir;

  private record Run(Process process, List<String> output, Path log, long startMillis) {}

  private Run start(int webPort, int grpcPort, int httpPort, String... extra) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.ctops.server.cli.Main");
    command.add("quickstart");
    command.add("--port");
    command.add(Integer.toString(webPort));
    command.addAll(List.of(extra));
    Path log = Files.createTempFile(dir, "quickstart", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
    Map<String, String> env = builder.environment();
    env.remove("DATABASE_URL");
    env.put("CT_OPS_DATA_DIR", dir.resolve("data").toString());
    env.put("INGEST_GRPC_PORT", Integer.toString(grpcPort));
    env.put("INGEST_HTTP_PORT", Integer.toString(httpPort));
    long started = System.currentTimeMillis();
    Process process = builder.start();
    List<String> output = new CopyOnWriteArrayList<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try (BufferedReader reader =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                  output.add(line);
                }
              } catch (IOException e) {
                // the process ended
              }
            });
    return new Run(process, output, log, started);
  }

  private static long awaitReady(Run run) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                !run.process().isAlive()
                    || run.output().stream().anyMatch(l -> l.contains("Ctrl-C")));
    assertThat(run.process().isAlive())
        .as(() -> "quickstart is running: " + run.output() + "\n--- its log ---\n" + logOf(run))
        .isTrue();
    return System.currentTimeMillis() - run.startMillis();
  }

  private static String logOf(Run run) {
    try {
      return Files.readString(run.log());
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private static void stop(Run run) throws Exception {
    run.process().destroy(); // SIGTERM, as Ctrl-C
    assertThat(run.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(run.log());
    assertThat(log).contains("event=server_stopped").contains("event=embedded_db_stopped");
  }

  @Test
  void startsTheServerAndAnAgentThenReusesEverything() throws Exception {
    int web = freePort();
    int grpc = freePort();
    int http = freePort();
    Run first = start(web, grpc, http);
    awaitReady(first);
    String password = null;
    String email = null;
    for (String line : first.output()) {
      Matcher matcher = PASSWORD.matcher(line);
      if (matcher.find()) {
        email = matcher.group(1);
        password = matcher.group(2);
      }
    }
    assertThat(password).as("printed password in %s", first.output()).isNotNull();
    assertThat(first.output()).anyMatch(l -> l.contains("http://localhost:" + web + "/"));
    assertThat(Files.readString(dir.resolve("data/quickstart/admin-password")).strip())
        .isEqualTo(password);

    WebClient browser = new WebClient("http://localhost:" + web);
    assertThat(browser.signIn(email, password).statusCode()).isEqualTo(303);
    // a super admin, who can reach every organisation
    assertThat(browser.get("/orgs").statusCode()).isEqualTo(200);
    long readyAt = System.currentTimeMillis();
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              String hosts = browser.get("/api/v1/hosts").body();
              return hosts.contains("\"total\":1")
                  && hosts.contains("\"status\":\"online\"")
                  && !hosts.contains("\"cpu_percent\":null");
            });
    assertThat(System.currentTimeMillis() - readyAt).isLessThan(15_000);
    assertThat(browser.get("/hosts").body()).contains("badge online");
    stop(first);

    Run second = start(web, grpc, http);
    long startup = awaitReady(second);
    assertThat(startup).isLessThan(15_000);
    assertThat(second.output()).noneMatch(l -> l.contains("with password"));
    assertThat(second.output()).anyMatch(l -> l.contains("password in"));
    WebClient again = new WebClient("http://localhost:" + web);
    assertThat(again.signIn(email, password).statusCode()).isEqualTo(303);
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> again.get("/api/v1/hosts").body().contains("\"status\":\"online\""));
    assertThat(again.get("/api/v1/hosts").body()).contains("\"total\":1");
    stop(second);
  }

  @Test
  void aTakenWebPortIsReportedAndNothingStarts() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      Run run = start(taken.getLocalPort(), freePort(), freePort(), "--no-agent");
      assertThat(run.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(run.process().exitValue()).isEqualTo(1);
      assertThat(Files.readString(run.log()))
          .contains("port " + taken.getLocalPort() + " for the web app is in use")
          .contains("--port");
      assertThat(dir.resolve("data/pg")).doesNotExist();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
