package io.ctops.agent;

import io.ctops.agent.buffer.SampleBuffer;
import io.ctops.agent.collect.VitalsCollector;
import io.ctops.agent.collect.VitalsCollector.Vitals;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code sampler} thread: samples the host's vitals every interval (±10 % jitter, so a fleet
 * started together does not heartbeat in lockstep) into the on-disk buffer, whether or not ingest
 * is reachable, and hands each sample on for the heartbeat. Timestamps are whole seconds and
 * strictly increasing: the server stores one sample per (host, timestamp).
 *
 * <p>CPU % is measured between two readings of the processor's tick counters. The collector takes
 * its first reading when it is made, moments before the first sample, and a window that short reads
 * 0.0 % however busy the host is: the first sample waits {@link #FIRST_WINDOW} so the first value
 * sent is a real measurement.
 */
final class Sampler {
  static final Duration FIRST_WINDOW = Duration.ofSeconds(1);
  private static final Logger log = LoggerFactory.getLogger("agent");

  /** The newest sample and the timestamp it was stored under. */
  record Latest(Vitals vitals, long timestampUnix) {}

  private final VitalsCollector collector;
  private final SampleBuffer buffer;
  private final Clock clock;
  private final Duration interval;
  private final Consumer<Latest> onSample;
  private final Thread thread;
  private volatile Latest latest;
  private volatile boolean running = true;

  Sampler(
      VitalsCollector collector,
      SampleBuffer buffer,
      Clock clock,
      Duration interval,
      Consumer<Latest> onSample) {
    this.collector = collector;
    this.buffer = buffer;
    this.clock = clock;
    this.interval = interval;
    this.onSample = onSample;
    this.thread = Thread.ofPlatform().name("sampler").daemon().unstarted(this::loop);
  }

  void start() {
    thread.start();
  }

  void stop() {
    running = false;
    thread.interrupt();
  }

  /** The newest sample; empty until the first one is taken. */
  Optional<Latest> latest() {
    return Optional.ofNullable(latest);
  }

  private void loop() {
    long dropped = 0;
    long lastSampleUnix = 0;
    try {
      Thread.sleep(FIRST_WINDOW.toMillis());
    } catch (InterruptedException e) {
      return;
    }
    while (running) {
      try {
        Vitals vitals = collector.sample();
        long now = clock.instant().getEpochSecond();
        if (now <= lastSampleUnix) {
          now = lastSampleUnix + 1;
        }
        buffer.add(
            new SampleBuffer.Sample(
                now,
                vitals.cpuPercent(),
                vitals.memoryPercent(),
                vitals.diskPercent(),
                vitals.rxBytesPerSecond(),
                vitals.txBytesPerSecond()));
        if (buffer.dropped() > dropped) {
          log.warn("event=sample_buffer_full dropped_total={}", buffer.dropped());
          dropped = buffer.dropped();
        }
        lastSampleUnix = now;
        latest = new Latest(vitals, now);
        onSample.accept(latest);
        long millis = interval.toMillis();
        long jitter = (long) (millis * 0.1);
        Thread.sleep(millis - jitter + ThreadLocalRandom.current().nextLong(2 * jitter + 1));
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("event=sampling_failed error=\"{}\"", e.toString());
        try {
          Thread.sleep(interval.toMillis());
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }
}
