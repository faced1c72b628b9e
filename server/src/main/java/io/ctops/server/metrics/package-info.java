/** Time-series storage of vitals: the metric queue, the writer, partitions and range queries. */
package io.ctops.server.metrics;
