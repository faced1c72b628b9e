package io.ctops.server.terminal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.jdbi.v3.core.Jdbi;

/**
 * Records one session's output as it came, each piece with its time: frames of {@code [8 bytes:
 * microseconds since the start][4 bytes: length][the bytes]}, in compressed chunks of about 256
 * KiB, up to a bound; past it the recording says it stopped. Nothing is decoded or escaped while
 * the session runs: {@link Events} turns the chunks into asciicast v2 event lines when the
 * recording is downloaded or replayed. Called under the session's lock; compression and writes
 * happen on the caller's executor, one chunk at a time.
 *
 * <p>Chunks are compressed with zstd at its fastest level: several times faster than deflate on
 * text as on output that does not compress, and smaller. Chunks of the first recordings (deflate)
 * still read.
 */
final class SessionRecorder {
  private static final ObjectMapper JSON = new ObjectMapper();

  static final int CHUNK_BYTES = 256 * 1024;

  /**
   * How a chunk is stored: deflated asciicast event lines (the first recordings), deflated frames,
   * or frames compressed with zstd (the current form).
   */
  static final int LINES = 1;

  static final int FRAMES = 2;

  static final int ZSTD_FRAMES = 3;

  private static final int ZSTD_LEVEL = 1;

  private static final byte[] STOPPED =
      "\r\n[CT-Ops: the recording stopped here: it reached its size limit]\r\n"
          .getBytes(StandardCharsets.UTF_8);

  private final Jdbi jdbi;
  private final UUID session;
  private final long maxBytes;
  private final long startedNanos = System.nanoTime();
  private final ByteArrayOutputStream frames = new ByteArrayOutputStream(CHUNK_BYTES + 64 * 1024);
  private final byte[] header = new byte[12];
  private long recorded;
  private boolean truncated;
  private int seq;

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
    long micros = (System.nanoTime() - startedNanos) / 1000;
    if (recorded + bytes.length > maxBytes) {
      truncated = true;
      frame(micros, STOPPED);
      return flush();
    }
    recorded += bytes.length;
    frame(micros, bytes);
    return frames.size() >= CHUNK_BYTES ? flush() : null;
  }

  private void frame(long micros, byte[] bytes) {
    ByteBuffer.wrap(header).putLong(micros).putInt(bytes.length);
    frames.write(header, 0, header.length);
    frames.write(bytes, 0, bytes.length);
  }

  /** What is waiting, as a chunk to write; null when nothing is. */
  Chunk flush() {
    if (frames.size() == 0) {
      return null;
    }
    byte[] raw = frames.toByteArray();
    frames.reset();
    return new Chunk(seq++, raw, recorded, truncated);
  }

  /** A run of frames and how much output the recording holds with it. */
  record Chunk(int seq, byte[] frames, long recordedBytes, boolean truncated) {}

  /** Compresses and stores a chunk. */
  void write(Chunk chunk) {
    byte[] events = compress(chunk.frames());
    jdbi.useTransaction(
        handle -> {
          // a recording is written behind the session anyway: a crash may lose its last moments,
          // and the session need not wait for the disk on every chunk
          handle.execute("SET LOCAL synchronous_commit = off");
          handle
              .createUpdate(
                  "INSERT INTO terminal_recordings (session_id, seq, format, events)"
                      + " VALUES (:session, :seq, :format, :events)")
              .bind("session", session)
              .bind("seq", chunk.seq())
              .bind("format", ZSTD_FRAMES)
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

  static byte[] compress(byte[] raw) {
    return Zstd.compress(raw, ZSTD_LEVEL);
  }

  /**
   * A recording's chunks, added in order, as asciicast v2 event lines ({@code [seconds, "o",
   * text]}). A character split between two pieces of output is joined again; bytes that are not
   * UTF-8 become U+FFFD.
   */
  static final class Events {
    private final CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final StringBuilder lines = new StringBuilder();
    private ByteBuffer leftover = ByteBuffer.allocate(0);

    void add(int format, byte[] compressed) {
      byte[] raw = format == ZSTD_FRAMES ? unzstd(compressed) : inflate(compressed);
      if (format == LINES) {
        lines.append(new String(raw, StandardCharsets.UTF_8));
        return;
      }
      ByteBuffer in = ByteBuffer.wrap(raw);
      try {
        while (in.hasRemaining()) {
          long micros = in.getLong();
          byte[] bytes = new byte[in.getInt()];
          in.get(bytes);
          event(micros / 1e6, bytes);
        }
      } catch (BufferUnderflowException | NegativeArraySizeException e) {
        throw new IllegalStateException("a recording chunk is damaged", e);
      }
    }

    private void event(double seconds, byte[] bytes) {
      ByteBuffer in = ByteBuffer.allocate(leftover.remaining() + bytes.length);
      in.put(leftover).put(bytes).flip();
      CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
      utf8.decode(in, out, false);
      leftover = ByteBuffer.allocate(in.remaining()).put(in).flip();
      out.flip();
      if (out.hasRemaining()) {
        lines
            .append('[')
            .append(String.format(Locale.ROOT, "%.6f", seconds))
            .append(", \"o\", ")
            .append(quote(out.toString()))
            .append("]\n");
      }
    }

    String lines() {
      return lines.toString();
    }
  }

  /** A zstd chunk as it was before compression. */
  static byte[] unzstd(byte[] chunk) {
    try {
      long size = Zstd.getFrameContentSize(chunk);
      if (size < 0 || size > 4L * CHUNK_BYTES) {
        throw new IllegalStateException("a recording chunk is damaged");
      }
      return Zstd.decompress(chunk, (int) size);
    } catch (ZstdException e) {
      throw new IllegalStateException("a recording chunk is damaged", e);
    }
  }

  /** A deflated chunk as it was before compression. */
  static byte[] inflate(byte[] chunk) {
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
    return out.toByteArray();
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
