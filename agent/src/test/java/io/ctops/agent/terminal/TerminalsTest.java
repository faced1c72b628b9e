package io.ctops.agent.terminal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.ctops.agent.config.AgentConfig;
import io.ctops.agent.host.HostTools;
import io.ctops.protocol.v1.TerminalAgentMessage;
import io.ctops.protocol.v1.TerminalClosedMsg;
import io.ctops.protocol.v1.TerminalSessionRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real shells on real pseudo-terminals, driven through a {@code Terminal} service on localhost the
 * way ingest drives them.
 */
class TerminalsTest {
  private static final AgentConfig.Terminal SHELLS_ALLOWED =
      new AgentConfig.Terminal(true, Optional.empty(), true, Optional.empty());

  @TempDir Path dir;
  private TerminalIngest ingest;
  private Terminals terminals;

  @BeforeEach
  void startIngest() throws Exception {
    ingest = new TerminalIngest();
  }

  @AfterEach
  void stop() throws Exception {
    if (terminals != null) {
      terminals.close();
    }
    ingest.close();
  }

  @Test
  void attachesFirstThenRunsWhatTheOperatorTypes() throws Exception {
    start(SHELLS_ALLOWED);

    terminals.arrived(request("s-1"));

    TerminalIngest.Side stream = ingest.nextStream();
    assertThat(stream.attach())
        .isEqualTo(TerminalAgentMessage.newBuilder().setSessionId("s-1").build());
    stream.type("echo $((6*7))\n");
    assertThat(stream.awaitOutput("42")).doesNotContain("$((6*7))\r\n42\r\n42");
  }

  @Test
  void theShellIsALoginShellWithATerminalTypeInTheUsersHome() throws Exception {
    start(SHELLS_ALLOWED);
    terminals.arrived(request("s-1"));
    TerminalIngest.Side stream = ingest.nextStream();
    stream.attach();

    stream.type(
        "echo \"[$TERM|$HOME|$PWD|$USER|${CT_OPS_ORG_TOKEN:-no token}|"
            + "$(shopt -q login_shell && echo login)]\"\n");

    stream.awaitOutput("[xterm-256color|/root|/root|root|no token|login]");
  }

  @Test
  void aResizeChangesTheTerminalsSize() throws Exception {
    start(SHELLS_ALLOWED);
    terminals.arrived(request("s-1"));
    TerminalIngest.Side stream = ingest.nextStream();
    stream.attach();
    stream.type("stty size\n");
    stream.awaitOutput("24 80");

    stream.resize(100, 30);
    stream.type("stty size\n");

    stream.awaitOutput("30 100");
  }

  @Test
  void startsWithTheRequestedSize() throws Exception {
    start(SHELLS_ALLOWED);
    terminals.arrived(request("s-1").toBuilder().setCols(132).setRows(43).build());
    TerminalIngest.Side stream = ingest.nextStream();
    stream.attach();

    stream.type("stty size\n");

    stream.awaitOutput("43 132");
  }

  @Test
  void exitInTheShellReportsItsExitCodeOnceAndHalfCloses() throws Exception {
    start(SHELLS_ALLOWED);
    terminals.arrived(request("s-1"));
    TerminalIngest.Side stream = ingest.nextStream();
    stream.attach();

    stream.type("exit 3\n");

    assertThat(stream.awaitClosed(Duration.ofSeconds(10)))
        .isEqualTo(TerminalClosedMsg.newBuilder().setExitCode(3).build());
    stream.awaitHalfClosed();
    awaitForgotten("s-1");
  }

  @Test
  void theServersCloseHangsUpTheShellAndSaysSo() throws Exception {
    start(SHELLS_ALLOWED);
    terminals.arrived(request("s-1"));
    TerminalIngest.Side stream = ingest.nextStream();
    stream.attach();
    Path pid = dir.resolve("pid");
    stream.type("echo $$ > " + pid + "; echo saved-$((1+1))\n");
    stream.awaitOutput("saved-2");

    stream.close();

    TerminalClosedMsg closed = stream.awaitClosed(Duration.ofSeconds(10));
    assertThat(closed.getReason()).isEqualTo("ended by the server");
    assertThat(closed.getExitCode()).isEqualTo(129);
    stream.awaitHalfClosed();
    assertThat(ProcessHandle.of(Long.parseLong(Files.readString(pid).strip()))).isEmpty();
  }

  @Test
  void aShellThatIgnoresTheHangUpIsKilled() throws Exception {
    start(SHELLS_ALLOWED);
    terminals.arrived(request("s-1"));
    TerminalIngest.Side stream = ingest.nextStream();
    stream.attach();
    stream.type("trap '' HUP; echo trapped-$((1+2))\n");
    stream.awaitOutput("trapped-3");

    stream.close();

    assertThat(stream.awaitClosed(Duration.ofSeconds(10)).getReason())
        .isEqualTo("ended by the server");
  }

  @Test
  void aCancelOnTheHeartbeatEndsTheSession() throws Exception {
    start(SHELLS_ALLOWED);
    terminals.arrived(request("s-1"));
    TerminalIngest.Side stream = ingest.nextStream();
    stream.attach();
    stream.type("echo ready-$((2+3))\n");
    stream.awaitOutput("ready-5");

    terminals.cancelled("s-1");

    assertThat(stream.awaitClosed(Duration.ofSeconds(10)).getReason())
        .isEqualTo("ended by the server");
  }

  @Test
  void disabledTerminalsAnswerWithTheReasonAndStartNothing() throws Exception {
    start(new AgentConfig.Terminal(false, Optional.empty(), true, Optional.empty()));

    terminals.arrived(request("s-1"));

    TerminalIngest.Side stream = ingest.nextStream();
    assertThat(stream.attach().getSessionId()).isEqualTo("s-1");
    assertThat(stream.awaitClosed(Duration.ofSeconds(10)))
        .isEqualTo(
            TerminalClosedMsg.newBuilder()
                .setExitCode(-1)
                .setReason(
                    "terminals are disabled on this host ([terminal] enabled = false in"
                        + " agent.toml)")
                .build());
    stream.awaitHalfClosed();
    assertThat(stream.output()).isEmpty();
    awaitForgotten("s-1");
  }

  @Test
  void theDefaultRefusesARootShell() throws Exception {
    assumeThat(Libc.C.getuid()).as("the tests run as root").isZero();
    start(AgentConfig.Terminal.DEFAULT);

    terminals.arrived(request("s-1"));

    TerminalIngest.Side stream = ingest.nextStream();
    stream.attach();
    assertThat(stream.awaitClosed(Duration.ofSeconds(10)))
        .isEqualTo(
            TerminalClosedMsg.newBuilder()
                .setExitCode(-1)
                .setReason(
                    "refusing a root shell: set [terminal] allow_root = true in agent.toml to"
                        + " allow it")
                .build());
  }

  @Test
  void anUnknownUserIsRefusedWithTheReason() throws Exception {
    start(new AgentConfig.Terminal(true, Optional.of("no-such-user"), true, Optional.empty()));

    terminals.arrived(request("s-1"));

    TerminalIngest.Side stream = ingest.nextStream();
    stream.attach();
    TerminalClosedMsg closed = stream.awaitClosed(Duration.ofSeconds(10));
    assertThat(closed.getExitCode()).isEqualTo(-1);
    assertThat(closed.getReason())
        .isEqualTo(
            "cannot start a shell as 'no-such-user': no such user in /etc/passwd"
                + " (set [terminal] user in agent.toml)");
  }

  @Test
  void asRootAnotherUsersLoginShellStartsAsThatUser() throws Exception {
    assumeThat(Libc.C.getuid()).as("the tests run as root").isZero();
    assumeThat(Files.readString(Path.of("/etc/passwd"))).contains("\npostgres:");
    start(new AgentConfig.Terminal(true, Optional.of("postgres"), false, Optional.empty()));

    terminals.arrived(request("s-1"));

    TerminalIngest.Side stream = ingest.nextStream();
    stream.attach();
    stream.type("echo \"[$(id -un)|$HOME|$TERM]\"\n");
    stream.awaitOutput("[postgres|/var/lib/postgresql|xterm-256color]");
    stream.type("exit 4\n");
    assertThat(stream.awaitClosed(Duration.ofSeconds(10)).getExitCode()).isEqualTo(4);
  }

  @Test
  void aReannouncedSessionReattachesToTheSameShellAndReplaysItsOutput() throws Exception {
    start(SHELLS_ALLOWED);
    terminals.arrived(request("s-1"));
    TerminalIngest.Side first = ingest.nextStream();
    first.attach();
    first.type("X=kept-$((40+2)); echo value=$X\n");
    first.awaitOutput("value=kept-42");

    first.breakStream();
    Thread.sleep(300);
    terminals.arrived(request("s-1"));

    TerminalIngest.Side second = ingest.nextStream();
    assertThat(second.attach().getSessionId()).isEqualTo("s-1");
    second.type("echo again=$X\n");
    second.awaitOutput("again=kept-42");
    assertThat(second.replay()).contains("value=kept-42").doesNotContain("again=");
    assertThat(second.output()).doesNotContain("value=kept-42");
  }

  @Test
  void anAnnouncementRepeatedRightAwayKeepsTheStream() throws Exception {
    start(SHELLS_ALLOWED);
    // the two go to two starter threads at once: the second finds the first starting its shell
    terminals.arrived(request("s-1"));
    terminals.arrived(request("s-1"));
    TerminalIngest.Side stream = ingest.nextStream();
    stream.attach();

    stream.type("echo still-$((2*2))\n");

    stream.awaitOutput("still-4");
    assertThat(ingest.noStreamWithin(Duration.ofMillis(300))).isNull();
  }

  @Test
  void announcingAnAttachedSessionAgainMovesItToTheNewStream() throws Exception {
    start(SHELLS_ALLOWED);
    terminals.arrived(request("s-1"));
    TerminalIngest.Side first = ingest.nextStream();
    first.attach();
    first.type("Y=swapped; echo before=$Y\n");
    first.awaitOutput("before=swapped");
    Thread.sleep(TerminalSession.REPEATED_WITHIN.toMillis());

    terminals.arrived(request("s-1"));

    TerminalIngest.Side second = ingest.nextStream();
    second.attach();
    second.awaitReplay("before=swapped");
    second.type("echo after=$Y\n");
    second.awaitOutput("after=swapped");
    assertThat(first.output()).doesNotContain("after=swapped");
  }

  @Test
  void withoutAStreamForTheGracePeriodTheShellIsHungUp() throws Exception {
    start(SHELLS_ALLOWED);
    terminals.arrived(request("s-1").toBuilder().setGraceSeconds(1).build());
    TerminalIngest.Side first = ingest.nextStream();
    first.attach();
    Path pid = dir.resolve("pid");
    first.type("echo $$ > " + pid + "; echo saved-$((1+1))\n");
    first.awaitOutput("saved-2");

    first.breakStream();

    awaitForgotten("s-1");
    assertThat(ProcessHandle.of(Long.parseLong(Files.readString(pid).strip()))).isEmpty();

    terminals.arrived(request("s-1"));
    TerminalIngest.Side late = ingest.nextStream();
    late.attach();
    assertThat(late.awaitClosed(Duration.ofSeconds(10)).getReason())
        .isEqualTo("no stream re-attached within 1 s");
    assertThat(late.replay()).contains("saved-2");
  }

  @Test
  void severalSessionsRunSideBySide() throws Exception {
    start(SHELLS_ALLOWED);
    terminals.arrived(request("s-1"));
    TerminalIngest.Side one = ingest.nextStream();
    one.attach();
    terminals.arrived(request("s-2"));
    TerminalIngest.Side two = ingest.nextStream();
    two.attach();

    one.type("echo one-$((1+0)) $$\n");
    two.type("echo two-$((1+1)) $$\n");

    one.awaitOutput("one-1");
    two.awaitOutput("two-2");
    assertThat(one.output()).doesNotContain("two-2");
    assertThat(two.output()).doesNotContain("one-1");
  }

  @Test
  void aBurstOfAnnouncementsStartsEverySessionOnce() throws Exception {
    // this user's shells start in an empty home: many logins at once stay independent of whatever
    // the machine's own profile does at login (some take a lock there)
    Path passwd = dir.resolve("passwd");
    String user = System.getProperty("user.name");
    Files.write(
        passwd,
        Files.readAllLines(Path.of("/etc/passwd")).stream()
            .map(line -> line.startsWith(user + ":") ? withHome(line, dir) : line)
            .toList());
    terminals =
        new Terminals(SHELLS_ALLOWED, new HostTools(HostTools.DEFAULT_PATH), passwd, ingest::stub);
    int sessions = Terminals.STARTERS * 3;
    for (int i = 0; i < sessions; i++) {
      terminals.arrived(request("s-" + i));
    }
    Map<String, TerminalIngest.Side> streams = new HashMap<>();
    for (int i = 0; i < sessions; i++) {
      TerminalIngest.Side side = ingest.nextStream();
      streams.put(side.attach().getSessionId(), side);
    }
    assertThat(ingest.noStreamWithin(Duration.ofMillis(500))).isNull();
    assertThat(streams).hasSize(sessions);

    streams.forEach((id, side) -> side.type("echo done-" + id + "-$((40+2))\n"));

    for (Map.Entry<String, TerminalIngest.Side> entry : streams.entrySet()) {
      entry.getValue().awaitOutput("done-" + entry.getKey() + "-42");
    }
  }

  @Test
  void stoppingTheAgentHangsUpItsShellsAndSaysSo() throws Exception {
    start(SHELLS_ALLOWED);
    terminals.arrived(request("s-1"));
    TerminalIngest.Side stream = ingest.nextStream();
    stream.attach();
    stream.type("echo ready-$((2+3))\n");
    stream.awaitOutput("ready-5");

    terminals.close();
    terminals = null;

    assertThat(stream.awaitClosed(Duration.ofSeconds(1)).getReason())
        .isEqualTo("the agent is stopping");
  }

  /**
   * The server stops reading: the agent stops reading the terminal too, so what it has read but the
   * server has not received stays within the transport's window (about 1 MiB here), not the 11 MiB
   * the shell prints; once the server reads again every line arrives, in order.
   */
  @Test
  void aServerThatReadsSlowlyHoldsBackTheShellInsteadOfFillingTheAgent() throws Exception {
    start(SHELLS_ALLOWED);
    terminals.arrived(request("s-1"));
    TerminalIngest.Side stream = ingest.nextStream();
    stream.attach();
    stream.type("stty -echo; echo ready-$((2+3))\n");
    stream.awaitOutput("ready-5");

    stream.pause();
    stream.type("seq 1 1500000; echo end-$((3+4))\n");
    Thread.sleep(2000);
    long read = terminals.outputRead("s-1").orElseThrow();
    long waiting = read - stream.outputBytes();
    Thread.sleep(1000);
    long readLater = terminals.outputRead("s-1").orElseThrow();

    assertThat(waiting).isLessThan(2L * 1024 * 1024);
    assertThat(readLater - read)
        .as("no reading while the server reads nothing")
        .isLessThan(64 * 1024);
    stream.resume();
    String output = stream.awaitOutput("end-7");
    List<String> lines = List.of(output.split("\r\n"));
    int first = lines.indexOf("1");
    assertThat(first).isNotNegative();
    for (int n = 1; n <= 1_500_000; n++) {
      if (!lines.get(first + n - 1).equals(String.valueOf(n))) {
        assertThat(lines.get(first + n - 1)).as("line " + n).isEqualTo(String.valueOf(n));
      }
    }
  }

  private void start(AgentConfig.Terminal settings) {
    terminals = new Terminals(settings, new HostTools(HostTools.DEFAULT_PATH), ingest::stub);
  }

  private static String withHome(String passwdLine, Path home) {
    String[] fields = passwdLine.split(":", -1);
    fields[5] = home.toString();
    return String.join(":", fields);
  }

  private static TerminalSessionRequest request(String id) {
    return TerminalSessionRequest.newBuilder().setSessionId(id).build();
  }

  /** The session leaves the live ones just after its closing message is sent, not before. */
  private void awaitForgotten(String sessionId) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (terminals.isLive(sessionId) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(terminals.isLive(sessionId)).isFalse();
  }
}
