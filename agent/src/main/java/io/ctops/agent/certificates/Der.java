package io.ctops.agent.certificates;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The little of DER (X.690) the discovery needs beyond what the JDK parses: where an element ends
 * (is a file exactly one certificate?) and wrapping an OpenSSL "traditional" key into the PKCS#8
 * structure the JDK's key factories read.
 */
final class Der {
  static final int SEQUENCE = 0x30;
  static final int INTEGER = 0x02;
  static final int OCTET_STRING = 0x04;
  static final int NULL = 0x05;

  /** Context-specific, constructed, tag 0: SEC1's {@code [0] parameters}. */
  static final int CONTEXT_0 = 0xA0;

  private Der() {}

  /** One element of a buffer: its tag, where it starts, where its contents start, where it ends. */
  record Element(int tag, int start, int contentStart, int end) {
    /** The element, tag and length included. */
    byte[] bytes(byte[] der) {
      return Arrays.copyOfRange(der, start, end);
    }
  }

  /** The element starting at {@code offset}; empty when no whole element is there. */
  static Optional<Element> at(byte[] der, int offset) {
    if (offset < 0 || offset + 2 > der.length) {
      return Optional.empty();
    }
    int tag = der[offset] & 0xff;
    int first = der[offset + 1] & 0xff;
    int at = offset + 2;
    long length;
    if (first < 0x80) {
      length = first;
    } else {
      int count = first & 0x7f;
      // DER has no indefinite length; four length bytes already exceed any file we read.
      if (count == 0 || count > 4 || at + count > der.length) {
        return Optional.empty();
      }
      length = 0;
      for (int i = 0; i < count; i++) {
        length = (length << 8) | (der[at++] & 0xff);
      }
    }
    long end = at + length;
    return end > der.length
        ? Optional.empty()
        : Optional.of(new Element(tag, offset, at, (int) end));
  }

  /** Whether {@code der} is one SEQUENCE and nothing else, as a DER certificate file is. */
  static boolean isOneSequence(byte[] der) {
    return at(der, 0).filter(e -> e.tag() == SEQUENCE && e.end() == der.length).isPresent();
  }

  /** The elements inside the constructed element {@code outer}, in order. */
  static Optional<List<Element>> children(byte[] der, Element outer) {
    List<Element> children = new ArrayList<>();
    int at = outer.contentStart();
    while (at < outer.end()) {
      Optional<Element> next = at(der, at);
      if (next.isEmpty() || next.get().end() > outer.end()) {
        return Optional.empty();
      }
      children.add(next.get());
      at = next.get().end();
    }
    return Optional.of(children);
  }

  /** A new element: {@code tag}, the length, then {@code contents} one after the other. */
  static byte[] element(int tag, byte[]... contents) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] content : contents) {
      body.writeBytes(content);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = body.size();
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }
}
