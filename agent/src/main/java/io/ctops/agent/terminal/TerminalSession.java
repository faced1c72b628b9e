package io.ctops.agent.terminal;

import com.google.protobuf.ByteString;
import com.pty4j.PtyProcess;
import com.pty4j.WinSize;
import io.ctops.protocol.v1.IngestServiceGrpc.IngestServiceStub;
import io.ctops.protocol.v1.TerminalAgentMessage;
import io.ctops.protocol.v1.TerminalClosedMsg;
import io.ctops.protocol.v1.TerminalResizeMsg;
import io.ctops.protocol.v1.TerminalServerMessage;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shell on a pseudo-terminal and the {@code Terminal} stream it is attached to, if any.
 *
 * <p>Flow control: one thread reads the terminal as fast as the shell writes, into a bounded queue
 * of unsent output ({@link #MAX_UNSENT}); what is queued goes out while the stream is ready, joined
 * into messages of up to {@link #CHUNK}. A pseudo-terminal buffers only about 4 KiB, so the reader
 * must not wait for the network on every read; once the queue is full it does wait, the terminal's
 * buffer fills and the shell's output blocks, so a fast producer never piles up in the agent. While
 * no stream is attached the reader keeps reading into the ring only (a detached shell must not
 * block); the ring always holds the last 64 KiB, replayed to the next stream that attaches.
 */
final class TerminalSession {
  /** The largest output message. */
  static final int CHUNK = 32 * 1024;

  /** Output read but not yet sent, at most: past it the reader waits for the stream. */
  static final int MAX_UNSENT = 256 * 1024;

  /**
   * A read at least this large is part of a burst (a pseudo-terminal hands over about 4 KiB at a
   * time): more follows at once, so it waits up to {@link #JOIN_WITHIN} to go out with it in one
   * message. A smaller read (an echoed keystroke, a prompt) goes out at once.
   */
  static final int BURST_READ = 2048;

  static final Duration JOIN_WITHIN = Duration.ofMillis(2);

  /** How long a hung-up shell has to exit before its process group is killed. */
  static final Duration KILL_AFTER = Duration.ofSeconds(2);

  static final String ENDED_BY_SERVER = "ended by the server";

  /**
   * An announcement repeated this soon after a stream attached, while that stream still works, is
   * the same announcement again (the server may repeat an id until it sees the stream), not a
   * request to move the session to a new stream.
   */
  static final Duration REPEATED_WITHIN = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger("agent");

  private final String id;
  private final PtyProcess process;
  private final Duration grace;
  private final ScheduledExecutorService timer;
  private final Consumer<TerminalSession> ended;
  private final OutputRing ring = new OutputRing();
  private final AtomicLong read = new AtomicLong();
  private final Object input = new Object();
  private final Thread reader;
  // Guarded by this.
  private Stream current;
  private final ArrayDeque<byte[]> unsent = new ArrayDeque<>();
  private int unsentBytes;
  private ScheduledFuture<?> joining;
  private long attachedAtNanos;
  private long attachments;
  private boolean hasEnded;
  private int exitCode;
  private String endReason;

  private TerminalSession(
      String id,
      PtyProcess process,
      Duration grace,
      ScheduledExecutorService timer,
      Consumer<TerminalSession> ended) {
    this.id = id;
    this.process = process;
    this.grace = grace;
    this.timer = timer;
    this.ended = ended;
    this.reader = Thread.ofPlatform().name("terminal-" + id).daemon().unstarted(this::readOutput);
  }

  /** Attaches a first stream to a started shell and begins relaying its output. */
  static TerminalSession begin(
      String id,
      PtyProcess process,
      Duration grace,
      IngestServiceStub stub,
      ScheduledExecutorService timer,
      Consumer<TerminalSession> ended) {
    TerminalSession session = new TerminalSession(id, process, grace, timer, ended);
    session.attach(stub);
    session.reader.start();
    process.onExit().thenRun(session::shellExited);
    return session;
  }

  /** A session that never starts: attach, then closed with exit code -1 and the reason. */
  static void refuse(IngestServiceStub stub, String id, String reason) {
    StreamObserver<TerminalAgentMessage> requests =
        stub.terminal(
            new StreamObserver<TerminalServerMessage>() {
              @Override
              public void onNext(TerminalServerMessage message) {}

              @Override
              public void onError(Throwable error) {}

              @Override
              public void onCompleted() {}
            });
    requests.onNext(TerminalAgentMessage.newBuilder().setSessionId(id).build());
    requests.onNext(closed(id, -1, reason));
    requests.onCompleted();
  }

  String id() {
    return id;
  }

  /** Bytes read from the terminal so far. */
  long outputRead() {
    return read.get();
  }

  /**
   * Opens a new stream for this session: attach, the ring's output marked as replay, then live
   * output (or, if the shell has ended meanwhile, its closed message). A stream still attached is
   * cancelled: the server announced the session again, so it has given that one up; unless that
   * stream is younger than {@link #REPEATED_WITHIN}, when the announcement is a repeat and changes
   * nothing.
   */
  synchronized void attach(IngestServiceStub stub) {
    if (current != null && System.nanoTime() - attachedAtNanos < REPEATED_WITHIN.toNanos()) {
      log.debug("event=terminal_announced_again session_id={}", id);
      return;
    }
    Stream previous = current;
    Stream stream = new Stream();
    // the ring holds what was waiting for the old stream; it goes out as the replay
    dropUnsent();
    stub.terminal(stream);
    attachments++;
    attachedAtNanos = System.nanoTime();
    current = stream;
    stream.send(TerminalAgentMessage.newBuilder().setSessionId(id).build());
    if (attachments > 1) {
      for (byte[] piece : ring.chunks(CHUNK)) {
        stream.send(output(ByteString.copyFrom(piece), true));
      }
      log.info("event=terminal_reattached session_id={}", id);
    }
    if (hasEnded) {
      stream.finish(exitCode, endReason);
      current = null;
    }
    notifyAll();
    if (previous != null) {
      previous.requests.cancel("the session was announced again", null);
    }
  }

  /** Ends the shell: SIGHUP to its process group, SIGKILL if it is still there after 2 s. */
  void hangUp(String reason) {
    synchronized (this) {
      if (hasEnded) {
        return;
      }
      if (endReason == null) {
        endReason = reason;
      }
    }
    int pid = (int) process.pid();
    Libc.C.kill(-pid, Libc.SIGHUP);
    Libc.C.kill(pid, Libc.SIGHUP);
    timer.schedule(
        () -> {
          if (process.isAlive()) {
            Libc.C.kill(-pid, Libc.SIGKILL);
            process.destroyForcibly();
          }
        },
        KILL_AFTER.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  synchronized boolean hasEnded() {
    return hasEnded;
  }

  private void readOutput() {
    byte[] buffer = new byte[CHUNK];
    InputStream terminal = process.getInputStream();
    try {
      int count;
      while ((count = terminal.read(buffer)) > 0) {
        read.addAndGet(count);
        relay(buffer, count);
      }
    } catch (IOException endOfTerminal) {
      // the shell and everything it started have let go of the terminal
    } catch (InterruptedException stopping) {
      Thread.currentThread().interrupt();
    }
    finish();
  }

  /**
   * Keeps a chunk in the ring and queues it for the attached stream (if any), waiting while the
   * queue is full.
   */
  private synchronized void relay(byte[] buffer, int count) throws InterruptedException {
    ring.append(buffer, count);
    Stream target = current;
    while (target != null && target == current && unsentBytes >= MAX_UNSENT) {
      wait(1000);
    }
    // Queued unless the stream changed meanwhile: a newer one got this chunk in its replay.
    if (target != null && target == current) {
      unsent.add(Arrays.copyOf(buffer, count));
      unsentBytes += count;
      if (count < BURST_READ || unsentBytes >= CHUNK) {
        sendUnsent(false);
      } else if (joining == null) {
        joining = timer.schedule(this::sendJoined, JOIN_WITHIN.toNanos(), TimeUnit.NANOSECONDS);
      }
    }
  }

  private synchronized void sendJoined() {
    joining = null;
    sendUnsent(false);
  }

  /**
   * Sends the queued output in messages of up to {@link #CHUNK} while the stream is ready for more
   * (or all of it, when the stream is about to finish).
   */
  private synchronized void sendUnsent(boolean all) {
    if (joining != null) {
      joining.cancel(false);
      joining = null;
    }
    Stream target = current;
    while (target != null && unsentBytes > 0 && (all || target.requests.isReady())) {
      int size = Math.min(CHUNK, unsentBytes);
      ByteString.Output joined = ByteString.newOutput(size);
      while (joined.size() < size) {
        byte[] head = unsent.poll();
        int take = Math.min(head.length, size - joined.size());
        joined.write(head, 0, take);
        if (take < head.length) {
          unsent.addFirst(Arrays.copyOfRange(head, take, head.length));
        }
      }
      unsentBytes -= size;
      target.send(output(joined.toByteString(), false));
    }
    notifyAll();
  }

  private void dropUnsent() {
    unsent.clear();
    unsentBytes = 0;
  }

  private void finish() {
    int code;
    try {
      if (!process.waitFor(KILL_AFTER.toMillis() * 2, TimeUnit.MILLISECONDS)) {
        Libc.C.kill(-(int) process.pid(), Libc.SIGKILL);
        process.destroyForcibly();
      }
      code = process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      code = -1;
    }
    synchronized (this) {
      hasEnded = true;
      exitCode = code;
      if (endReason == null) {
        endReason = "";
      }
      if (current != null) {
        sendUnsent(true);
        current.finish(exitCode, endReason);
        current = null;
      }
    }
    log.info("event=terminal_ended session_id={} exit_code={} reason=\"{}\"", id, code, endReason);
    ended.accept(this);
  }

  /**
   * The shell is gone, but a program it left in the background may still hold the terminal open;
   * closing our end after a moment ends the reader, so the session reports its exit anyway.
   */
  private void shellExited() {
    timer.schedule(
        () -> {
          try {
            process.getInputStream().close();
          } catch (IOException ignored) {
            // already closed
          }
        },
        1,
        TimeUnit.SECONDS);
  }

  private void write(byte[] bytes) {
    synchronized (input) {
      try {
        OutputStream terminal = process.getOutputStream();
        terminal.write(bytes);
        terminal.flush();
      } catch (IOException shellGone) {
        // the reader sees the end and reports it
      }
    }
  }

  private void resize(TerminalResizeMsg size) {
    if (size.getCols() > 0 && size.getRows() > 0) {
      process.setWinSize(
          new WinSize(Math.min(size.getCols(), 1000), Math.min(size.getRows(), 1000)));
    }
  }

  /** The stream broke (not a close from the server): keep the shell for the grace period. */
  private synchronized void lost(Stream stream, Throwable why) {
    if (stream != current) {
      return;
    }
    current = null;
    dropUnsent();
    notifyAll();
    if (hasEnded) {
      return;
    }
    long attachment = attachments;
    log.info(
        "event=terminal_detached session_id={} grace_seconds={} reason=\"{}\"",
        id,
        grace.toSeconds(),
        why == null ? "the server ended the stream" : why.getMessage());
    timer.schedule(
        () -> {
          synchronized (this) {
            if (current != null || attachments != attachment) {
              return;
            }
          }
          hangUp("no stream re-attached within " + grace.toSeconds() + " s");
        },
        grace.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private TerminalAgentMessage output(ByteString bytes, boolean replay) {
    return TerminalAgentMessage.newBuilder()
        .setSessionId(id)
        .setOutput(bytes)
        .setReplay(replay)
        .build();
  }

  private static TerminalAgentMessage closed(String id, int exitCode, String reason) {
    return TerminalAgentMessage.newBuilder()
        .setSessionId(id)
        .setClosed(TerminalClosedMsg.newBuilder().setExitCode(exitCode).setReason(reason))
        .build();
  }

  /** One {@code Terminal} call: what the server sends goes to the shell. */
  private final class Stream
      implements ClientResponseObserver<TerminalAgentMessage, TerminalServerMessage> {
    private ClientCallStreamObserver<TerminalAgentMessage> requests;

    @Override
    public void beforeStart(ClientCallStreamObserver<TerminalAgentMessage> requests) {
      this.requests = requests;
      requests.setOnReadyHandler(
          () -> {
            synchronized (TerminalSession.this) {
              if (current == this) {
                sendUnsent(false);
              }
              TerminalSession.this.notifyAll();
            }
          });
    }

    @Override
    public void onNext(TerminalServerMessage message) {
      switch (message.getPayloadCase()) {
        case INPUT -> write(message.getInput().toByteArray());
        case RESIZE -> resize(message.getResize());
        case CLOSE -> {
          if (message.getClose()) {
            hangUp(ENDED_BY_SERVER);
          }
        }
        case PAYLOAD_NOT_SET -> {
          // nothing to do
        }
      }
    }

    @Override
    public void onError(Throwable error) {
      lost(this, error);
    }

    @Override
    public void onCompleted() {
      lost(this, null);
    }

    /** Sends one message; a call the server has already ended drops it. */
    void send(TerminalAgentMessage message) {
      try {
        requests.onNext(message);
      } catch (RuntimeException callGone) {
        // onError follows and detaches the session
      }
    }

    void finish(int exitCode, String reason) {
      send(closed(id, exitCode, reason));
      try {
        requests.onCompleted();
      } catch (RuntimeException callGone) {
        // the server ended the call first
      }
    }
  }
}
