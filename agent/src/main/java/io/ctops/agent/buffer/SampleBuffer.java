package io.ctops.agent.buffer;

import io.ctops.agent.identity.SecureFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Samples the server has not acknowledged yet, kept on disk ({@code samples.bin} in the data dir)
 * so an outage or a restart loses none. Bounded: past {@code capacity} the oldest are dropped first
 * (and counted). Rewritten whole on every change: at most a day of samples, about 100 KB.
 */
public final class SampleBuffer {
  private static final int MAGIC = 0x43545331; // "CTS1"
  private static final int RECORD = 8 + 4 + 4 + 4 + 8 + 8;

  /** One vitals sample. */
  public record Sample(
      long timestampUnix,
      float cpu,
      float memory,
      float disk,
      long rxPerSecond,
      long txPerSecond) {}

  private final Path file;
  private final int capacity;
  private final TreeMap<Long, Sample> samples = new TreeMap<>();
  private long dropped;

  private SampleBuffer(Path file, int capacity) {
    this.file = file;
    this.capacity = capacity;
  }

  /** Opens the buffer, keeping what a previous run left; an unreadable file starts empty. */
  public static SampleBuffer open(Path file, int capacity) {
    SampleBuffer buffer = new SampleBuffer(file, capacity);
    try {
      if (Files.exists(file)) {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
        if (bytes.remaining() >= 4 && bytes.getInt() == MAGIC) {
          while (bytes.remaining() >= RECORD) {
            Sample sample =
                new Sample(
                    bytes.getLong(),
                    bytes.getFloat(),
                    bytes.getFloat(),
                    bytes.getFloat(),
                    bytes.getLong(),
                    bytes.getLong());
            buffer.samples.put(sample.timestampUnix(), sample);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    buffer.trim();
    return buffer;
  }

  public synchronized void add(Sample sample) {
    samples.put(sample.timestampUnix(), sample);
    trim();
    persist();
  }

  /** The oldest {@code max} samples taken before {@code timestampUnix}. */
  public synchronized List<Sample> before(long timestampUnix, int max) {
    List<Sample> list = new ArrayList<>();
    for (Sample sample : samples.headMap(timestampUnix, false).values()) {
      if (list.size() == max) {
        break;
      }
      list.add(sample);
    }
    return list;
  }

  /** Forgets every sample up to and including {@code timestampUnix}: the server has them. */
  public synchronized void acknowledge(long timestampUnix) {
    var acknowledged = samples.headMap(timestampUnix, true);
    if (!acknowledged.isEmpty()) {
      acknowledged.clear();
      persist();
    }
  }

  public synchronized int size() {
    return samples.size();
  }

  /** Samples dropped because the buffer was full, since this process started. */
  public synchronized long dropped() {
    return dropped;
  }

  private void trim() {
    while (samples.size() > capacity) {
      samples.pollFirstEntry();
      dropped++;
    }
  }

  private void persist() {
    ByteBuffer bytes = ByteBuffer.allocate(4 + samples.size() * RECORD);
    bytes.putInt(MAGIC);
    for (Sample sample : samples.values()) {
      bytes
          .putLong(sample.timestampUnix())
          .putFloat(sample.cpu())
          .putFloat(sample.memory())
          .putFloat(sample.disk())
          .putLong(sample.rxPerSecond())
          .putLong(sample.txPerSecond());
    }
    try {
      SecureFiles.write(file, bytes.array(), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
