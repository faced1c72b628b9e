package io.ctops.agent.terminal;

import com.pty4j.PtyProcess;
import com.pty4j.PtyProcessBuilder;
import io.ctops.agent.config.AgentConfig;
import io.ctops.agent.host.HostTools;
import io.ctops.protocol.v1.IngestServiceGrpc.IngestServiceStub;
import io.ctops.protocol.v1.TerminalSessionRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's terminal sessions, by id. A session the server announces (on the heartbeat stream)
 * gets a shell and a {@code Terminal} stream, or a stream that says at once why it gets none; an
 * announced id the agent already has re-attaches to that shell. Sessions start on the {@code
 * terminal-start} threads, several side by side (a burst of announcements must not queue behind one
 * another past the server's patience), never on the gRPC thread that delivered them.
 */
public final class Terminals implements AutoCloseable {
  /** How long a shell outlives its stream when the request names no grace period. */
  static final Duration DEFAULT_GRACE = Duration.ofMinutes(5);

  /** How long an ended session is remembered, so announcing it again reports its end. */
  static final Duration REMEMBERED = Duration.ofMinutes(10);

  static final int MAX_REMEMBERED = 16;

  /** Shells started side by side; more announcements wait for one of these threads. */
  static final int STARTERS = 8;

  private static final Logger log = LoggerFactory.getLogger("agent");

  private final LoginShell shells;
  private final Supplier<IngestServiceStub> ingest;
  private final ExecutorService starter =
      Executors.newFixedThreadPool(
          STARTERS, Thread.ofPlatform().name("terminal-start-", 1).daemon().factory());
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("terminal-timer").daemon().factory());
  private final Map<String, TerminalSession> live = new LinkedHashMap<>();
  private final Map<String, Instant> endedAt = new LinkedHashMap<>();
  private final Map<String, TerminalSession> ended = new LinkedHashMap<>();

  /**
   * Sessions whose shell is being started, with the stub of an announcement that arrived meanwhile
   * (or none): that one attaches once the shell is there, rather than starting a second shell.
   */
  private final Map<String, Optional<IngestServiceStub>> starting = new HashMap<>();

  private boolean closed;

  /** Sessions as {@code settings} allow, on streams of the agent's current {@code ingest} stub. */
  public Terminals(
      AgentConfig.Terminal settings, HostTools tools, Supplier<IngestServiceStub> ingest) {
    this(settings, tools, Path.of("/etc/passwd"), ingest);
  }

  Terminals(
      AgentConfig.Terminal settings,
      HostTools tools,
      Path passwd,
      Supplier<IngestServiceStub> ingest) {
    this.shells = new LoginShell(settings, tools, passwd, Libc.C.getuid());
    this.ingest = ingest;
  }

  /** The server announced a session (perhaps again). */
  public void arrived(TerminalSessionRequest request) {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    starter.execute(() -> open(request));
  }

  /** The server ended a session ({@code cancel_terminal_sessions}). */
  public void cancelled(String sessionId) {
    TerminalSession session;
    synchronized (this) {
      session = live.get(sessionId);
    }
    if (session != null) {
      session.hangUp(TerminalSession.ENDED_BY_SERVER);
    }
  }

  /** Bytes read so far from the terminal of a live session (for tests of flow control). */
  synchronized Optional<Long> outputRead(String sessionId) {
    return Optional.ofNullable(live.get(sessionId)).map(TerminalSession::outputRead);
  }

  synchronized boolean isLive(String sessionId) {
    return live.containsKey(sessionId);
  }

  private void open(TerminalSessionRequest request) {
    String id = request.getSessionId();
    IngestServiceStub stub = ingest.get();
    if (id.isBlank() || stub == null) {
      log.warn("event=terminal_ignored session_id=\"{}\" reason=\"no id or no link\"", id);
      return;
    }
    TerminalSession known;
    synchronized (this) {
      known = live.containsKey(id) ? live.get(id) : ended.get(id);
      if (known == null) {
        if (starting.containsKey(id)) {
          starting.put(id, Optional.of(stub));
          return;
        }
        starting.put(id, Optional.empty());
      }
    }
    if (known != null) {
      known.attach(stub);
      return;
    }
    try {
      begin(stub, request);
    } finally {
      Optional<IngestServiceStub> announcedAgain;
      synchronized (this) {
        announcedAgain = starting.remove(id);
        known = live.get(id);
      }
      if (known != null && announcedAgain != null && announcedAgain.isPresent()) {
        known.attach(announcedAgain.get());
      }
    }
  }

  private void begin(IngestServiceStub stub, TerminalSessionRequest request) {
    String id = request.getSessionId();
    // The request's user is only logged: the host's [terminal] user decides who the shell runs as.
    log.info(
        "event=terminal_requested session_id={} requested_user=\"{}\" direct_access={}",
        id,
        request.getUsername(),
        request.getDirectAccess());
    LoginShell.Plan plan;
    try {
      plan = shells.plan();
    } catch (RuntimeException e) {
      plan = new LoginShell.Refused("cannot start a shell: " + e.getMessage());
    }
    switch (plan) {
      case LoginShell.Refused refused -> {
        log.warn("event=terminal_refused session_id={} reason=\"{}\"", id, refused.reason());
        TerminalSession.refuse(stub, id, refused.reason());
      }
      case LoginShell.Start start -> start(stub, request, start);
    }
  }

  private void start(
      IngestServiceStub stub, TerminalSessionRequest request, LoginShell.Start shell) {
    String id = request.getSessionId();
    PtyProcess process;
    try {
      process =
          new PtyProcessBuilder(shell.command().toArray(String[]::new))
              .setEnvironment(shell.environment())
              .setDirectory(shell.directory().toString())
              .setInitialColumns(size(request.getCols(), 80))
              .setInitialRows(size(request.getRows(), 24))
              .setConsole(false)
              .start();
    } catch (Exception | UnsatisfiedLinkError e) {
      String reason = "the terminal could not be started: " + e.getMessage();
      log.warn("event=terminal_refused session_id={} reason=\"{}\"", id, reason);
      TerminalSession.refuse(stub, id, reason);
      return;
    }
    Duration grace =
        request.getGraceSeconds() == 0
            ? DEFAULT_GRACE
            : Duration.ofSeconds(request.getGraceSeconds());
    synchronized (this) {
      if (closed) {
        process.destroyForcibly();
        return;
      }
      live.put(id, TerminalSession.begin(id, process, grace, stub, timer, this::ended));
    }
    log.info(
        "event=terminal_started session_id={} user={} pid={} grace_seconds={}",
        id,
        shell.user(),
        process.pid(),
        grace.toSeconds());
  }

  private static int size(int requested, int fallback) {
    return requested <= 0 ? fallback : Math.min(requested, 1000);
  }

  private synchronized void ended(TerminalSession session) {
    live.remove(session.id());
    Instant now = Instant.now();
    ended.put(session.id(), session);
    endedAt.put(session.id(), now);
    List<String> forgotten = new ArrayList<>();
    for (Map.Entry<String, Instant> entry : endedAt.entrySet()) {
      if (endedAt.size() - forgotten.size() > MAX_REMEMBERED
          || entry.getValue().isBefore(now.minus(REMEMBERED))) {
        forgotten.add(entry.getKey());
      }
    }
    forgotten.forEach(
        id -> {
          endedAt.remove(id);
          ended.remove(id);
        });
    notifyAll();
  }

  /**
   * Hangs up every shell (the agent is stopping) and waits up to 5 s for them to end; a stream
   * still attached reports each end.
   */
  @Override
  public void close() {
    List<TerminalSession> sessions;
    synchronized (this) {
      closed = true;
      sessions = List.copyOf(live.values());
    }
    starter.shutdownNow();
    sessions.forEach(session -> session.hangUp("the agent is stopping"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    synchronized (this) {
      while (!live.isEmpty() && System.nanoTime() < deadline) {
        try {
          wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    timer.shutdownNow();
  }
}
