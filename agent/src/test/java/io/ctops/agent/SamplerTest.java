package io.ctops.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.buffer.SampleBuffer;
import io.ctops.agent.collect.VitalsCollector;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sampler on this machine's real counters. */
class SamplerTest {
  @TempDir Path dir;

  @Test
  void theFirstSampleMeasuresCpuOverAWindowInsteadOfReportingZero() throws Exception {
    AtomicBoolean spinning = new AtomicBoolean(true);
    // one busy core: whatever else the machine does, its CPU is well above zero meanwhile
    Thread busy =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  while (spinning.get()) {
                    Thread.onSpinWait();
                  }
                });
    BlockingQueue<Sampler.Latest> samples = new LinkedBlockingQueue<>();
    Sampler sampler =
        new Sampler(
            new VitalsCollector(),
            SampleBuffer.open(dir.resolve("samples.bin"), 100),
            Clock.systemUTC(),
            Duration.ofMinutes(5),
            samples::add);
    long started = System.nanoTime();
    try {
      sampler.start();
      Sampler.Latest first = samples.poll(30, TimeUnit.SECONDS);
      assertThat(first).isNotNull();
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isGreaterThanOrEqualTo(Sampler.FIRST_WINDOW);
      assertThat(first.vitals().cpuPercent()).isGreaterThan(1f);
    } finally {
      sampler.stop();
      spinning.set(false);
      busy.join();
    }
  }
}
