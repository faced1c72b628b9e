package io.ctops.agent.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputRingTest {
  @Test
  void keepsEverythingUntilFullThenOnlyTheNewest() {
    OutputRing ring = new OutputRing(8);
    ring.append(bytes("abc"), 3);
    assertThat(joined(ring.chunks(100))).isEqualTo("abc");

    ring.append(bytes("defghij"), 7);

    assertThat(joined(ring.chunks(100))).isEqualTo("cdefghij");
  }

  @Test
  void aChunkLargerThanTheRingLeavesItsTail() {
    OutputRing ring = new OutputRing(4);
    ring.append(bytes("xy"), 2);

    ring.append(bytes("0123456789"), 10);

    assertThat(joined(ring.chunks(100))).isEqualTo("6789");
  }

  @Test
  void countsOnlyTheGivenLengthOfABuffer() {
    OutputRing ring = new OutputRing(8);

    ring.append(bytes("abcdef"), 2);

    assertThat(joined(ring.chunks(100))).isEqualTo("ab");
  }

  @Test
  void comesOutInPiecesOfAtMostTheChunkSize() {
    OutputRing ring = new OutputRing(OutputRing.CAPACITY);
    byte[] lots = new byte[100_000];
    ring.append(lots, lots.length);

    List<byte[]> pieces = ring.chunks(16 * 1024);

    assertThat(pieces).hasSize(4);
    assertThat(pieces).allSatisfy(piece -> assertThat(piece.length).isLessThanOrEqualTo(16384));
    assertThat(pieces.stream().mapToInt(piece -> piece.length).sum()).isEqualTo(65536);
  }

  @Test
  void aWrappedRingDoesNotStartInsideACharacter() {
    OutputRing ring = new OutputRing(5);

    ring.append(bytes("aé€z"), bytes("aé€z").length);

    // "a" (1 byte) "é" (2) "€" (3) "z" (1): the last 5 bytes start in the middle of "é".
    assertThat(joined(ring.chunks(100))).isEqualTo("€z");
  }

  @Test
  void anEmptyRingReplaysNothing() {
    assertThat(new OutputRing().chunks(16)).isEmpty();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String joined(List<byte[]> pieces) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    pieces.forEach(all::writeBytes);
    return all.toString(StandardCharsets.UTF_8);
  }
}
