package io.ctops.server.uninstall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.WebFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Acting on a host through its real agent, in headless Chromium: the agent runs as a process of its
 * own, installed under a temporary root as the bundle lays it out, with stand-ins for {@code
 * systemctl} (replaying a Debian 12 host) and {@code systemd-run} (running the command in a session
 * of its own) first on its PATH. A restart from the Services tab, then a delete with "Also
 * uninstall agent": the agent confirms, its uninstaller removes its files, the agent process ends,
 * and the Audit page lists both actions by the admin who did them.
 */
class HostActionsBrowserTest {
  /** The stand-ins and their captures, kept with the agent's tests. */
  static final Path STAND_INS = Path.of("../agent/src/test/resources/debian12-systemd");

  static final Path UNINSTALLER = Path.of("../dist/src/main/agent-bundle/uninstall.sh");

  private static Browser browser;
  @RegisterExtension final FreshDatabase db = new FreshDatabase();
  @TempDir Path dir;
  private IngestFixture ingest;
  private WebFixture web;
  private Process agent;
  private Path root;
  private Path host;

  @BeforeAll
  static void openBrowser() {
    assertThat(Browser.isInstalled()).isTrue();
    browser = new Browser();
  }

  @AfterAll
  static void closeBrowser() {
    if (browser != null) {
      browser.close();
    }
  }

  @BeforeEach
  void start() throws IOException {
    assertThat(STAND_INS.resolve("bin/systemctl")).as("the systemd stand-ins").exists();
    assertThat(UNINSTALLER).as("the bundle's uninstaller").exists();
    ingest = IngestFixture.start(db.url());
    web = WebFixture.on(ingest.database);
    web.admin();
    host = dir.resolve("host");
    copy(STAND_INS, host);
    try (Stream<Path> tools = Files.list(host.resolve("bin"))) {
      tools.forEach(tool -> tool.toFile().setExecutable(true));
    }
    root = dir.resolve("root");
    Path home = root.resolve("opt/ct-ops-agent");
    Files.createDirectories(home.resolve("bin"));
    Files.copy(UNINSTALLER, home.resolve("uninstall.sh"));
    home.resolve("uninstall.sh").toFile().setExecutable(true);
    Files.createDirectories(root.resolve("etc/systemd/system"));
    Files.writeString(root.resolve("etc/systemd/system/ct-ops-agent.service"), "[Unit]\n");
    Files.createDirectories(root.resolve("etc/ct-ops"));
    Files.writeString(
        root.resolve("etc/ct-ops/agent.toml"), "[agent]\nheartbeat_interval_secs = 2\n");
    Files.createDirectories(root.resolve("var/lib/ct-ops/agent"));
    agent = startAgent(home);
  }

  private Process startAgent(Path home) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                System.getProperty("java.class.path"),
                "io.ctops.agent.AgentMain",
                "--config",
                root.resolve("etc/ct-ops/agent.toml").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("agent.log").toFile());
    Map<String, String> env = builder.environment();
    env.put("PATH", host.resolve("bin") + ":/usr/bin:/bin");
    env.put("CT_OPS_AGENT_HOME", home.toString());
    env.put("CT_OPS_INGEST_ADDRESS", "localhost:" + ingest.ingest.grpcPort());
    env.put("CT_OPS_INGEST_CA_CERT", ingest.serverCertificate.toString());
    env.put("CT_OPS_ORG_TOKEN", ingest.token(true));
    env.put("CT_OPS_DATA_DIR", root.resolve("var/lib/ct-ops/agent").toString());
    return builder.start();
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : paths.toList()) {
        Path target = to.resolve(from.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(target);
        } else {
          Files.copy(path, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  @AfterEach
  void stop() throws InterruptedException {
    browser.driver.manage().deleteAllCookies();
    browser.driver.get("about:blank");
    if (agent != null && agent.isAlive()) {
      agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    web.close();
    ingest.close();
  }

  private WebElement find(String css) {
    return browser.waitFor(d -> d.findElement(By.cssSelector(css)));
  }

  private void open(String path) {
    browser.driver.get(web.baseUrl() + path);
  }

  private void acceptConfirmation(String expected) {
    Alert question = browser.waitFor(ExpectedConditions.alertIsPresent()::apply);
    assertThat(question.getText()).contains(expected);
    question.accept();
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("agent.log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void aRestartFromTheServicesTabThenADeleteWithUninstallRemovesTheAgentAndBothAreAudited()
      throws Exception {
    await("the agent online: " + dir.resolve("agent.log"))
        .atMost(Duration.ofSeconds(60))
        .until(() -> ingest.count("SELECT count(*) FROM hosts WHERE status = 'online'") == 1);
    UUID hostId = UUID.fromString(ingest.string("SELECT CAST(id AS text) FROM hosts"));
    String hostname = ingest.string("SELECT hostname FROM hosts");
    open("/login");
    find("#email").sendKeys(WebFixture.ADMIN_EMAIL);
    find("#password").sendKeys(WebFixture.PASSWORD);
    find("#sign-in").click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));

    // the Services tab asks the agent and shows its units
    open("/hosts/" + hostId + "/services");
    browser.waitFor(
        d -> !d.findElements(By.cssSelector("tr[data-unit='nginx.service']")).isEmpty());
    assertThat(find("#services-freshness").getText()).startsWith("Reported by the agent");
    assertThat(find("tr[data-unit='nginx.service'] td.sub-state").getText()).isEqualTo("running");
    find("tr[data-unit='nginx.service'] button[data-action='restart']").click();
    acceptConfirmation("Restart nginx.service on " + hostname + "?");
    browser.waitFor(
        d -> "succeeded".equals(find("#service-task-panel").getAttribute("data-state")));
    assertThat(find("#service-task-exit").getText()).isEqualTo("exit code 0");
    assertThat(find("#service-task-output").getText()).contains("nginx.service");
    assertThat(Files.readAllLines(host.resolve("systemctl.args")))
        .contains("restart -- nginx.service");

    // delete with uninstall: the agent confirms, the host goes, the agent and its files too
    open("/hosts/" + hostId);
    find("#delete-uninstall").click();
    find("#delete-host").click();
    acceptConfirmation("Delete " + hostname + "?");
    browser.waitFor(
        Duration.ofSeconds(30), d -> !d.findElements(By.id("uninstall-confirmed")).isEmpty());
    assertThat(find("#uninstall-deleted").getText()).contains("The host is deleted");
    assertThat(agent.waitFor(30, TimeUnit.SECONDS))
        .as("the agent process ended: " + log())
        .isTrue();
    await("the uninstaller removed the agent's files")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                !Files.exists(root.resolve("opt/ct-ops-agent"))
                    && !Files.exists(root.resolve("etc/ct-ops/agent.toml"))
                    && !Files.exists(root.resolve("etc/systemd/system/ct-ops-agent.service")));
    assertThat(root.resolve("var/lib/ct-ops/agent")).as("kept: remove_data was off").exists();
    List<String> runs = Files.readAllLines(host.resolve("systemd-run.args"));
    assertThat(runs).singleElement().asString().contains("--no-block", "uninstall.sh");

    open("/audit");
    List<String> entries =
        browser.driver.findElements(By.cssSelector("#audit-entries tbody tr[data-entry]")).stream()
            .map(WebElement::getText)
            .toList();
    assertThat(entries)
        .anySatisfy(
            e ->
                assertThat(e)
                    .contains(WebFixture.ADMIN_EMAIL, "host.service_action", "nginx.service")
                    .contains("succeeded"))
        .anySatisfy(
            e ->
                assertThat(e)
                    .contains(WebFixture.ADMIN_EMAIL, "agent.uninstall", hostname)
                    .contains("succeeded"))
        .anySatisfy(e -> assertThat(e).contains("host.delete", hostname));
  }
}
