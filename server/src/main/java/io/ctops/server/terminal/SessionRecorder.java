package io.ctops.server.terminal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.jdbi.v3.core.Jdbi;

/**
 * Records one session's output as asciicast v2 event lines ({@code [seconds, "o", text]}), in
 * compressed chunks of about 256 KiB of text, up to a bound; past it the recording says it stopped.
 * Called under the session's lock; compression and writes happen on the caller's executor, one
 * chunk at a time.
 *
 * <p>Output that does not compress (binary, random, already compressed data) costs deflate several
 * times the time of text for nothing: after a chunk that deflate left at over {@link
 * #INCOMPRESSIBLE} of its size, the next ones are only entropy-coded (Huffman only: as small for
 * such output, and several times faster), and every {@link #PROBE_EVERY}th chunk tries deflate
 * again.
 */
final class SessionRecorder {
  private static final ObjectMapper JSON = new ObjectMapper();

  static final int CHUNK_CHARS = 256 * 1024;

  static final double INCOMPRESSIBLE = 0.6;

  static final int PROBE_EVERY = 8;

  private final Jdbi jdbi;
  private final UUID session;
  private final long maxBytes;
  private final long startedNanos = System.nanoTime();
  private final CharsetDecoder utf8 =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);
  private ByteBuffer leftover = ByteBuffer.allocate(0);
  private StringBuilder events = new StringBuilder();
  private long recorded;
  private boolean truncated;
  private int seq;
  // the writer's: whether recent output was incompressible, and chunks since deflate was tried
  private boolean entropyOnly;
  private int sinceProbe;

  SessionRecorder(Jdbi jdbi, UUID session, long maxBytes) {
    this.jdbi = jdbi;
    this.session = session;
    this.maxBytes = maxBytes;
  }

  /** Adds output; returns a chunk to write when one is full, else null. */
  Chunk output(byte[] bytes) {
    if (truncated) {
      return null;
    }
    double at = (System.nanoTime() - startedNanos) / 1e9;
    if (recorded + bytes.length > maxBytes) {
      truncated = true;
      event(at, "\r\n[CT-Ops: the recording stopped here: it reached its size limit]\r\n");
      return flush();
    }
    recorded += bytes.length;
    ByteBuffer in = ByteBuffer.allocate(leftover.remaining() + bytes.length);
    in.put(leftover).put(bytes).flip();
    CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
    utf8.decode(in, out, false);
    leftover = ByteBuffer.allocate(in.remaining()).put(in).flip();
    out.flip();
    if (out.hasRemaining()) {
      event(at, out.toString());
    }
    return events.length() >= CHUNK_CHARS ? flush() : null;
  }

  private void event(double at, String text) {
    events
        .append('[')
        .append(String.format(Locale.ROOT, "%.6f", at))
        .append(", \"o\", ")
        .append(quote(text))
        .append("]\n");
  }

  /** What is waiting, as a chunk to write; null when nothing is. */
  Chunk flush() {
    if (events.isEmpty()) {
      return null;
    }
    byte[] text = events.toString().getBytes(StandardCharsets.UTF_8);
    events = new StringBuilder();
    return new Chunk(seq++, text, recorded, truncated);
  }

  /** A run of event lines and how much output the recording holds with it. */
  record Chunk(int seq, byte[] text, long recordedBytes, boolean truncated) {}

  /** Compresses and stores a chunk. */
  void write(Chunk chunk) {
    byte[] events = compress(chunk.text());
    jdbi.useTransaction(
        handle -> {
          // a recording is written behind the session anyway: a crash may lose its last moments,
          // and the session need not wait for the disk on every chunk
          handle.execute("SET LOCAL synchronous_commit = off");
          handle
              .createUpdate(
                  "INSERT INTO terminal_recordings (session_id, seq, events)"
                      + " VALUES (:session, :seq, :events)")
              .bind("session", session)
              .bind("seq", chunk.seq())
              .bind("events", events)
              .execute();
          handle
              .createUpdate(
                  "UPDATE terminal_sessions SET recorded_bytes = greatest(recorded_bytes, :bytes),"
                      + " recording_truncated = recording_truncated OR :truncated"
                      + " WHERE id = :session")
              .bind("bytes", chunk.recordedBytes())
              .bind("truncated", chunk.truncated())
              .bind("session", session)
              .execute();
        });
  }

  private byte[] compress(byte[] text) {
    boolean probe = !entropyOnly || ++sinceProbe >= PROBE_EVERY;
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    if (!probe) {
      deflater.setStrategy(Deflater.HUFFMAN_ONLY);
    }
    deflater.setInput(text);
    deflater.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length / 3 + 64);
    byte[] buffer = new byte[16 * 1024];
    while (!deflater.finished()) {
      out.write(buffer, 0, deflater.deflate(buffer));
    }
    deflater.end();
    if (probe) {
      entropyOnly = out.size() > text.length * INCOMPRESSIBLE;
      sinceProbe = 0;
    }
    return out.toByteArray();
  }

  /** A chunk's event lines, as written. */
  static String inflate(byte[] chunk) {
    Inflater inflater = new Inflater();
    inflater.setInput(chunk);
    ByteArrayOutputStream out = new ByteArrayOutputStream(chunk.length * 4);
    byte[] buffer = new byte[16 * 1024];
    try {
      while (!inflater.finished()) {
        int n = inflater.inflate(buffer);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        out.write(buffer, 0, n);
      }
    } catch (DataFormatException e) {
      throw new IllegalStateException("a recording chunk is damaged", e);
    } finally {
      inflater.end();
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** A JSON string: quotes, backslashes and control characters escaped. */
  static String quote(String text) {
    try {
      return JSON.writeValueAsString(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
