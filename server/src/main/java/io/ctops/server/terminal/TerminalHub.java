package io.ctops.server.terminal;

import com.google.protobuf.ByteString;
import io.ctops.protocol.internal.v1.HostMessage;
import io.ctops.protocol.internal.v1.SessionClosed;
import io.ctops.protocol.internal.v1.ViewerMessage;
import io.ctops.protocol.v1.TerminalAgentMessage;
import io.ctops.protocol.v1.TerminalResizeMsg;
import io.ctops.protocol.v1.TerminalServerMessage;
import io.ctops.protocol.v1.TerminalSessionRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions this ingest instance claimed: where the agent's {@code Terminal} stream and the web
 * instance's relay stream meet. Output goes to the viewer as fast as it takes it (the agent's
 * stream is read only while the viewer's is ready and the recording keeps up, so nothing piles up
 * here) and the newest 64 KiB are kept for a viewer that re-attaches. A viewer may go away and come
 * back within the grace period, and so may the agent's stream; a session with no input or output
 * for the idle timeout ends.
 */
public final class TerminalHub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TerminalHub.class);

  /** Messages (at most 32 KiB each) the agent may have on their way here at once. */
  static final int AGENT_WINDOW = 8;

  /**
   * Recording chunks of one session waiting to be written, at most: past it the agent's stream is
   * read no further until they are, so a shell printing faster than the database takes its
   * recording slows down instead of filling memory.
   */
  static final int RECORDING_BACKLOG = 4;

  /** Output kept for a re-attaching viewer. */
  static final int REPLAY_BYTES = 64 * 1024;

  /**
   * Input typed while the agent's stream is not (yet, or again) there, kept for it: keys typed
   * before the first prompt are not lost. Past this much the rest is dropped, with a notice.
   */
  static final int HELD_INPUT_BYTES = 64 * 1024;

  /** The agents this instance holds, as terminals need them. */
  public interface Agents {
    /** Announces the session on the agent's heartbeat stream at once; false if not held here. */
    boolean announce(UUID agentId, TerminalSessionRequest request);

    /** Whether the agent's heartbeat stream is on this instance. */
    boolean holds(UUID agentId);
  }

  /**
   * How long things may take: the agent to open an announced session, a viewer or the agent's
   * stream to come back, a session without input or output.
   */
  public record Timing(
      Duration agentPatience, Duration grace, Duration idle, long recordingMaxBytes) {}

  private final TerminalSessions sessions;
  private final Agents agents;
  private final Timing timing;
  private final Clock clock;
  private final Map<UUID, Bridge> bridges = new ConcurrentHashMap<>();
  private final ExecutorService recordings =
      Executors.newSingleThreadExecutor(
          runnable -> Thread.ofPlatform().name("terminal-recordings").daemon().unstarted(runnable));
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> Thread.ofPlatform().name("terminal-hub").daemon().unstarted(runnable));

  public TerminalHub(TerminalSessions sessions, Agents agents, Timing timing, Clock clock) {
    this.sessions = sessions;
    this.agents = agents;
    this.timing = timing;
    this.clock = clock;
    timer.scheduleWithFixedDelay(this::checkIdle, 1, 1, TimeUnit.SECONDS);
    timer.scheduleWithFixedDelay(this::checkAllowed, 5, 5, TimeUnit.SECONDS);
  }

  /** Sessions under way here (tests, metrics). */
  public int size() {
    return bridges.size();
  }

  /** A session this instance claimed: announce it to its agent and wait for its stream. */
  public void expect(TerminalSessions.Requested session) {
    Bridge bridge = new Bridge(session);
    bridges.put(session.id(), bridge);
    bridge.announce();
  }

  /** The agent's {@code Terminal} stream, authenticated as the agent of {@code hostId}. */
  public StreamObserver<TerminalAgentMessage> agentStream(
      UUID hostId, ServerCallStreamObserver<TerminalServerMessage> toAgent) {
    toAgent.disableAutoRequest();
    toAgent.request(AGENT_WINDOW);
    return new StreamObserver<>() {
      private Bridge bridge;

      @Override
      public void onNext(TerminalAgentMessage message) {
        if (bridge == null) {
          bridge = attachAgent(hostId, message.getSessionId(), toAgent);
          if (bridge == null) {
            return;
          }
          if (message.getPayloadCase() == TerminalAgentMessage.PayloadCase.PAYLOAD_NOT_SET) {
            toAgent.request(1);
            return;
          }
        }
        bridge.fromAgent(message, toAgent);
      }

      @Override
      public void onError(Throwable error) {
        if (bridge != null) {
          bridge.agentGone(toAgent, Status.fromThrowable(error).getCode().toString());
        }
      }

      @Override
      public void onCompleted() {
        if (bridge != null) {
          bridge.agentGone(toAgent, "stream completed");
        }
        try {
          toAgent.onCompleted();
        } catch (RuntimeException alreadyClosed) {
          // the call is over
        }
      }
    };
  }

  private Bridge attachAgent(
      UUID hostId, String sessionText, ServerCallStreamObserver<TerminalServerMessage> toAgent) {
    Optional<UUID> id = uuid(sessionText);
    Bridge bridge = id.map(bridges::get).orElse(null);
    if (bridge == null
        || !bridge.session.hostId().equals(hostId)
        || !sessions.isHostsLiveSession(id.get(), hostId)) {
      toAgent.onError(
          Status.NOT_FOUND
              .withDescription("no terminal session " + sessionText + " announced to this agent")
              .asRuntimeException());
      return null;
    }
    bridge.agentAttached(toAgent);
    return bridge;
  }

  /** The web instance's relay stream for one viewer of a session. */
  public StreamObserver<ViewerMessage> viewerStream(
      ServerCallStreamObserver<HostMessage> toViewer) {
    ViewerCall call = new ViewerCall(toViewer);
    // only now, while the call starts, may its handler be set; it reaches the bridge once attached
    toViewer.setOnReadyHandler(call::ready);
    return call;
  }

  /** One viewer's relay call; attached to its session by its first message. */
  private final class ViewerCall implements StreamObserver<ViewerMessage> {
    private final ServerCallStreamObserver<HostMessage> toViewer;
    private volatile Bridge bridge;

    ViewerCall(ServerCallStreamObserver<HostMessage> toViewer) {
      this.toViewer = toViewer;
    }

    void ready() {
      Bridge attached = bridge;
      if (attached != null) {
        attached.viewerReady();
      }
    }

    @Override
    public void onNext(ViewerMessage message) {
      if (bridge == null) {
        if (!message.hasAttach()) {
          toViewer.onError(
              Status.FAILED_PRECONDITION
                  .withDescription("attach to a session first")
                  .asRuntimeException());
          return;
        }
        bridge = attachViewer(message, toViewer);
        return;
      }
      bridge.fromViewer(message, toViewer);
    }

    @Override
    public void onError(Throwable error) {
      if (bridge != null) {
        bridge.viewerGone(toViewer);
      }
    }

    @Override
    public void onCompleted() {
      if (bridge != null) {
        bridge.viewerGone(toViewer);
      }
    }
  }

  private Bridge attachViewer(ViewerMessage message, ServerCallStreamObserver<HostMessage> out) {
    Optional<UUID> id = uuid(message.getAttach().getSessionId());
    Bridge bridge = id.map(bridges::get).orElse(null);
    if (bridge == null || !sessions.tokenMatches(id.get(), message.getAttach().getToken())) {
      out.onError(
          Status.NOT_FOUND
              .withDescription("no such terminal session on this instance")
              .asRuntimeException());
      return null;
    }
    bridge.viewerAttached(out, message.getAttach().getCols(), message.getAttach().getRows());
    return bridge;
  }

  private void checkIdle() {
    long now = clock.millis();
    for (Bridge bridge : bridges.values()) {
      bridge.checkIdle(now);
    }
  }

  /** Looks now (not at the next 5-second check) which sessions must end: one was stopped. */
  public void recheck() {
    timer.execute(this::checkAllowed);
  }

  /** Ends at once the sessions stopped by an admin, of hosts deleted and agents revoked. */
  private void checkAllowed() {
    try {
      sessions
          .noLongerAllowed(bridges.keySet())
          .forEach(
              (id, ending) -> {
                Bridge bridge = bridges.get(id);
                if (bridge != null) {
                  bridge.stop(ending);
                }
              });
    } catch (RuntimeException e) {
      log.warn("event=terminal_recheck_failed error={}", e.toString());
    }
  }

  /** Ends every session (the instance stops): viewers are told, agents close their shells. */
  @Override
  public void close() {
    for (Bridge bridge : bridges.values()) {
      bridge.end(null, "the server is shutting down", true);
    }
    timer.shutdownNow();
    recordings.shutdown();
    try {
      recordings.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Optional<UUID> uuid(String text) {
    try {
      return Optional.of(UUID.fromString(text));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** One session: its agent's stream and its viewer's, when they are there. */
  private final class Bridge {
    final TerminalSessions.Requested session;
    private final OutputRing ring = new OutputRing(REPLAY_BYTES);
    private ServerCallStreamObserver<TerminalServerMessage> agent;
    private ServerCallStreamObserver<HostMessage> viewer;
    private boolean agentEverAttached;

    /** Requests to the agent held back while the viewer or the recording was not ready. */
    private int withheld;

    /** Recording chunks handed to the writer and not yet written. */
    private int recordingBacklog;

    /** Input that came while the agent's stream was not there, for when it is. */
    private ByteString heldInput = ByteString.EMPTY;

    private boolean ended;
    private int cols;
    private int rows;
    private long bytesIn;
    private long bytesOut;
    private long lastActivity;
    private ScheduledFuture<?> deadline;
    private final SessionRecorder recorder;
    // when the viewer last went away: a grace timer ends the shell only if none came since
    private long lastDetached;
    // why the server asked the agent to end the shell (idle, no viewer), for the outcome
    private String closeReason;

    Bridge(TerminalSessions.Requested session) {
      this.session = session;
      this.recorder =
          session.recorded() && timing.recordingMaxBytes() > 0
              ? sessions.recorder(session.id(), timing.recordingMaxBytes())
              : null;
      this.cols = session.cols();
      this.rows = session.rows();
      this.lastActivity = clock.millis();
    }

    private TerminalSessionRequest request() {
      return TerminalSessionRequest.newBuilder()
          .setSessionId(session.id().toString())
          .setCols(cols)
          .setRows(rows)
          .setGraceSeconds((int) timing.grace().toSeconds())
          .build();
    }

    synchronized void announce() {
      if (!agents.announce(session.agentId(), request())) {
        end(-1, "the host's agent is not connected", false);
        return;
      }
      deadline =
          timer.schedule(
              () -> {
                synchronized (this) {
                  if (agent == null && !agentEverAttached) {
                    end(
                        -1,
                        "this host's agent does not support terminals (it did not open the"
                            + " session within "
                            + timing.agentPatience().toSeconds()
                            + " s)",
                        false);
                  }
                }
              },
              timing.agentPatience().toMillis(),
              TimeUnit.MILLISECONDS);
    }

    synchronized void agentAttached(ServerCallStreamObserver<TerminalServerMessage> stream) {
      if (ended) {
        stream.onCompleted();
        return;
      }
      if (agent != null && agent != stream) {
        safely(agent::onCompleted);
      }
      agent = stream;
      withheld = 0;
      if (!agentEverAttached) {
        agentEverAttached = true;
        timer.execute(() -> sessions.opened(session.id()));
      }
      if (deadline != null) {
        deadline.cancel(false);
        deadline = null;
      }
      toViewer(HostMessage.newBuilder().setStatus("connected").build());
      if (!heldInput.isEmpty()) {
        toAgent(
            TerminalServerMessage.newBuilder()
                .setSessionId(session.id().toString())
                .setInput(heldInput)
                .build());
        heldInput = ByteString.EMPTY;
      }
    }

    synchronized void fromAgent(
        TerminalAgentMessage message, ServerCallStreamObserver<TerminalServerMessage> stream) {
      if (stream != agent || ended) {
        return;
      }
      switch (message.getPayloadCase()) {
        case OUTPUT -> {
          byte[] bytes = message.getOutput().toByteArray();
          if (!message.getReplay()) {
            ring.append(bytes);
            bytesOut += bytes.length;
            lastActivity = clock.millis();
            if (recorder != null) {
              record(recorder.output(bytes));
            }
          }
          if (viewer != null) {
            safely(
                () ->
                    viewer.onNext(
                        HostMessage.newBuilder()
                            .setOutput(message.getOutput())
                            .setReplay(message.getReplay())
                            .build()));
          }
          // read on only while the viewer and the recording keep up; without a viewer the ring
          // keeps the newest
          if (mayReadOn()) {
            agent.request(1);
          } else {
            withheld++;
          }
        }
        case CLOSED ->
            end(
                message.getClosed().getExitCode(),
                message.getClosed().getReason().isEmpty() ? null : message.getClosed().getReason(),
                false);
        case PAYLOAD_NOT_SET -> agent.request(1);
      }
    }

    synchronized void agentGone(
        ServerCallStreamObserver<TerminalServerMessage> stream, String why) {
      if (stream != agent || ended) {
        return;
      }
      agent = null;
      toViewer(
          HostMessage.newBuilder()
              .setStatus(
                  "the agent's connection dropped ("
                      + why
                      + "); waiting up to "
                      + timing.grace().toMinutes()
                      + " min for it to come back")
              .build());
      long until = clock.millis() + timing.grace().toMillis();
      reannounceUntil(until);
    }

    private void reannounceUntil(long until) {
      timer.schedule(
          () -> {
            synchronized (this) {
              if (ended || agent != null) {
                return;
              }
              if (clock.millis() > until) {
                end(-1, "the agent did not come back within the grace period", false);
                return;
              }
              if (agents.holds(session.agentId())) {
                agents.announce(session.agentId(), request());
              }
              reannounceUntil(until);
            }
          },
          1,
          TimeUnit.SECONDS);
    }

    synchronized void viewerAttached(ServerCallStreamObserver<HostMessage> stream, int c, int r) {
      if (ended) {
        safely(
            () -> {
              stream.onNext(closedMessage(-1, "the session has ended"));
              stream.onCompleted();
            });
        return;
      }
      if (viewer != null && viewer != stream) {
        ServerCallStreamObserver<HostMessage> previous = viewer;
        safely(
            () -> {
              previous.onNext(
                  HostMessage.newBuilder().setStatus("attached in another window").build());
              previous.onCompleted();
            });
      }
      viewer = stream;
      if (!ring.isEmpty()) {
        safely(
            () ->
                stream.onNext(
                    HostMessage.newBuilder()
                        .setOutput(ByteString.copyFrom(ring.contents()))
                        .setReplay(true)
                        .build()));
      }
      if (agent == null) {
        safely(
            () ->
                stream.onNext(
                    HostMessage.newBuilder().setStatus("waiting for the host's agent").build()));
      } else {
        safely(() -> stream.onNext(HostMessage.newBuilder().setStatus("connected").build()));
      }
      if (c > 0 && r > 0 && (c != cols || r != rows)) {
        resize(c, r);
      }
      viewerReady();
    }

    private boolean mayReadOn() {
      return (viewer == null || viewer.isReady()) && recordingBacklog < RECORDING_BACKLOG;
    }

    /** The viewer or the recording caught up: the agent's stream is read on. */
    synchronized void viewerReady() {
      if (withheld > 0 && agent != null && mayReadOn()) {
        agent.request(withheld);
        withheld = 0;
      }
    }

    synchronized void fromViewer(ViewerMessage message, ServerCallStreamObserver<HostMessage> s) {
      if (s != viewer || ended) {
        return;
      }
      switch (message.getPayloadCase()) {
        case INPUT -> {
          bytesIn += message.getInput().size();
          lastActivity = clock.millis();
          if (agent == null) {
            hold(message.getInput());
          } else {
            toAgent(
                TerminalServerMessage.newBuilder()
                    .setSessionId(session.id().toString())
                    .setInput(message.getInput())
                    .build());
          }
        }
        case RESIZE -> resize(message.getResize().getCols(), message.getResize().getRows());
        case CLOSE -> closeShell("ended by the user");
        case ATTACH, PAYLOAD_NOT_SET -> {}
      }
    }

    private void hold(ByteString input) {
      int room = HELD_INPUT_BYTES - heldInput.size();
      if (input.size() > room) {
        toViewer(
            HostMessage.newBuilder()
                .setStatus(
                    "input beyond "
                        + HELD_INPUT_BYTES / 1024
                        + " KiB typed while the agent is not connected was dropped")
                .build());
      }
      heldInput = heldInput.concat(input.substring(0, Math.min(room, input.size())));
    }

    private void resize(int c, int r) {
      if (c < 1 || r < 1 || c > 1000 || r > 1000) {
        return;
      }
      cols = c;
      rows = r;
      toAgent(
          TerminalServerMessage.newBuilder()
              .setSessionId(session.id().toString())
              .setResize(TerminalResizeMsg.newBuilder().setCols(c).setRows(r))
              .build());
    }

    synchronized void viewerGone(ServerCallStreamObserver<HostMessage> stream) {
      if (stream != viewer || ended) {
        return;
      }
      viewer = null;
      viewerReady();
      long left = clock.millis();
      timer.schedule(
          () -> {
            synchronized (this) {
              if (!ended && viewer == null && lastDetached == left) {
                closeShell("no viewer came back within the grace period");
              }
            }
          },
          timing.grace().toMillis(),
          TimeUnit.MILLISECONDS);
      lastDetached = left;
    }

    private void record(SessionRecorder.Chunk chunk) {
      if (chunk == null) {
        return;
      }
      recordingBacklog++;
      try {
        recordings.execute(
            () -> {
              try {
                recorder.write(chunk);
              } catch (RuntimeException e) {
                log.warn(
                    "event=terminal_recording_not_written session_id={} error={}",
                    session.id(),
                    e.toString());
              }
              synchronized (this) {
                recordingBacklog--;
                viewerReady();
              }
            });
      } catch (RejectedExecutionException stopped) {
        recordingBacklog--;
        log.warn("event=terminal_recording_not_written session_id={} error=stopping", session.id());
      }
    }

    synchronized void checkIdle(long now) {
      if (recorder != null && !ended) {
        record(recorder.flush());
      }
      if (!ended && now - lastActivity > timing.idle().toMillis()) {
        String notice =
            "\r\n[CT-Ops: the session ended after "
                + timing.idle().toMinutes()
                + " minutes without input or output]\r\n";
        toViewer(HostMessage.newBuilder().setOutput(ByteString.copyFromUtf8(notice)).build());
        closeShell("idle for " + timing.idle().toMinutes() + " minutes");
      }
    }

    /**
     * An admin stopped the session: the agent closes the shell and reports its exit. A deleted host
     * or revoked agent: the session ends here at once, whatever the agent does.
     */
    synchronized void stop(TerminalSessions.Ending ending) {
      if (ended || (ending.stopped() && closeReason != null)) {
        return;
      }
      if (ending.stopped()) {
        toViewer(
            HostMessage.newBuilder()
                .setOutput(ByteString.copyFromUtf8("\r\n[CT-Ops: " + ending.reason() + "]\r\n"))
                .build());
        closeShell(ending.reason());
      } else {
        end(-1, ending.reason(), true);
      }
    }

    /** Asks the agent to end the shell; the session ends when it reports. */
    private void closeShell(String reason) {
      closeReason = reason;
      lastActivity = Long.MAX_VALUE / 2;
      if (agent == null) {
        end(null, reason, false);
        return;
      }
      toAgent(
          TerminalServerMessage.newBuilder()
              .setSessionId(session.id().toString())
              .setClose(true)
              .build());
    }

    synchronized void end(Integer exitCode, String reason, boolean shutdown) {
      if (ended) {
        return;
      }
      ended = true;
      bridges.remove(session.id());
      if (deadline != null) {
        deadline.cancel(false);
      }
      // why the server asked the shell to end says more than the agent's "ended by the server"
      String why = closeReason != null ? closeReason : reason;
      if (agent != null) {
        ServerCallStreamObserver<TerminalServerMessage> a = agent;
        safely(
            () -> {
              if (shutdown) {
                a.onNext(
                    TerminalServerMessage.newBuilder()
                        .setSessionId(session.id().toString())
                        .setClose(true)
                        .build());
              }
              a.onCompleted();
            });
        agent = null;
      }
      if (viewer != null) {
        ServerCallStreamObserver<HostMessage> v = viewer;
        safely(
            () -> {
              v.onNext(closedMessage(exitCode == null ? -1 : exitCode, why == null ? "" : why));
              v.onCompleted();
            });
        viewer = null;
      }
      if (recorder != null) {
        record(recorder.flush());
      }
      TerminalSessions.Outcome outcome =
          new TerminalSessions.Outcome(exitCode, why, bytesIn, bytesOut);
      Runnable record =
          () -> {
            try {
              sessions.ended(session.id(), outcome);
            } catch (RuntimeException e) {
              log.warn(
                  "event=terminal_end_not_recorded session_id={} error={}",
                  session.id(),
                  e.toString());
            }
          };
      if (shutdown) {
        record.run();
      } else {
        recordings.execute(record);
      }
    }

    private void toAgent(TerminalServerMessage message) {
      if (agent != null) {
        ServerCallStreamObserver<TerminalServerMessage> a = agent;
        safely(() -> a.onNext(message));
      }
    }

    private void toViewer(HostMessage message) {
      if (viewer != null) {
        ServerCallStreamObserver<HostMessage> v = viewer;
        safely(() -> v.onNext(message));
      }
    }
  }

  private static HostMessage closedMessage(int exitCode, String reason) {
    return HostMessage.newBuilder()
        .setClosed(SessionClosed.newBuilder().setExitCode(exitCode).setReason(reason))
        .build();
  }

  private static void safely(Runnable send) {
    try {
      send.run();
    } catch (RuntimeException e) {
      // the call ended under us; its observer's onError/onCompleted follows
      log.debug("event=terminal_send_failed error={}", e.toString());
    }
  }
}
