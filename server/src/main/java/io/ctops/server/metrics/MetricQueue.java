package io.ctops.server.metrics;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where ingest hands metric samples ({@code metrics.raw}). The returned future completes once the
 * samples are durable — committed to PostgreSQL by the in-process queue, acknowledged by the broker
 * in a Kafka profile — and only then may ingest acknowledge them to the agent. A future that fails
 * means "not durable": the agent keeps the samples and sends them again.
 */
public interface MetricQueue extends AutoCloseable {

  CompletableFuture<Void> publish(List<MetricSample> samples);

  /** Samples accepted but not yet durable. */
  int depth();

  @Override
  void close();
}
