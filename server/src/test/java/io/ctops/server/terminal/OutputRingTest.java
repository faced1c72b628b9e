package io.ctops.server.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OutputRingTest {
  @Test
  void keepsTheNewestBytesWhateverTheSizesOfTheAppends() {
    Random random = new Random(7);
    OutputRing ring = new OutputRing(100);
    byte[] everything = new byte[0];
    for (int i = 0; i < 500; i++) {
      byte[] chunk = new byte[random.nextInt(i % 50 == 0 ? 250 : 40)];
      random.nextBytes(chunk);
      ring.append(chunk);
      everything = join(everything, chunk);

      byte[] newest =
          Arrays.copyOfRange(everything, Math.max(0, everything.length - 100), everything.length);
      assertThat(ring.contents()).isEqualTo(newest);
      assertThat(ring.isEmpty()).isEqualTo(everything.length == 0);
    }
  }

  private static byte[] join(byte[] a, byte[] b) {
    byte[] joined = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, joined, a.length, b.length);
    return joined;
  }
}
