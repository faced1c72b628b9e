package io.ctops.server.terminal;

import java.io.ByteArrayOutputStream;

/**
 * The newest bytes a session printed, at most {@code capacity}: what a re-attaching viewer sees.
 */
final class OutputRing {
  private final byte[] ring;
  private int start;
  private int size;

  OutputRing(int capacity) {
    this.ring = new byte[capacity];
  }

  void append(byte[] bytes) {
    int from = Math.max(0, bytes.length - ring.length);
    for (int i = from; i < bytes.length; i++) {
      int at = (start + size) % ring.length;
      ring[at] = bytes[i];
      if (size < ring.length) {
        size++;
      } else {
        start = (start + 1) % ring.length;
      }
    }
  }

  byte[] contents() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(size);
    for (int i = 0; i < size; i++) {
      out.write(ring[(start + i) % ring.length]);
    }
    return out.toByteArray();
  }

  boolean isEmpty() {
    return size == 0;
  }
}
