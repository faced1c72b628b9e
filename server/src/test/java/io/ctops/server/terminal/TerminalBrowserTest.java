package io.ctops.server.terminal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ctops.server.testing.Browser;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.RunningAgent;
import io.ctops.server.testing.WebFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;

/**
 * The Terminal tab in headless Chromium against a real agent's shell, across instances: the web
 * role, and two ingest instances on one database with the agent's stream on the second. Types a
 * command and reads the answer, resizes, drops the WebSocket and reloads the page and is back in
 * the same shell, and ends the session.
 */
class TerminalBrowserTest {
  private static Browser browser;
  @RegisterExtension final FreshDatabase db = new FreshDatabase();
  @TempDir Path dir;
  private IngestFixture first;
  private IngestFixture second;
  private WebFixture web;
  private RunningAgent agent;

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

  @AfterEach
  void stop() {
    browser.driver.manage().deleteAllCookies();
    browser.driver.get("about:blank");
    if (agent != null) {
      agent.close();
    }
    if (web != null) {
      web.close();
    }
    if (second != null) {
      second.close();
    }
    if (first != null) {
      first.close();
    }
  }

  private Object script(String code) {
    return browser.script(code);
  }

  /** The terminal's screen, one string per line. */
  @SuppressWarnings("unchecked")
  private List<String> screen() {
    return (List<String>)
        script(
            "var b = window.ctopsTerminal.term.buffer.active, lines = [];"
                + " for (var i = 0; i < b.length; i++) {"
                + " lines.push(b.getLine(i).translateToString(true)); } return lines;");
  }

  private void type(String text) {
    browser.driver.findElement(By.cssSelector("#terminal textarea")).sendKeys(text);
  }

  private void awaitLine(String line) {
    browser.waitFor(Duration.ofSeconds(15), d -> screen().contains(line));
  }

  private String status() {
    return browser.driver.findElement(By.id("terminal-status")).getText();
  }

  @Test
  void aShellThroughTheAgentAcrossInstancesSurvivesADroppedConnectionAndAReload() {
    first = IngestFixture.start(db.url());
    second = IngestFixture.sharing(first);
    web = WebFixture.on(first.database);
    web.admin();
    agent = RunningAgent.start(second, first.token(true), dir.resolve("agent"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> first.count("SELECT count(*) FROM hosts WHERE status = 'online'") == 1);
    UUID host = UUID.fromString(first.string("SELECT CAST(id AS text) FROM hosts"));

    browser.driver.get(web.baseUrl() + "/login");
    browser.driver.findElement(By.id("email")).sendKeys(WebFixture.ADMIN_EMAIL);
    browser.driver.findElement(By.id("password")).sendKeys(WebFixture.PASSWORD);
    browser.driver.findElement(By.id("sign-in")).click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/hosts"));
    browser.driver.get(web.baseUrl() + "/hosts/" + host + "/terminal");
    browser.waitFor(d -> status().equals("Connected"));
    assertThat(first.string("SELECT relay_address FROM terminal_sessions"))
        .as("claimed by the instance holding the agent")
        .isEqualTo("localhost:" + second.ingest.grpcPort());

    type("echo $((6*7))\n");
    awaitLine("42");

    browser.driver.manage().window().setSize(new Dimension(900, 700));
    script("window.ctopsTerminal.fit();");
    long cols = (Long) script("return window.ctopsTerminal.term.cols;");
    long rows = (Long) script("return window.ctopsTerminal.term.rows;");
    type("stty size\n");
    awaitLine(rows + " " + cols);
    browser.driver.manage().window().setSize(new Dimension(1400, 1000));

    type("export CTOPS_MARK=kept-$((40+2))\n");
    script("window.ctopsTerminal.drop();");
    browser.waitFor(
        Duration.ofSeconds(20),
        d -> Long.valueOf(2).equals(script("return window.ctopsTerminal.connects;")));
    browser.waitFor(d -> status().equals("Connected"));
    type("echo $CTOPS_MARK\n");
    awaitLine("kept-42");

    browser.driver.navigate().refresh();
    browser.waitFor(d -> status().equals("Connected"));
    assertThat(screen()).as("the screen so far, replayed").contains("kept-42");
    type("echo again-$CTOPS_MARK\n");
    awaitLine("again-kept-42");
    assertThat(first.count("SELECT count(*) FROM terminal_sessions")).isEqualTo(1);

    // a command that runs quietly for longer than a WebSocket's usual idle limit keeps its tab
    Object connects = script("return window.ctopsTerminal.connects;");
    type("sleep 40; echo woke-$((1+1))\n");
    browser.waitFor(Duration.ofSeconds(70), d -> screen().contains("woke-2"));
    assertThat(script("return window.ctopsTerminal.connects;"))
        .as("the same WebSocket throughout")
        .isEqualTo(connects);

    type("exit 7\n");
    browser.waitFor(d -> status().startsWith("Session ended with exit code 7"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "ended".equals(first.string("SELECT state FROM terminal_sessions")));
    assertThat(first.string("SELECT exit_code::text FROM terminal_sessions")).isEqualTo("7");
    assertThat(
            first.string(
                "SELECT actor_name || ' ' || outcome FROM audit_entries"
                    + " WHERE action = 'terminal.end'"))
        .isEqualTo(WebFixture.ADMIN_EMAIL + " succeeded");

    // the admin replays the recording: output only, in asciicast v2
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> first.count("SELECT count(*) FROM terminal_recordings") > 0);
    browser.driver.get(web.baseUrl() + "/hosts/" + host + "/terminal");
    browser.driver.findElement(By.cssSelector("#terminal-sessions a.replay-link")).click();
    browser.waitFor(d -> d.getCurrentUrl().endsWith("/replay"));
    browser.driver.findElement(By.cssSelector("#replay-speed option[value='8']")).click();
    browser.waitFor(
        Duration.ofSeconds(30),
        d -> Boolean.TRUE.equals(script("return window.ctopsReplay.done;")));
    @SuppressWarnings("unchecked")
    List<String> replayed =
        (List<String>)
            script(
                "var b = window.ctopsReplay.term.buffer.active, lines = [];"
                    + " for (var i = 0; i < b.length; i++) {"
                    + " lines.push(b.getLine(i).translateToString(true)); } return lines;");
    assertThat(replayed).contains("42", "kept-42");
    String cast =
        (String)
            script(
                "var x = new XMLHttpRequest(); x.open('GET', document.getElementById("
                    + "'replay-download').href, false); x.send(); return x.responseText;");
    assertThat(cast.lines().findFirst().orElseThrow()).contains("\"version\": 2");
    assertThat(cast).contains("42\\r\\n").contains("kept-42");

    // an admin ends a running session from the tab's list: the shell is closed on the host
    browser.driver.get(web.baseUrl() + "/hosts/" + host + "/terminal");
    browser.waitFor(d -> status().equals("Connected"));
    browser.driver.navigate().refresh();
    browser.waitFor(d -> status().equals("Connected"));
    browser
        .driver
        .findElement(By.cssSelector("#terminal-sessions form.stop-session button"))
        .click();
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                first.count(
                        "SELECT count(*) FROM terminal_sessions WHERE state = 'ended'"
                            + " AND end_reason = 'ended by "
                            + WebFixture.ADMIN_EMAIL
                            + "'")
                    == 1);
    assertThat(first.count("SELECT count(*) FROM audit_entries WHERE action = 'terminal.stop'"))
        .isEqualTo(1);
  }
}
