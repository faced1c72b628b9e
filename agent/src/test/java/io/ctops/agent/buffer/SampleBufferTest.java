package io.ctops.agent.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleBufferTest {
  @TempDir Path dir;

  @Test
  void keepsSamplesAcrossRestartsUntilAcknowledged() throws Exception {
    Path file = dir.resolve("samples.bin");
    SampleBuffer buffer = SampleBuffer.open(file, 100);
    for (long t = 1; t <= 5; t++) {
      buffer.add(sample(t));
    }
    buffer.acknowledge(2);

    SampleBuffer reopened = SampleBuffer.open(file, 100);

    assertThat(reopened.size()).isEqualTo(3);
    assertThat(reopened.before(5, 10))
        .extracting(SampleBuffer.Sample::timestampUnix)
        .containsExactly(3L, 4L);
    assertThat(reopened.before(6, 10).get(0)).isEqualTo(sample(3));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void dropsTheOldestWhenFullAndCountsThem() {
    SampleBuffer buffer = SampleBuffer.open(dir.resolve("samples.bin"), 10);
    for (long t = 1; t <= 25; t++) {
      buffer.add(sample(t));
    }

    assertThat(buffer.size()).isEqualTo(10);
    assertThat(buffer.dropped()).isEqualTo(15);
    assertThat(buffer.before(100, 1))
        .extracting(SampleBuffer.Sample::timestampUnix)
        .containsExactly(16L);
  }

  @Test
  void anUnreadableFileStartsEmpty() throws Exception {
    Path file = Files.writeString(dir.resolve("samples.bin"), "garbage");

    assertThat(SampleBuffer.open(file, 10).size()).isZero();
  }

  private static SampleBuffer.Sample sample(long t) {
    return new SampleBuffer.Sample(t, t, 50, 60, 1000 * t, 500 * t);
  }
}
