package io.ctops.agent.terminal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A session's most recent output (at most {@link #CAPACITY} bytes), replayed to a re-attached
 * stream so the operator sees the screen again. Fixed size: a shell printing for hours while nobody
 * is attached costs no more memory than one printing nothing.
 */
final class OutputRing {
  static final int CAPACITY = 64 * 1024;

  private final byte[] bytes;
  private int start;
  private int size;

  OutputRing() {
    this(CAPACITY);
  }

  OutputRing(int capacity) {
    this.bytes = new byte[capacity];
  }

  void append(byte[] chunk, int length) {
    int offset = Math.max(0, length - bytes.length);
    int left = length - offset;
    while (left > 0) {
      int end = (start + size) % bytes.length;
      int run = Math.min(left, bytes.length - end);
      System.arraycopy(chunk, offset, bytes, end, run);
      offset += run;
      left -= run;
      int overflow = Math.max(0, size + run - bytes.length);
      size += run - overflow;
      start = (start + overflow) % bytes.length;
    }
  }

  /**
   * The kept output in pieces of at most {@code chunk} bytes. Once the ring has wrapped, bytes
   * before the first whole UTF-8 character are left out, so the replay does not start with a broken
   * one.
   */
  List<byte[]> chunks(int chunk) {
    byte[] all = new byte[size];
    for (int i = 0; i < size; i++) {
      all[i] = bytes[(start + i) % bytes.length];
    }
    int from = 0;
    if (size == bytes.length) {
      while (from < all.length && from < 4 && (all[from] & 0xC0) == 0x80) {
        from++;
      }
    }
    List<byte[]> pieces = new ArrayList<>();
    for (int at = from; at < all.length; at += chunk) {
      pieces.add(Arrays.copyOfRange(all, at, Math.min(all.length, at + chunk)));
    }
    return pieces;
  }
}
