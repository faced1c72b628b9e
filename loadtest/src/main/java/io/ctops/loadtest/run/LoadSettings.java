package io.ctops.loadtest.run;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What {@code ctops loadtest run} was asked to do; checked by the command before a run starts.
 *
 * @param duration how long the run lasts after the ramp; zero runs until Ctrl-C
 * @param inventoryPackages packages in the synthetic inventory a virtual agent submits when the
 *     server asks it for a software scan
 * @param inventoryConcurrency inventories sent at the same time, at most (the others wait)
 * @param settleScans when present, the steady state also waits until no software scan has been
 *     asked for or waiting for this long (a new fleet's first inventories are not measured)
 * @param identities a file of identities to reuse and keep (see {@link Identities})
 */
public record LoadSettings(
    String host,
    int port,
    String token,
    int agents,
    Duration ramp,
    Duration duration,
    Duration heartbeatInterval,
    Optional<Path> caCert,
    boolean tlsSkipVerify,
    int connFanout,
    int registrationConcurrency,
    String runId,
    String hostnamePrefix,
    double metricsJitter,
    Optional<Path> outputJson,
    Duration statsInterval,
    int inventoryPackages,
    int inventoryConcurrency,
    Optional<Duration> settleScans,
    Optional<Path> identities) {

  /** The hostname of virtual agent {@code n}: {@code <prefix>-<run-id>-<n>}. */
  public String hostname(int n) {
    return hostnamePrefix + "-" + runId + "-" + n;
  }

  public int connections() {
    return (agents + connFanout - 1) / connFanout;
  }
}
