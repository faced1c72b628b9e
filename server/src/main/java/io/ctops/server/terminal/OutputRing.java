package io.ctops.server.terminal;

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
    int offset = Math.max(0, bytes.length - ring.length);
    int left = bytes.length - offset;
    while (left > 0) {
      int end = (start + size) % ring.length;
      int run = Math.min(left, ring.length - end);
      System.arraycopy(bytes, offset, ring, end, run);
      offset += run;
      left -= run;
      int overflow = Math.max(0, size + run - ring.length);
      size += run - overflow;
      start = (start + overflow) % ring.length;
    }
  }

  byte[] contents() {
    byte[] out = new byte[size];
    int first = Math.min(size, ring.length - start);
    System.arraycopy(ring, start, out, 0, first);
    System.arraycopy(ring, 0, out, first, size - first);
    return out;
  }

  boolean isEmpty() {
    return size == 0;
  }
}
