package io.ctops.agent.ports;

import java.util.HexFormat;

/**
 * Addresses as {@code /proc/net} tables write them: the bytes of an IPv4 address as one
 * little-endian 32-bit word, an IPv6 address as four such words (the kernel prints the words in
 * host order; the agent runs on little-endian x86-64 and arm64).
 */
final class Addresses {
  private Addresses() {}

  static String decode(String hex) {
    byte[] words = HexFormat.of().parseHex(hex);
    if (words.length != 4 && words.length != 16) {
      throw new IllegalArgumentException("not an address: " + hex);
    }
    byte[] address = new byte[words.length];
    for (int word = 0; word < words.length; word += 4) {
      for (int i = 0; i < 4; i++) {
        address[word + i] = words[word + 3 - i];
      }
    }
    return words.length == 4 ? ipv4(address, 0) : ipv6(address);
  }

  private static String ipv4(byte[] address, int from) {
    return (address[from] & 0xff)
        + "."
        + (address[from + 1] & 0xff)
        + "."
        + (address[from + 2] & 0xff)
        + "."
        + (address[from + 3] & 0xff);
  }

  /** RFC 5952 text: lower case, no leading zeros, the longest run of zero groups as "::". */
  private static String ipv6(byte[] address) {
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((address[2 * i] & 0xff) << 8) | (address[2 * i + 1] & 0xff);
    }
    boolean mapped = true;
    for (int i = 0; i < 5; i++) {
      mapped &= groups[i] == 0;
    }
    if (mapped && groups[5] == 0xffff) {
      return "::ffff:" + ipv4(address, 12);
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int start = i;
      while (i < 8 && groups[i] == 0) {
        i++;
      }
      if (i - start > bestLength) {
        bestStart = start;
        bestLength = i - start;
      }
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLength - 1;
        continue;
      }
      if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
        out.append(':');
      }
      out.append(Integer.toHexString(groups[i]));
    }
    return out.toString();
  }
}
