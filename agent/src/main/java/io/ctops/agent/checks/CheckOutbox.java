package io.ctops.agent.checks;

import io.ctops.protocol.v1.CheckResult;
import io.ctops.protocol.v1.HeartbeatRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Check results waiting for the server, kept in memory until it acknowledges them with the
 * watermark samples use ({@code acked_through_unix}); what a broken stream did not get acknowledged
 * goes again on the next (the server stores a result once per check, host and {@code ran_at}).
 * Bounded: past the capacity (a count, and {@link #MAX_BUFFERED_BYTES}) the oldest are dropped and
 * counted. A heartbeat carries at most {@link #MAX_PER_HEARTBEAT} results and, past the first,
 * {@link #MAX_BYTES_PER_HEARTBEAT}: account reports of up to 256 KiB each must not make a message
 * larger than the server takes (4 MiB by default).
 *
 * <p>Each heartbeat stream sends through its own {@link Sending}. A result that rode on the
 * heartbeat with timestamp T is acknowledged by a watermark of at least T. An extra heartbeat
 * repeats the last sample's timestamp, which an answer to the earlier heartbeat may already
 * acknowledge; its results wait for a watermark past the newest timestamp sent, which the server
 * gives only once every message before it was handled.
 */
public final class CheckOutbox {
  public static final int CAPACITY = 5_000;
  public static final int MAX_PER_HEARTBEAT = 500;
  public static final int MAX_BYTES_PER_HEARTBEAT = 1024 * 1024;
  public static final long MAX_BUFFERED_BYTES = 16L * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger("agent");

  private final int capacity;
  private final long maxBytes;
  private long bytes;
  // Results not yet sent on the current stream, oldest first, by sequence number.
  private final Map<Long, CheckResult> waiting = new LinkedHashMap<>();
  // Results sent on the current stream and not yet acknowledged, oldest first.
  private final Map<Long, CheckResult> sent = new LinkedHashMap<>();
  private long sequence;
  private long stream;
  private long dropped;
  private boolean dropping;

  public CheckOutbox() {
    this(CAPACITY, MAX_BUFFERED_BYTES);
  }

  CheckOutbox(int capacity) {
    this(capacity, MAX_BUFFERED_BYTES);
  }

  CheckOutbox(int capacity, long maxBytes) {
    this.capacity = capacity;
    this.maxBytes = maxBytes;
  }

  /** Queues a result for the next heartbeat. */
  public synchronized void add(CheckResult result) {
    waiting.put(sequence++, result);
    bytes += result.getSerializedSize();
    while (waiting.size() + sent.size() > 1
        && (waiting.size() + sent.size() > capacity || bytes > maxBytes)) {
      Map<Long, CheckResult> oldest = sent.isEmpty() ? waiting : sent;
      bytes -= oldest.remove(oldest.keySet().iterator().next()).getSerializedSize();
      dropped++;
      if (!dropping) {
        dropping = true;
        log.warn(
            "event=check_results_dropped capacity={} reason=\"the server has not acknowledged"
                + " check results for a while; the oldest are dropped\"",
            capacity);
      }
    }
    notifyAll();
  }

  /** Results dropped because the outbox was full, since the agent started. */
  public synchronized long dropped() {
    return dropped;
  }

  /** Results not yet acknowledged, sent or not. */
  public synchronized int size() {
    return waiting.size() + sent.size();
  }

  /**
   * Waits until more results (or bytes of them) wait than one heartbeat carries (the rest need
   * extra ones).
   */
  public synchronized void awaitBacklog() throws InterruptedException {
    while (waiting.size() < MAX_PER_HEARTBEAT && waitingBytes() <= MAX_BYTES_PER_HEARTBEAT) {
      wait();
    }
  }

  private long waitingBytes() {
    long total = 0;
    for (CheckResult result : waiting.values()) {
      total += result.getSerializedSize();
      if (total > MAX_BYTES_PER_HEARTBEAT) {
        break;
      }
    }
    return total;
  }

  /** A new heartbeat stream: everything an earlier one sent and was not acknowledged goes again. */
  public synchronized Sending newStream() {
    stream++;
    if (!sent.isEmpty()) {
      Map<Long, CheckResult> again = new LinkedHashMap<>(sent);
      again.putAll(waiting);
      waiting.clear();
      waiting.putAll(again);
      sent.clear();
      notifyAll();
    }
    return new Sending(stream);
  }

  /** What one heartbeat stream sent, and what its acknowledgements release. */
  public final class Sending {
    private final long stream;
    // Batches sent and not yet acknowledged, in the order sent.
    private final Deque<Batch> unacknowledged = new ArrayDeque<>();
    private long newestTimestamp = Long.MIN_VALUE;

    private record Batch(long acknowledgedBy, List<Long> results) {}

    private Sending(long stream) {
      this.stream = stream;
    }

    /**
     * Adds up to {@link #MAX_PER_HEARTBEAT} waiting results to the heartbeat about to go out with
     * {@code timestampUnix}. A heartbeat that cannot be sent ends its stream: the next stream sends
     * them again.
     */
    public void attach(HeartbeatRequest.Builder request, long timestampUnix) {
      synchronized (CheckOutbox.this) {
        if (stream != CheckOutbox.this.stream) {
          return;
        }
        long acknowledgedBy = timestampUnix > newestTimestamp ? timestampUnix : newestTimestamp + 1;
        newestTimestamp = Math.max(newestTimestamp, timestampUnix);
        List<Long> batch = new ArrayList<>();
        long batchBytes = 0;
        Iterator<Map.Entry<Long, CheckResult>> next = waiting.entrySet().iterator();
        while (batch.size() < MAX_PER_HEARTBEAT && next.hasNext()) {
          Map.Entry<Long, CheckResult> result = next.next();
          batchBytes += result.getValue().getSerializedSize();
          if (!batch.isEmpty() && batchBytes > MAX_BYTES_PER_HEARTBEAT) {
            break;
          }
          next.remove();
          sent.put(result.getKey(), result.getValue());
          request.addCheckResults(result.getValue());
          batch.add(result.getKey());
        }
        if (!batch.isEmpty()) {
          unacknowledged.addLast(new Batch(acknowledgedBy, batch));
        }
      }
    }

    /** Whether results wait that this stream has not sent. */
    public boolean hasWaiting() {
      synchronized (CheckOutbox.this) {
        return stream == CheckOutbox.this.stream && !waiting.isEmpty();
      }
    }

    /** The server's watermark: results it covers are the server's now and are forgotten. */
    public void acknowledged(long throughUnix) {
      synchronized (CheckOutbox.this) {
        while (!unacknowledged.isEmpty()
            && unacknowledged.peekFirst().acknowledgedBy() <= throughUnix) {
          for (long result : unacknowledged.pollFirst().results()) {
            // Also from the waiting ones: a later stream may have queued them again.
            CheckResult forgotten = sent.remove(result);
            CheckResult queuedAgain = waiting.remove(result);
            if (forgotten != null || queuedAgain != null) {
              bytes -= (forgotten != null ? forgotten : queuedAgain).getSerializedSize();
            }
          }
        }
        if (sent.size() + waiting.size() < capacity && bytes <= maxBytes) {
          dropping = false;
        }
      }
    }
  }
}
